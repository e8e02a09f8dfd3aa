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
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session batch part record ({@link WalRecordKind#SIGNAL_BATCH_S}): its bytes pinned to a hex
 * fixture computed by hand from the layout, one position per signal read back through the cursor as
 * SIGNAL_S entries, fenced appends and the refusal of empty, oversized or incomplete parts, and
 * recovery and replication of logs of parts mixed with the other kinds, down to the refusal of a
 * part whose signal count disagrees with its batch's record count.
 */
class SessionPartRecordTest {
  private static final long HLC = 0x0102030405060708L;
  private static final SessionSeq SESSION = new SessionSeq(0x7f3a000000000001L, 41, 40);
  private static final long TIME = 1_700_000_000_000L;

  /** appendSessionPart(epoch, [s1 e42 1.5 TIME HLC, s3 e43 -2.0 TIME+1 HLC+1], 2, SESSION, ...). */
  private static final String PART_HEX =
      "06" // kind SIGNAL_BATCH_S
          + "0200" // 2 signals
          + "02000000" // origin 2
          + "0100000000003a7f" // session
          + "2900000000000000" // seq 41
          + "2800000000000000" // acked below 40
          + "efbeadde" // payload hash
          + "01" // durability QUORUM
          + "01000000" // slot 0: series 1
          + "2a00000000000000" // entity 42
          + "000000000000f83f" // 1.5
          + "0068e5cf8b010000" // TIME
          + "0807060504030201" // HLC
          + "03000000" // slot 1: series 3
          + "2b00000000000000" // entity 43
          + "00000000000000c0" // -2.0
          + "0168e5cf8b010000" // TIME + 1
          + "0907060504030201"; // HLC + 1

  @TempDir Path dir;

  @Test
  void shouldWriteAPartExactlyAsPinnedAndReadEachSignalAsASessionEntryAtItsOwnPosition()
      throws IOException {
    WalConfig config =
        WalTestSupport.small(dir).groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.startLeading(7);
      assertEquals(0, log.appendSignal(7, 1, 41, 1.0, TIME, HLC - 1, 2));
      assertEquals(2, appendTwo(log, 7), "the part takes positions 1 and 2; its last is returned");
      assertEquals(3, log.appendSignal(7, 1, 44, 1.0, TIME, HLC + 2, 2));
      assertEquals(4, log.nextPosition());
    }
    byte[] file = Files.readAllBytes(WalTestSupport.segments(dir, LogKind.SHARD, 0).get(0));
    int at = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH;
    assertEquals(PART_HEX, HexFormat.of().formatHex(file, at, at + PART_HEX.length() / 2));
    assertEquals(PART_HEX.length() / 2, SessionPartDescriptor.length(2));
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(4, b.getInt(BatchDescriptor.RECORD_COUNT_OFFSET), "one entry per position");
    assertEquals(HLC - 1, b.getLong(BatchDescriptor.HLC_MIN_OFFSET));
    assertEquals(HLC + 2, b.getLong(BatchDescriptor.HLC_MAX_OFFSET));

    RecordCursor c = new BatchView().wrap(b, 0, Path.of("f"), 0).records();
    assertTrue(c.next());
    assertEquals(WalRecordKind.SIGNAL, c.kind());
    assertEquals(41, c.entity());
    assertEquals(0, c.partIndex());
    assertEquals(1, c.partSize());
    assertTrue(c.next());
    assertPartEntry(c, 1, 0, 1, 42, 1.5, TIME, HLC);
    assertTrue(c.next());
    assertPartEntry(c, 2, 1, 3, 43, -2.0, TIME + 1, HLC + 1);
    assertTrue(c.next());
    assertEquals(3, c.position());
    assertEquals(WalRecordKind.SIGNAL, c.kind());
    assertEquals(44, c.entity());
    assertEquals(2, c.origin());
    assertEquals(1, c.partSize());
    assertThrows(IllegalStateException.class, c::session);
    assertFalse(c.next());
  }

  @Test
  void shouldRecoverAndReplicateLogsOfPartsMixedWithTheOtherKinds() {
    long seed = WalTestSupport.seed("session-parts");
    Random random = new Random(seed);
    WalConfig config = WalTestSupport.small(dir.resolve("leader")).build();
    List<long[]> expected = new ArrayList<>(); // per position: entity, seq, partIndex, partSize
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      assertEquals(27, log.maxPartSignals(), "(1024 - 36) / 36 in a 1 KiB batch");
      long last = -1;
      long hlc = 1;
      for (int seq = 1; seq <= 200; seq++) {
        if (random.nextInt(4) == 0) {
          last = log.appendSignal(1, 1, -seq, 1.0, TIME, hlc++, 2);
          expected.add(new long[] {-seq, 0, 0, 1});
        }
        int n = 1 + random.nextInt(random.nextBoolean() ? 3 : log.maxPartSignals());
        Part part = new Part(n);
        for (int i = 0; i < n; i++) {
          part.set(i, 1, seq * 100L + i, i + 0.5, TIME + i, hlc++);
          expected.add(new long[] {seq * 100L + i, seq, i, n});
        }
        SessionSeq s = new SessionSeq(5, seq, 1);
        last = log.appendSessionPart(1, part, 2, s, seq, Durability.values()[seq % 3]);
        assertEquals(expected.size() - 1, last, "seed " + seed);
      }
      log.awaitDurable(last, WalTestSupport.WAIT_NANOS);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEquals(expected.size(), log.durablePosition(), "recovered, seed " + seed);
      assertEntries(expected, log, seed);
      List<ByteBuffer> batches = ReplicaTestSupport.batchesOf(log, 0);
      assertTrue(batches.size() > 20, batches.size() + " batches");
      try (WalEngine follower = WalEngine.open(WalTestSupport.small(dir.resolve("f")).build())) {
        ShardLog f = follower.shard(0);
        ReplicaTestSupport.follow(f, batches);
        f.awaitDurable(expected.size() - 1, WalTestSupport.WAIT_NANOS);
        assertEntries(expected, f, seed);
      }
    }
  }

  @Test
  void shouldRefuseEmptyOversizedAndIncompletePartsAndFenceThemStoringNothing() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      assertThrows(FencedAppendException.class, () -> appendTwo(log, 1));
      log.startLeading(2);
      assertThrows(FencedAppendException.class, () -> appendTwo(log, 1));
      assertRefused(
          () -> log.appendSessionPart(2, new Part(0), 2, SESSION, 0, Durability.LOCAL),
          "part: '0 signals'",
          "must hold 1 to 27 signals");
      Part big = new Part(28);
      for (int i = 0; i < 28; i++) {
        big.set(i, 1, i, 1.0, TIME, HLC + i);
      }
      assertRefused(
          () -> log.appendSessionPart(2, big, 2, SESSION, 0, Durability.LOCAL),
          "part: '28 signals'",
          "must hold 1 to 27 signals");
      assertRefused(
          () -> log.appendSessionPart(2, big, 2, null, 0, Durability.LOCAL),
          "session",
          "must not be null");
      assertRefused(
          () -> log.appendSessionPart(2, two(), 2, SESSION, 0, null),
          "durability",
          "must not be null");
      assertRefused(
          () -> log.appendSessionPart(2, null, 2, SESSION, 0, Durability.ALL),
          "part",
          "must not be null");
      assertEquals(0, log.nextPosition(), "nothing stored");
      assertEquals(1, appendTwo(log, 2));

      ShardLog local = wal.localLog(0);
      assertThrows(InvalidArgumentException.class, () -> appendTwo(local, 2));
      assertEquals(1, appendTwo(local, ShardLog.ANY_EPOCH), "unfenced on the local log");
      local.awaitDurable(1, WalTestSupport.WAIT_NANOS);
      try (WalReader reader = local.openReader(0)) {
        RecordCursor c = reader.next().records();
        assertTrue(c.next());
        assertPartEntry(c, 0, 0, 1, 42, 1.5, TIME, HLC);
        assertTrue(c.next());
        assertPartEntry(c, 1, 1, 3, 43, -2.0, TIME + 1, HLC + 1);
        assertFalse(c.next());
      }
    }
  }

  @Test
  void shouldRefuseReplicatedBatchesWhosePartsDisagreeWithTheRecordCountOrBreakTheRules() {
    ByteBuffer good = leaderBatch(); // SIGNAL at 0, the part at 1..2
    int part = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH;
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir.resolve("follower")).build())) {
      ShardLog follower = wal.shard(0);
      ReplicaTestSupport.assertRefused(
          follower,
          ReplicaTestSupport.resealed(good, b -> b.putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 2)),
          "record 1 of 2 at payload offset 41 is malformed (2 signals, beyond the count)");
      ReplicaTestSupport.assertRefused(
          follower,
          ReplicaTestSupport.resealed(good, b -> b.putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 4)),
          "record 3 of 4 at payload offset 149 is malformed");
      ReplicaTestSupport.assertRefused(
          follower,
          ReplicaTestSupport.resealed(
              good, b -> b.putShort(part + SessionPartDescriptor.COUNT_OFFSET, (short) 0)),
          "record 1 of 3 at payload offset 41 is malformed");
      ReplicaTestSupport.assertRefused(
          follower,
          ReplicaTestSupport.resealed(
              good, b -> b.putLong(part + SessionPartDescriptor.SEQ_OFFSET, 0)),
          "record 1 of 3 at payload offset 41: SIGNAL_BATCH_S seq 0 (must be >= 1)");
      ReplicaTestSupport.assertRefused(
          follower,
          ReplicaTestSupport.resealed(
              good, b -> b.put(part + SessionPartDescriptor.DURABILITY_OFFSET, (byte) 3)),
          "SIGNAL_BATCH_S durability 3");
      assertEquals(0, follower.nextPosition(), "nothing taken");
      assertEquals(3, follower.appendReplicated(good));
    }
  }

  @Test
  void shouldRefuseToRecoverAPartWhoseFieldsOrCountAreWrongNamingTheFile() throws IOException {
    Path walDir = dir.resolve("leader");
    leaderBatch();
    Path segment = WalTestSupport.segments(walDir, LogKind.SHARD, 0).get(0);
    byte[] bytes = Files.readAllBytes(segment);
    int part = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH;
    ByteBuffer batch = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    Files.write(
        segment,
        ReplicaTestSupport.resealed(
                batch, b -> b.putLong(part + SessionPartDescriptor.ACKED_BELOW_OFFSET, 42))
            .array());
    StorageException e = assertThrows(StorageException.class, () -> WalEngine.open(config(walDir)));
    assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
    assertTrue(
        e.getMessage().contains("SIGNAL_BATCH_S ackedBelow 42 (must be 1 to the seq 41)"),
        e.getMessage());
  }

  @Test
  void shouldReportAPartCutByTheRecordCountAsMalformedWhenReadInPlace() {
    ByteBuffer b = leaderBatch();
    b.putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 2); // the part's second signal left out
    RecordCursor c = new BatchView().wrap(b, 0, Path.of("seg.wal"), 0).records();
    assertTrue(c.next());
    StorageException e = assertThrows(StorageException.class, c::next);
    assertTrue(
        e.getMessage().contains("malformed record at position 1 (kind 6, 2 signals, 1 entries"),
        e.getMessage());
  }

  @Test
  void shouldAppendAPlainPartAsConsecutiveSignalRecordsAcrossBatchesAndFenceIt() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      Part part = new Part(60); // 60 x 41 bytes: more than one 1 KiB batch holds
      for (int i = 0; i < 60; i++) {
        part.set(i, 1, 1000 + i, i, TIME + i, HLC + i);
      }
      assertThrows(FencedAppendException.class, () -> log.appendSignals(1, part, 2));
      log.startLeading(1);
      assertRefused(() -> log.appendSignals(1, new Part(0), 2), "part", "1 or more signals");
      assertEquals(0, log.nextPosition(), "nothing stored");
      assertEquals(59, log.appendSignals(1, part, 2), "the last record's position");
      log.awaitDurable(59, WalTestSupport.WAIT_NANOS);
      int i = 0;
      int batches = 0;
      try (WalReader reader = log.openReader(0)) {
        for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
          batches++;
          RecordCursor c = batch.records();
          while (c.next()) {
            assertEquals(i, c.position());
            assertEquals(WalRecordKind.SIGNAL, c.kind());
            assertEquals(1000 + i, c.entity());
            assertEquals(HLC + i, c.hlc());
            assertEquals(2, c.origin());
            i++;
          }
        }
      }
      assertEquals(60, i);
      assertTrue(batches >= 3, batches + " batches");
    }
  }

  private static WalConfig config(Path walDir) {
    return WalTestSupport.small(walDir).groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS).build();
  }

  /** One batch of a leader of epoch 1: SIGNAL at 0, the fixture's part at 1 and 2. */
  private ByteBuffer leaderBatch() {
    WalConfig config = config(dir.resolve("leader"));
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      log.appendSignal(1, 1, 41, 1.0, TIME, HLC - 1, 2);
      appendTwo(log, 1);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      List<ByteBuffer> batches = ReplicaTestSupport.batchesOf(wal.shard(0), 0);
      assertEquals(1, batches.size());
      return batches.get(0);
    }
  }

  private static Part two() {
    Part part = new Part(2);
    part.set(0, 1, 42, 1.5, TIME, HLC);
    part.set(1, 3, 43, -2.0, TIME + 1, HLC + 1);
    return part;
  }

  private static long appendTwo(ShardLog log, long epoch) {
    return log.appendSessionPart(epoch, two(), 2, SESSION, 0xdeadbeef, Durability.QUORUM);
  }

  private static void assertPartEntry(
      RecordCursor c,
      long position,
      int index,
      int series,
      long entity,
      double weight,
      long time,
      long hlc) {
    assertEquals(position, c.position());
    assertEquals(WalRecordKind.SIGNAL_S, c.kind());
    assertEquals(index, c.partIndex());
    assertEquals(2, c.partSize());
    assertEquals(series, c.seriesId());
    assertEquals(entity, c.entity());
    assertEquals(weight, c.weight());
    assertEquals(time, c.eventTimeMillis());
    assertEquals(hlc, c.hlc());
    assertEquals(2, c.origin());
    assertEquals(SESSION.session(), c.session());
    assertEquals(41, c.seq());
    assertEquals(40, c.ackedBelow());
    assertEquals(0xdeadbeef, c.payloadHash());
    assertEquals(Durability.QUORUM, c.durability());
    assertThrows(IllegalStateException.class, c::tenantName);
  }

  /** Reads the log from 0; each entry must be {entity, seq (0: a SIGNAL), partIndex, partSize}. */
  private static void assertEntries(List<long[]> expected, ShardLog log, long seed) {
    int i = 0;
    try (WalReader reader = log.openReader(0)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          long[] e = expected.get(i);
          String what = "entry " + i + ", seed " + seed;
          assertEquals(i, c.position(), what);
          assertEquals(e[0], c.entity(), what);
          assertEquals(e[1] == 0 ? WalRecordKind.SIGNAL : WalRecordKind.SIGNAL_S, c.kind(), what);
          assertEquals(e[2], c.partIndex(), what);
          assertEquals(e[3], c.partSize(), what);
          if (e[1] != 0) {
            assertEquals(e[1], c.seq(), what);
            assertEquals(e[1], c.payloadHash(), what);
            assertEquals(Durability.values()[(int) (e[1] % 3)], c.durability(), what);
            assertEquals(e[2] + 0.5, c.weight(), what);
          }
          i++;
        }
      }
    }
    assertEquals(expected.size(), i, "entries read, seed " + seed);
  }

  private static void assertRefused(Runnable append, String value, String rule) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, append::run);
    assertTrue(e.getMessage().contains(value), e.getMessage());
    assertTrue(e.getMessage().contains(rule), e.getMessage());
  }

  /** A part held in arrays, as a writer's split buffers hold one. */
  static final class Part implements SignalPart {
    private final int[] series;
    private final long[] entities;
    private final double[] weights;
    private final long[] times;
    private final long[] hlcs;

    Part(int n) {
      series = new int[n];
      entities = new long[n];
      weights = new double[n];
      times = new long[n];
      hlcs = new long[n];
    }

    void set(int i, int seriesId, long entity, double weight, long time, long hlc) {
      series[i] = seriesId;
      entities[i] = entity;
      weights[i] = weight;
      times[i] = time;
      hlcs[i] = hlc;
    }

    @Override
    public int size() {
      return series.length;
    }

    @Override
    public int seriesId(int i) {
      return series[i];
    }

    @Override
    public long entity(int i) {
      return entities[i];
    }

    @Override
    public double weight(int i) {
      return weights[i];
    }

    @Override
    public long eventTimeMillis(int i) {
      return times[i];
    }

    @Override
    public long hlc(int i) {
      return hlcs[i];
    }
  }
}
