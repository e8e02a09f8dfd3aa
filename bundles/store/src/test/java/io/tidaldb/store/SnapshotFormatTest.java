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
import java.util.List;
import java.util.zip.CRC32C;
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
    return new SnapshotWriter(4096)
        .write(
            dir,
            3,
            99,
            registry.snapshot(),
            states,
            5,
            new LogAnchor(90, 4, 0x1234abcd),
            List.of(RANGE));
  }

  static final CountedRanges.Range RANGE = new CountedRanges.Range(ReplicaIds.of(1, 0), 4, 95, 99);

  /**
   * Rewrites a version 4 file with one counted range as an older version: the header's first {@code
   * fields} bytes, its CRC32C right after them, then the body without its counted ranges (body
   * length and CRC32C fixed).
   */
  static void downgrade(Path file, int version, int fields) throws IOException {
    byte[] v4 = Files.readAllBytes(file);
    int body = v4.length - SnapshotDescriptor.HEADER_LENGTH - 4 - SnapshotDescriptor.RANGE_LENGTH;
    ByteBuffer old = ByteBuffer.allocate(fields + 4 + body).order(ByteOrder.LITTLE_ENDIAN);
    old.put(v4, 0, fields).putInt(0).put(v4, SnapshotDescriptor.HEADER_LENGTH, body);
    old.putShort(SnapshotDescriptor.VERSION_OFFSET, (short) version);
    old.putLong(SnapshotDescriptor.BODY_LENGTH_OFFSET, body);
    CRC32C bodyCrc = new CRC32C();
    bodyCrc.update(v4, SnapshotDescriptor.HEADER_LENGTH, body);
    old.putInt(SnapshotDescriptor.BODY_CRC_OFFSET, (int) bodyCrc.getValue());
    CRC32C crc = new CRC32C();
    crc.update(old.array(), 0, fields);
    old.putInt(fields, (int) crc.getValue());
    Files.write(file, old.array());
  }

  /** Rewrites a version 3 file as version 1: no fence epoch, header CRC at 44, body at 48. */
  static void downgradeToVersion1(Path file) throws IOException {
    downgrade(file, 1, 44);
  }

  @Test
  void shouldPinTheHeaderLayoutToTheDescriptor() throws IOException {
    Path file = writeOne();
    assertEquals("snapshot-0003-00000000000000000099.snap", file.getFileName().toString());
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(76, SnapshotDescriptor.HEADER_LENGTH);
    assertEquals("54445353", HexFormat.of().formatHex(b.array(), 0, 4)); // "TDSS" little-endian
    assertEquals(4, b.getShort(SnapshotDescriptor.VERSION_OFFSET));
    assertEquals(0, b.getShort(SnapshotDescriptor.FLAGS_OFFSET));
    assertEquals(3, b.getInt(SnapshotDescriptor.SHARD_OFFSET));
    assertEquals(1, b.getInt(SnapshotDescriptor.SERIES_COUNT_OFFSET));
    assertEquals(99, b.getLong(SnapshotDescriptor.POSITION_OFFSET));
    assertEquals(1, b.getLong(SnapshotDescriptor.ENTRY_COUNT_OFFSET));
    assertEquals(b.capacity() - 76, b.getLong(SnapshotDescriptor.BODY_LENGTH_OFFSET));
    assertEquals(44, SnapshotDescriptor.FENCE_EPOCH_OFFSET);
    assertEquals(5, b.getLong(SnapshotDescriptor.FENCE_EPOCH_OFFSET));
    assertEquals(52, SnapshotDescriptor.ANCHOR_FIRST_POSITION_OFFSET);
    assertEquals(90, b.getLong(52));
    assertEquals(60, SnapshotDescriptor.ANCHOR_EPOCH_OFFSET);
    assertEquals(4, b.getLong(60));
    assertEquals(68, SnapshotDescriptor.ANCHOR_CRC_OFFSET);
    assertEquals(0x1234abcd, b.getInt(68));
    assertEquals(72, SnapshotDescriptor.HEADER_CRC_OFFSET);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 72);
    assertEquals((int) crc.getValue(), b.getInt(72));
    // body: series 0 = ("default", "view")
    assertEquals(
        "00000000"
            + "07"
            + HexFormat.of().formatHex("default".getBytes())
            + "04"
            + HexFormat.of().formatHex("view".getBytes()),
        HexFormat.of().formatHex(b.array(), 76, 76 + 4 + 1 + 7 + 1 + 4));
    // body end: 1 counted range (origin, epoch 4, positions 95..99)
    assertEquals(28, SnapshotDescriptor.RANGE_LENGTH);
    int ranges = b.capacity() - 4 - 28;
    assertEquals(1, b.getInt(ranges));
    assertEquals(ReplicaIds.of(1, 0), b.getInt(ranges + 4));
    assertEquals(4, b.getLong(ranges + 8));
    assertEquals(95, b.getLong(ranges + 16));
    assertEquals(99, b.getLong(ranges + 24));
  }

  @Test
  void shouldReadVersion3FilesWithoutCountedRanges() throws IOException {
    Path file = writeOne();
    downgrade(file, 3, 72);
    EntityStateMap states = new EntityStateMap();
    SnapshotReader.Loaded loaded =
        SnapshotReader.load(file, 3, new SeriesRegistry(t -> DECAY), states, 4096);
    assertEquals(new SnapshotReader.Loaded(99, 5), loaded);
    assertEquals(List.of(), loaded.counted());
    assertEquals(new LogAnchor(90, 4, 0x1234abcd), SnapshotReader.header(file, 3).anchor());
    assertEquals(2.0, states.get(0, 42).weightSum());
  }

  @Test
  void shouldRoundTripSeriesAndStates() {
    Path file = writeOne();
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    EntityStateMap states = new EntityStateMap();
    assertEquals(
        new SnapshotReader.Loaded(99, 5, List.of(RANGE)),
        SnapshotReader.load(file, 3, registry, states, 4096));
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
                SnapshotReader.load(
                    file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), 4096));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("at offset 76"), e.getMessage());
    assertThrows(
        StorageException.class,
        () ->
            SnapshotReader.load(
                writeOne(), 4, new SeriesRegistry(t -> DECAY), new EntityStateMap(), 4096));
  }

  @Test
  void shouldReadTheAnchorAndReadVersion2FilesWithoutOne() throws IOException {
    Path file = writeOne();
    assertEquals(new LogAnchor(90, 4, 0x1234abcd), SnapshotReader.header(file, 3).anchor());
    downgrade(file, 2, 52);
    SnapshotReader.Header v2 = SnapshotReader.header(file, 3);
    assertEquals(LogAnchor.NONE, v2.anchor());
    assertEquals(5, v2.fenceEpoch());
    EntityStateMap states = new EntityStateMap();
    assertEquals(
        new SnapshotReader.Loaded(99, 5),
        SnapshotReader.load(file, 3, new SeriesRegistry(t -> DECAY), states, 4096));
    assertEquals(2.0, states.get(0, 42).weightSum());
  }

  @Test
  void shouldReadVersion1FilesAsUnfenced() throws IOException {
    Path file = writeOne();
    downgradeToVersion1(file);
    SeriesRegistry registry = new SeriesRegistry(t -> DECAY);
    EntityStateMap states = new EntityStateMap();
    assertEquals(
        new SnapshotReader.Loaded(99, 0), SnapshotReader.load(file, 3, registry, states, 4096));
    assertEquals(2.0, states.get(0, 42).weightSum());
    StoreRecoveryTest.flipByte(file, Files.size(file) - 1);
    StorageException e =
        assertThrows(
            StorageException.class,
            () ->
                SnapshotReader.load(
                    file, 3, new SeriesRegistry(t -> DECAY), new EntityStateMap(), 4096));
    assertTrue(e.getMessage().contains("at offset 48"), e.getMessage());
  }
}
