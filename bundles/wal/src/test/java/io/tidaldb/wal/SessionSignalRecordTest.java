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
 * The session signal records (a signal of a client session): the compact SIGNAL_SC that writers
 * store and the full SIGNAL_S of api wal 1.9.0 logs (and of a write whose ackedBelow lies 2^56 or
 * more below its seq), their bytes pinned to hex fixtures computed independently of this code,
 * their fields read back through the cursor (which reports both as SIGNAL_S), fenced appends on the
 * shard log and unfenced ones on the local log, recovery and replication of a log holding either
 * form, and the refusal of a record whose session fields are out of range, in a replicated batch
 * and in a recovered file.
 */
class SessionSignalRecordTest {
  private static final long HLC = 0x0102030405060708L;
  private static final SessionSeq SESSION = new SessionSeq(0x7f3a000000000001L, 41, 40);

  /** The signal fields of every fixture: series 1, entity 42, 1.5, event time, HLC, origin 2. */
  private static final String SIGNAL_FIELDS =
      "01000000"
          + "2a00000000000000"
          + "000000000000f83f"
          + "0068e5cf8b010000"
          + "0807060504030201"
          + "02000000";

  /**
   * SIGNAL_S(..., session, 41, 40, 0xdeadbeef, QUORUM): the full form, the only one of api wal
   * 1.9.0 logs.
   */
  private static final String SIGNAL_S_HEX =
      "04"
          + SIGNAL_FIELDS
          + "0100000000003a7f" // session
          + "2900000000000000" // seq 41
          + "2800000000000000" // acked below 40
          + "efbeadde" // payload hash
          + "01"; // durability QUORUM

  /** SIGNAL_SC(..., session, 41, 40, 0xdeadbeef, QUORUM): the compact form writers store. */
  private static final String SIGNAL_SC_HEX =
      "05"
          + SIGNAL_FIELDS
          + "0100000000003a7f" // session
          + "efbeadde" // payload hash
          + "21" // form: durability 1 (QUORUM), seq width 1 (bits 2-4: 0), delta width 1 (bits 5-7)
          + "29" // seq 41
          + "01"; // seq - acked below = 1

  @TempDir Path dir;

  @Test
  void shouldWriteASessionSignalCompactExactlyAsPinnedAndReadEveryFieldBack() throws IOException {
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
    assertEquals(BatchDescriptor.HEADER_LENGTH + SIGNAL_SC_HEX.length() / 2, file.length);
    assertEquals(
        SIGNAL_SC_HEX, HexFormat.of().formatHex(file, BatchDescriptor.HEADER_LENGTH, file.length));
    assertEquals(
        SIGNAL_SC_HEX.length() / 2,
        RecordDescriptor.sessionSignalLength(SESSION.seq(), SESSION.ackedBelow()));
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int at = BatchDescriptor.HEADER_LENGTH;
    assertEquals(WalRecordKind.SIGNAL_SC, b.get(at + RecordDescriptor.KIND_OFFSET));
    assertEquals(SESSION.session(), b.getLong(at + RecordDescriptor.SIGNAL_SC_SESSION_OFFSET));
    assertEquals(0xdeadbeef, b.getInt(at + RecordDescriptor.SIGNAL_SC_PAYLOAD_HASH_OFFSET));
    int form = b.get(at + RecordDescriptor.SIGNAL_SC_FORM_OFFSET);
    assertEquals(RecordDescriptor.DURABILITY_QUORUM, form & RecordDescriptor.FORM_DURABILITY_MASK);
    assertEquals(0, (form >>> RecordDescriptor.FORM_SEQ_WIDTH_SHIFT) & 0x7, "seq width 1");
    assertEquals(1, (form >>> RecordDescriptor.FORM_DELTA_WIDTH_SHIFT) & 0x7, "delta width 1");
    assertEquals(41, b.get(at + RecordDescriptor.SIGNAL_SC_SEQ_OFFSET));
    assertEquals(1, b.get(at + RecordDescriptor.SIGNAL_SC_SEQ_OFFSET + 1));
    assertEquals(RecordDescriptor.SIGNAL_SC_FIXED_LENGTH, RecordDescriptor.SIGNAL_SC_SEQ_OFFSET);
    RecordCursor c = new BatchView().wrap(b, 0, Path.of("f"), 0).records();
    assertTrue(c.next());
    assertSessionSignal(c, 0);
    assertFalse(c.next());
  }

