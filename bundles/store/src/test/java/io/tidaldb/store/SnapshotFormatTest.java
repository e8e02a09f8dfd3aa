package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotFormatTest {
  static final DecayModel DECAY = DecayModel.ofHalfLife(3_600_000);
  @TempDir Path dir;

  Path writeOne() {
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    registry.bind(0, "default", "view", "test");
    EntityStateMap states = new EntityStateMap();
    states.getOrCreate(0, 42).apply(ReplicaIds.of(1, 0), 2.0, 1_700_000_000_000L, 7L << 16, DECAY);
    return new SnapshotWriter().write(dir, 3, 99, registry.snapshot(), states);
  }

  @Test
  void shouldPinTheHeaderLayoutToTheDescriptor() throws IOException {
    Path file = writeOne();
    assertEquals("snapshot-0003-00000000000000000099.snap", file.getFileName().toString());
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(48, SnapshotDescriptor.HEADER_LENGTH);
    assertEquals("54445353", HexFormat.of().formatHex(b.array(), 0, 4)); // "TDSS" little-endian
    assertEquals(1, b.getShort(SnapshotDescriptor.VERSION_OFFSET));
    assertEquals(0, b.getShort(SnapshotDescriptor.FLAGS_OFFSET));
    assertEquals(3, b.getInt(SnapshotDescriptor.SHARD_OFFSET));
    assertEquals(1, b.getInt(SnapshotDescriptor.SERIES_COUNT_OFFSET));
    assertEquals(99, b.getLong(SnapshotDescriptor.POSITION_OFFSET));
    assertEquals(1, b.getLong(SnapshotDescriptor.ENTRY_COUNT_OFFSET));
    assertEquals(b.capacity() - 48, b.getLong(SnapshotDescriptor.BODY_LENGTH_OFFSET));
    // body: series 0 = ("default", "view")
    assertEquals(
        "00000000"
            + "07"
            + HexFormat.of().formatHex("default".getBytes())
            + "04"
            + HexFormat.of().formatHex("view".getBytes()),
        HexFormat.of().formatHex(b.array(), 48, 48 + 4 + 1 + 7 + 1 + 4));
  }

  @Test
  void shouldRoundTripSeriesAndStates() {
    Path file = writeOne();
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    EntityStateMap states = new EntityStateMap();
    assertEquals(99, SnapshotReader.load(file, 3, registry, states));
    assertEquals(TenantId.DEFAULT, registry.get(0).tenant());
    assertEquals(SignalType.of("view"), registry.get(0).type());
    CrdtSignalState s = states.get(0, 42);
    assertEquals(1, s.count());
    assertEquals(2.0, s.weightSum());
    assertSame(null, states.get(0, 43));
  }

  @Test
  void shouldNameFileAndOffsetOfCorruption() throws IOException {
    Path file = writeOne();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                SnapshotReader.load(file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap()));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("at offset 48"), e.getMessage());
    assertThrows(
        StorageException.class,
        () ->
            SnapshotReader.load(
                writeOne(), 4, new SeriesRegistry(t -> DECAY), new EntityStateMap()));
  }
}
