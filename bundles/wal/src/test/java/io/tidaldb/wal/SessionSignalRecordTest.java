package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SIGNAL_S record (a signal of a client session): its bytes pinned to a hex fixture computed
 * independently of this code, its fields read back through the cursor, fenced appends on the shard
 * log and unfenced ones on the local log, recovery of a log holding it, and the refusal of a record
 * whose session fields are out of range, in a replicated batch and in a recovered file.
 */
class SessionSignalRecordTest {
  private static final long HLC = 0x0102030405060708L;
  private static final SessionSeq SESSION = new SessionSeq(0x7f3a000000000001L, 41, 40);

  /**
   * SIGNAL_S(series 1, entity 42, 1.5, event time, HLC, origin 2, session, 41, 40, 0xdeadbeef,
   * QUORUM).
   */
  private static final String SIGNAL_S_HEX =
      "04"
          + "01000000"
          + "2a00000000000000"
          + "000000000000f83f"
          + "0068e5cf8b010000"
          + "0807060504030201"
          + "02000000"
          + "0100000000003a7f" // session
          + "2900000000000000" // seq 41
          + "2800000000000000" // acked below 40
          + "efbeadde" // payload hash
          + "01"; // durability QUORUM

  @TempDir Path dir;

  @Test
  void shouldWriteASessionSignalExactlyAsPinnedAndReadEveryFieldBack() throws IOException {
    WalConfig config =
        WalConfig.builder(dir)
            .shardCount(4)
            .groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS)
            .build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(3);
      log.startLeading(7);
      assertEquals(0, append(log, 7));
    }
    byte[] file = Files.readAllBytes(dir.resolve("shard-0003-00000000000000000000.wal"));
    assertEquals(BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_LENGTH, file.length);
    assertEquals(
        SIGNAL_S_HEX, HexFormat.of().formatHex(file, BatchDescriptor.HEADER_LENGTH, file.length));
    assertEquals(SIGNAL_S_HEX.length() / 2, RecordDescriptor.SIGNAL_S_LENGTH);
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int at = BatchDescriptor.HEADER_LENGTH;
    assertEquals(SESSION.session(), b.getLong(at + RecordDescriptor.SIGNAL_S_SESSION_OFFSET));
    assertEquals(41, b.getLong(at + RecordDescriptor.SIGNAL_S_SEQ_OFFSET));
    assertEquals(40, b.getLong(at + RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET));
    assertEquals(0xdeadbeef, b.getInt(at + RecordDescriptor.SIGNAL_S_PAYLOAD_HASH_OFFSET));
    assertEquals(
        RecordDescriptor.DURABILITY_QUORUM,
        b.get(at + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET));
    assertEquals(RecordDescriptor.SIGNAL_S_LENGTH, RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET + 1);
    RecordCursor c = new BatchView().wrap(b, 0, Path.of("f"), 0).records();
    assertTrue(c.next());
    assertSessionSignal(c, 0);
    assertFalse(c.next());
  }

  @Test
  void shouldFenceSessionSignalsOnTheShardLogAndTakeThemUnfencedOnTheLocalLog() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      FencedAppendException e = assertThrows(FencedAppendException.class, () -> append(log, 1));
      assertTrue(e.getMessage().contains("nothing was stored"), e.getMessage());
      log.startLeading(2);
      assertThrows(FencedAppendException.class, () -> append(log, 1));
      assertEquals(0, append(log, 2));
      log.stopLeading();
      assertThrows(FencedAppendException.class, () -> append(log, 2));
      assertEquals(1, log.nextPosition(), "only the append in the epoch it led was taken");

      ShardLog local = wal.localLog(0);
      InvalidArgumentException fenced =
          assertThrows(InvalidArgumentException.class, () -> append(local, 2));
      assertTrue(fenced.getMessage().contains("leaderEpoch"), fenced.getMessage());
      assertEquals(0, local.nextPosition());
      assertEquals(0, append(local, ShardLog.ANY_EPOCH));
      local.awaitDurable(0, WalTestSupport.WAIT_NANOS);
      assertEquals(1, readSessionSignals(local));
    }
  }

  @Test
  void shouldRecoverALogOfSignalsDefinesAndSessionSignals() {
    WalConfig config = WalTestSupport.small(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      long last = -1;
      for (int i = 0; i < 60; i++) { // several batches and segments
        log.appendDefine(1, i, "acme", "view");
        log.appendSignal(1, i, i, 1.0, 1, HLC, 2);
        last = append(log, 1);
      }
      log.awaitDurable(last, WalTestSupport.WAIT_NANOS);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEquals(180, log.durablePosition());
      assertEquals(60, readSessionSignals(log));
    }
  }

  @Test
  void shouldRefuseReplicatedBatchesWithSessionFieldsOutOfRangeNamingOffsetFieldAndValue() {
    ByteBuffer good = leaderBatch();
    int at = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH; // the second record
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir.resolve("follower")).build())) {
      ShardLog follower = wal.shard(0);
      assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_SESSION_OFFSET, 0)),
          "record 1 of 2 at payload offset 41: SIGNAL_S session 0");
      assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_SEQ_OFFSET, 0)),
          "record 1 of 2 at payload offset 41: SIGNAL_S seq 0");
      assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET, 42)),
          "SIGNAL_S ackedBelow 42 (must be 1 to the seq 41)");
      assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET, 0)),
          "SIGNAL_S ackedBelow 0");
      assertRefused(
          follower,
          resealed(good, b -> b.put(at + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET, (byte) 3)),
          "record 1 of 2 at payload offset 41: SIGNAL_S durability 3 (must be 0 (LOCAL), 1"
              + " (QUORUM) or 2 (ALL))");
      assertRefused(
          follower,
          resealed(good, b -> b.put(at + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET, (byte) -1)),
          "SIGNAL_S durability -1");
      assertEquals(0, follower.nextPosition(), "nothing taken");
      assertEquals(2, follower.appendReplicated(good));
      follower.awaitDurable(1, WalTestSupport.WAIT_NANOS);
      assertEquals(1, readSessionSignals(follower));
    }
  }

  @Test
  void shouldRefuseToRecoverASessionSignalWithFieldsOutOfRangeNamingTheFileAndField()
      throws IOException {
    Path walDir = dir.resolve("wal");
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(walDir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      log.awaitDurable(append(log, 1), WalTestSupport.WAIT_NANOS);
    }
    Path segment = WalTestSupport.segments(walDir, LogKind.SHARD, 0).get(0);
    ByteBuffer batch = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer bad =
        resealed(
            batch,
            b ->
                b.putLong(
                    BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_SEQ_OFFSET, -5));
    Files.write(segment, bad.array());
    StorageException e =
        assertThrows(
            StorageException.class, () -> WalEngine.open(WalTestSupport.small(walDir).build()));
    assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("SIGNAL_S seq -5 (must be >= 1)"), e.getMessage());
  }

  @Test
  void shouldRefuseToRecoverASessionSignalWithAnUnknownDurabilityNamingTheFileAndValue()
      throws IOException {
    Path walDir = dir.resolve("wal");
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(walDir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      log.awaitDurable(append(log, 1), WalTestSupport.WAIT_NANOS);
    }
    Path segment = WalTestSupport.segments(walDir, LogKind.SHARD, 0).get(0);
    ByteBuffer batch = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
    int at = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET;
    Files.write(segment, resealed(batch, b -> b.put(at, (byte) 7)).array());
    StorageException e =
        assertThrows(
            StorageException.class, () -> WalEngine.open(WalTestSupport.small(walDir).build()));
    assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("SIGNAL_S durability 7"), e.getMessage());
  }

  @Test
  void shouldRecordEachLevelAndRefuseANullOneStoringNothing() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      long last = -1;
      for (Durability d : Durability.values()) {
        last = log.appendSessionSignal(1, 1, 42, 1.5, 1, HLC, 2, SESSION, 0xdeadbeef, d);
      }
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class,
              () -> log.appendSessionSignal(1, 1, 42, 1.5, 1, HLC, 2, SESSION, 0, null));
      assertTrue(e.getMessage().contains("durability"), e.getMessage());
      assertEquals(3, log.nextPosition(), "the refused append stored nothing");
      log.awaitDurable(last, WalTestSupport.WAIT_NANOS);
      List<Durability> read = new java.util.ArrayList<>();
      try (WalReader reader = log.openReader(0)) {
        for (WalBatch b = reader.next(); b != null; b = reader.next()) {
          RecordCursor c = b.records();
          while (c.next()) {
            read.add(c.durability());
          }
        }
      }
      assertEquals(List.of(Durability.values()), read);
    }
  }

  /** One batch of a leader of epoch 1: SIGNAL at 0, SIGNAL_S at 1. */
  private ByteBuffer leaderBatch() {
    WalConfig config =
        WalTestSupport.small(dir.resolve("leader"))
            .groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS)
            .build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      log.appendSignal(1, 1, 42, 1.0, 1, HLC, 2);
      append(log, 1);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      List<ByteBuffer> batches = ReplicaTestSupport.batchesOf(wal.shard(0), 0);
      assertEquals(1, batches.size());
      return batches.get(0);
    }
  }

  private static ByteBuffer resealed(ByteBuffer batch, Consumer<ByteBuffer> change) {
    ByteBuffer b = ReplicaTestSupport.copy(batch);
    change.accept(b);
    int payload = b.getInt(BatchDescriptor.PAYLOAD_LENGTH_OFFSET);
    b.putInt(
        BatchDescriptor.CRC_OFFSET,
        BatchDescriptor.computeCrc(new CRC32C(), b.duplicate(), 0, payload));
    return b;
  }

  private static void assertRefused(ShardLog follower, ByteBuffer batch, String what) {
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> follower.appendReplicated(batch));
    assertTrue(e.getMessage().contains(what), e.getMessage());
    assertTrue(e.getMessage().contains("log unchanged"), e.getMessage());
  }

  private static long append(ShardLog log, long epoch) {
    return log.appendSessionSignal(
        epoch, 1, 42, 1.5, 1_700_000_000_000L, HLC, 2, SESSION, 0xdeadbeef, Durability.QUORUM);
  }

  private static void assertSessionSignal(RecordCursor c, long position) {
    assertEquals(position, c.position());
    assertEquals(WalRecordKind.SIGNAL_S, c.kind());
    assertEquals(1, c.seriesId());
    assertEquals(42, c.entity());
    assertEquals(1.5, c.weight());
    assertEquals(1_700_000_000_000L, c.eventTimeMillis());
    assertEquals(HLC, c.hlc());
    assertEquals(2, c.origin());
    assertEquals(SESSION.session(), c.session());
    assertEquals(41, c.seq());
    assertEquals(40, c.ackedBelow());
    assertEquals(0xdeadbeef, c.payloadHash());
    assertEquals(Durability.QUORUM, c.durability());
    assertThrows(IllegalStateException.class, c::tenantName);
  }

  /** Reads the log from 0, checks every SIGNAL_S record's fields, returns how many there were. */
  private static int readSessionSignals(ShardLog log) {
    int found = 0;
    try (WalReader reader = log.openReader(0)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.kind() == WalRecordKind.SIGNAL_S) {
            assertSessionSignal(c, c.position());
            found++;
          } else if (c.kind() == WalRecordKind.SIGNAL) {
            assertThrows(IllegalStateException.class, c::session);
          }
        }
      }
    }
    return found;
  }
}
