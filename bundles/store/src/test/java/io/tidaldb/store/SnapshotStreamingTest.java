package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot writer and reader agree on bodies of any length: both stream through buffers of a
 * configured size with long offsets, so the chunked path a body above 2 GiB takes is the one these
 * small bodies take with 4 KiB buffers.
 */
class SnapshotStreamingTest {
  static final DecayModel DECAY = DecayModel.ofHalfLife(3_600_000);
  static final long T0 = 1_700_000_000_000L;
  @TempDir Path dir;

  /** 3,000 entities over two series, entity 7 with 100 replicas (a state above 4 KiB). */
  static EntityStateMap states(long seed) {
    System.out.println("SnapshotStreamingTest seed " + seed);
    Random random = new Random(seed);
    EntityStateMap states = new EntityStateMap();
    for (int i = 0; i < 3_000; i++) {
      long replica = ReplicaIds.log(random.nextInt(3));
      states
          .getOrCreate(i % 2, i)
          .applyAt(
              replica, i, random.nextInt(9) - 2, T0 - random.nextInt(9_000), T0 << 16 | i, DECAY);
    }
    CrdtSignalState wide = states.getOrCreate(1, 7);
    for (int r = 0; r < 100; r++) {
      wide.applyAt(ReplicaIds.local(r, 1), 0, 1.0, T0, (T0 + 1) << 16 | r, DECAY);
    }
    assertTrue(wide.encodedLength() > 4096, "entry larger than the buffer");
    return states;
  }

  static SeriesRegistry registry() {
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    registry.bind(0, "default", "view", "test");
    registry.bind(1, "acme", "like", "test");
    return registry;
  }

  @Test
  void shouldRoundTripABodyOfManyChunksAndAnEntryLargerThanAChunk() throws IOException {
    EntityStateMap written = states(42);
    Path file =
        new SnapshotWriter(4096)
            .write(dir, 2, 3_001, registry().snapshot(), written, 0, LogAnchor.NONE, 0);
    assertTrue(Files.size(file) > 40 * 4096, "body of many chunks: " + Files.size(file));
    for (int buffer : new int[] {4096, 5_000, 1 << 20}) {
      SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
      EntityStateMap read = new EntityStateMap();
      assertEquals(
          new SnapshotReader.Loaded(3_001, 0),
          SnapshotReader.load(file, 2, registry, read, buffer));
      assertEquals(2, registry.snapshot().length);
      assertEquals(written.size(), read.size(), "buffer " + buffer);
      written.forEach(
          (series, entity, state) ->
              assertEquals(state, read.get(series, entity), "entity " + entity));
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left");
    }
  }

  @Test
  void shouldAcceptAHeaderWithABodyAbove2GiB() throws IOException {
    Path file =
        new SnapshotWriter(4096)
            .write(dir, 2, 9, registry().snapshot(), new EntityStateMap(), 0, LogAnchor.NONE, 0);
    long body = (1L << 31) + 100;
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(SnapshotDescriptor.HEADER_LENGTH + body); // sparse: nothing written
      byte[] header = new byte[SnapshotDescriptor.HEADER_LENGTH];
      f.readFully(header);
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      h.putLong(SnapshotDescriptor.BODY_LENGTH_OFFSET, body);
      CRC32C crc = new CRC32C();
      crc.update(header, 0, SnapshotDescriptor.HEADER_CRC_OFFSET);
      h.putInt(SnapshotDescriptor.HEADER_CRC_OFFSET, (int) crc.getValue());
      f.seek(0);
      f.write(header);
    }
    assertEquals(9, SnapshotReader.header(file, 2).position(), "a 2 GiB+ body is not refused");
  }

  @Test
  void shouldRecoverAStoreThroughSmallSnapshotBuffers() {
    try (StoreFixture db =
        new StoreFixture(
            dir,
            b -> b.snapshotEveryRecords(2_000).snapshotBufferBytes(4096),
            b -> b.segmentBytes(64 * 1024))) {
      var before = StoreRecoveryTest.writeAndRead(db, 21, 20_000);
      db.reopen();
      assertEquals(before, StoreRecoveryTest.readAll(db));
      assertTrue(db.store.snapshotPosition(0) > 0);
    }
  }
}