  @Test
  void shouldRecoverReplicateAndReadALogOfApiWal19FullFormRecordsPinnedToTheOldFixture()
      throws IOException {
    Path walDir = dir.resolve("old");
    Path segment = oldLog(walDir);
    byte[] file = Files.readAllBytes(segment);
    assertEquals(BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_LENGTH, file.length);
    assertEquals(
        SIGNAL_S_HEX,
        HexFormat.of().formatHex(file, BatchDescriptor.HEADER_LENGTH, file.length),
        "byte for byte the record of an api wal 1.9.0 log");
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
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(walDir).build())) {
      ShardLog log = wal.shard(0);
      assertEquals(1, log.durablePosition(), "recovered");
      assertEquals(1, readSessionSignals(log));
      log.startLeading(2);
      log.awaitDurable(append(log, 2), WalTestSupport.WAIT_NANOS); // compact, after the old form
      assertEquals(2, readSessionSignals(log));
    }
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir.resolve("follower")).build())) {
      ShardLog follower = wal.shard(0);
      assertEquals(1, follower.appendReplicated(b), "an old leader's batch, shipped unchanged");
      follower.awaitDurable(0, WalTestSupport.WAIT_NANOS);
      assertEquals(1, readSessionSignals(follower));
    }
  }

  @Test
  void shouldStoreAWriteWhoseAckedBelowIsFarBelowItsSeqInTheFullForm() throws IOException {
    SessionSeq far = new SessionSeq(SESSION.session(), (1L << 57) + 5, 3);
    assertEquals(
        RecordDescriptor.SIGNAL_S_LENGTH, RecordDescriptor.sessionSignalLength(far.seq(), 3));
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      long p = log.appendSessionSignal(1, 1, 42, 1.5, 1, HLC, 2, far, 7, Durability.ALL);
      log.awaitDurable(p, WalTestSupport.WAIT_NANOS);
      try (WalReader reader = log.openReader(0)) {
        RecordCursor c = reader.next().records();
        assertTrue(c.next());
        assertEquals(WalRecordKind.SIGNAL_S, c.kind());
        assertEquals(far.seq(), c.seq());
        assertEquals(3, c.ackedBelow());
        assertEquals(7, c.payloadHash());
        assertEquals(Durability.ALL, c.durability());
      }
    }
    byte[] file = Files.readAllBytes(WalTestSupport.segments(dir, LogKind.SHARD, 0).get(0));
    assertEquals(BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_LENGTH, file.length);
    assertEquals(WalRecordKind.SIGNAL_S, file[BatchDescriptor.HEADER_LENGTH]);
  }

  @Test
  void shouldRoundTripTheCompactFormAtEveryWidthOfSeqAndAckedBelow() {
    long[] values = {
      1,
      2,
      0xFF,
      0x100,
      0xFFFF,
      0x10000,
      0xFF_FFFFL,
      0x100_0000L,
      0xFFFF_FFFFL,
      1L << 40,
      (1L << 56) - 1,
      1L << 56,
      (1L << 56) + 1,
      Long.MAX_VALUE - 1,
      Long.MAX_VALUE
    };
    ByteBuffer b = ByteBuffer.allocate(2 * RecordDescriptor.SIGNAL_S_LENGTH);
    b.order(ByteOrder.LITTLE_ENDIAN);
    // the same record alone in a batch, read by the cursor (which decodes the compact fields once)
    ByteBuffer batch =
        ByteBuffer.allocate(BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 1);
    BatchView view = new BatchView().wrap(batch, 0, Path.of("f"), 0);
    int checked = 0;
    for (long seq : values) {
      for (long acked : values) {
        for (long ackedBelow : new long[] {acked, seq - acked + 1, seq}) {
          if (ackedBelow < 1 || ackedBelow > seq) {
            continue;
          }
          SessionSeq s = new SessionSeq(-3, seq, ackedBelow);
          for (Durability d : Durability.values()) {
            int length =
                RecordDescriptor.writeSessionSignal(b, 3, 9, 42, 1.5, 1, HLC, 2, s, 0x1234, d);
            String what = "seq " + seq + ", ackedBelow " + ackedBelow + ", " + d;
            assertEquals(RecordDescriptor.sessionSignalLength(seq, ackedBelow), length, what);
            assertEquals(length, RecordDescriptor.recordLength(b, 3, 3 + length), what);
            int cut = RecordDescriptor.recordLength(b, 3, 3 + 40); // the scanners' check: malformed
            assertTrue(cut < 0 || cut > 40, "cut: " + what);
            assertEquals(
                seq - ackedBelow >= 1L << 56 ? WalRecordKind.SIGNAL_S : WalRecordKind.SIGNAL_SC,
                b.get(3),
                what);
            assertEquals(null, RecordDescriptor.sessionProblem(b, 3), what);
            assertEquals(-3, RecordDescriptor.sessionOf(b, 3), what);
            assertEquals(seq, RecordDescriptor.seqOf(b, 3), what);
            assertEquals(ackedBelow, RecordDescriptor.ackedBelowOf(b, 3), what);
            assertEquals(0x1234, RecordDescriptor.payloadHashOf(b, 3), what);
            assertEquals(
                d, RecordDescriptor.durabilityOf(RecordDescriptor.durabilityCodeOf(b, 3)), what);
            assertEquals(42, b.getLong(3 + RecordDescriptor.SIGNAL_ENTITY_OFFSET), what);
            batch.put(BatchDescriptor.HEADER_LENGTH, b, 3, length);
            batch.putInt(BatchDescriptor.PAYLOAD_LENGTH_OFFSET, length);
            RecordCursor c = view.records();
            assertTrue(c.next(), what);
            assertEquals(WalRecordKind.SIGNAL_S, c.kind(), what);
            assertEquals(-3, c.session(), what);
            assertEquals(seq, c.seq(), what);
            assertEquals(ackedBelow, c.ackedBelow(), what);
            assertEquals(0x1234, c.payloadHash(), what);
            assertEquals(d, c.durability(), what);
            assertEquals(42, c.entity(), what);
            assertFalse(c.next(), what);
            checked++;
          }
        }
      }
    }
    assertTrue(checked > 300, checked + " cases");
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
    int form = at + RecordDescriptor.SIGNAL_SC_FORM_OFFSET;
    int seq = at + RecordDescriptor.SIGNAL_SC_SEQ_OFFSET;
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir.resolve("follower")).build())) {
      ShardLog follower = wal.shard(0);
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_SC_SESSION_OFFSET, 0)),
          "record 1 of 2 at payload offset 41: SIGNAL_SC session 0");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.put(seq, (byte) 0)),
          "record 1 of 2 at payload offset 41: SIGNAL_SC seq 0 (must be >= 1)");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.put(seq + 1, (byte) 41)),
          "SIGNAL_SC ackedBelow 0 (must be 1 to the seq 41)");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.put(form, (byte) (b.get(form) | 3))),
          "record 1 of 2 at payload offset 41: SIGNAL_SC durability 3 (must be 0 (LOCAL), 1"
              + " (QUORUM) or 2 (ALL))");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.put(form, (byte) (b.get(form) + (1 << 5)))), // delta 2 bytes
          "record 1 of 2 at payload offset 41 is malformed");
      assertEquals(0, follower.nextPosition(), "nothing taken");
      assertEquals(2, follower.appendReplicated(good));
      follower.awaitDurable(1, WalTestSupport.WAIT_NANOS);
      assertEquals(1, readSessionSignals(follower));
    }
  }

  @Test
  void shouldRefuseReplicatedBatchesOfTheFullFormWithSessionFieldsOutOfRange() throws IOException {
    oldLog(dir.resolve("old"));
    ByteBuffer good =
        ByteBuffer.wrap(Files.readAllBytes(WalTestSupport.segments(dir.resolve("old"), 0).get(0)))
            .order(ByteOrder.LITTLE_ENDIAN);
    int at = BatchDescriptor.HEADER_LENGTH;
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir.resolve("follower")).build())) {
      ShardLog follower = wal.shard(0);
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_SESSION_OFFSET, 0)),
          "record 0 of 1 at payload offset 0: SIGNAL_S session 0");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_SEQ_OFFSET, 0)),
          "record 0 of 1 at payload offset 0: SIGNAL_S seq 0");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET, 42)),
          "SIGNAL_S ackedBelow 42 (must be 1 to the seq 41)");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.putLong(at + RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET, 0)),
          "SIGNAL_S ackedBelow 0");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.put(at + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET, (byte) 3)),
          "record 0 of 1 at payload offset 0: SIGNAL_S durability 3 (must be 0 (LOCAL), 1"
              + " (QUORUM) or 2 (ALL))");
      ReplicaTestSupport.assertRefused(
          follower,
          resealed(good, b -> b.put(at + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET, (byte) -1)),
          "SIGNAL_S durability -1");
      assertEquals(0, follower.nextPosition(), "nothing taken");
      assertEquals(1, follower.appendReplicated(good));
    }
  }

  @Test
  void shouldRefuseToRecoverASessionSignalWithFieldsOutOfRangeNamingTheFileAndField()
      throws IOException {
    assertRecoveryRefused(
        compactLog(dir.resolve("compact")),
        BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_SC_SEQ_OFFSET,
        (byte) 0,
        "SIGNAL_SC seq 0 (must be >= 1)");
    Path old = oldLog(dir.resolve("old"));
    ByteBuffer batch = ByteBuffer.wrap(Files.readAllBytes(old)).order(ByteOrder.LITTLE_ENDIAN);
    Files.write(
        old,
        resealed(
                batch,
                b ->
                    b.putLong(
                        BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_SEQ_OFFSET, -5))
            .array());
    StorageException e =
        assertThrows(
            StorageException.class,
            () -> WalEngine.open(WalTestSupport.small(dir.resolve("old")).build()));
    assertTrue(e.getMessage().contains(old.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("SIGNAL_S seq -5 (must be >= 1)"), e.getMessage());
  }

  @Test
  void shouldRefuseToRecoverASessionSignalWithAnUnknownDurabilityNamingTheFileAndValue()
      throws IOException {
    Path segment = compactLog(dir.resolve("compact"));
    int form = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_SC_FORM_OFFSET;
    byte stored = Files.readAllBytes(segment)[form];
    assertRecoveryRefused(segment, form, (byte) (stored | 3), "SIGNAL_SC durability 3");
    Path old = oldLog(dir.resolve("old"));
    assertRecoveryRefused(
        old,
        BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_S_DURABILITY_OFFSET,
        (byte) 7,
        "SIGNAL_S durability 7");
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

  /** A log of one compact session signal, appended by the leader of epoch 1; its segment. */
  private static Path compactLog(Path walDir) throws IOException {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(walDir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      log.awaitDurable(append(log, 1), WalTestSupport.WAIT_NANOS);
    }
    return WalTestSupport.segments(walDir, LogKind.SHARD, 0).get(0);
  }

  /**
   * A log as api wal 1.9.0 wrote it: one batch holding the full-form record of {@link
   * #SIGNAL_S_HEX} (appended in the full form, as a write far below its seq, then its seq and
   * ackedBelow set to the fixture's and the batch resealed); its segment.
   */
  private static Path oldLog(Path walDir) throws IOException {
    SessionSeq far = new SessionSeq(SESSION.session(), 1L << 60, 1);
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(walDir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(1);
      long p =
          log.appendSessionSignal(
              1, 1, 42, 1.5, 1_700_000_000_000L, HLC, 2, far, 0xdeadbeef, Durability.QUORUM);
      log.awaitDurable(p, WalTestSupport.WAIT_NANOS);
    }
    Path segment = WalTestSupport.segments(walDir, LogKind.SHARD, 0).get(0);
    ByteBuffer batch = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
    int at = BatchDescriptor.HEADER_LENGTH;
    Files.write(
        segment,
        resealed(
                batch,
                b -> {
                  b.putLong(at + RecordDescriptor.SIGNAL_S_SEQ_OFFSET, 41);
                  b.putLong(at + RecordDescriptor.SIGNAL_S_ACKED_BELOW_OFFSET, 40);
                })
            .array());
    return segment;
  }

  private static void assertRecoveryRefused(Path segment, int at, byte value, String what)
      throws IOException {
    ByteBuffer batch = ByteBuffer.wrap(Files.readAllBytes(segment)).order(ByteOrder.LITTLE_ENDIAN);
    Files.write(segment, resealed(batch, b -> b.put(at, value)).array());
    Path walDir = segment.getParent();
    StorageException e =
        assertThrows(
            StorageException.class, () -> WalEngine.open(WalTestSupport.small(walDir).build()));
    assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
  }

  /** One batch of a leader of epoch 1: SIGNAL at 0, SIGNAL_SC at 1. */
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
