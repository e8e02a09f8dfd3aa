package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, wp-lcut, wp-lcut2: a cut keeps the effect of a {@code LOCAL} session record R = (S, 7)
 * of epoch 1 that B, its origin (R carries B's origin; {@code logA} stands for the log B led in
 * epoch 1), acknowledged from its disk ({@link CutLocalSessions}); B follows C, leader of epoch 2,
 * and when C's log shows the client's retry of (S, 7) with the same payload, B matches R to it and
 * takes R's effect back once the known commit passes the retry, so the write counts once. Another
 * payload, an {@code ackedBelow} past 7, the session's expiry or R itself returning release R
 * without compensating; a cut of the retry holds R again; only R's origin holds it; the set,
 * matched entries included, survives a restart and a replay.
 */
class CutLocalSessionsTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long ENTITY = 42;
  private static final long SESSION = 0x5e55_0000_0000_0007L;
  private static final int HASH = 0x1234_5678;
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);
  private static final long TTL_MILLIS = 5_000;
  private static final int ORIGIN_A = (9 << 16) | 1;
  private static final int ORIGIN_C = (7 << 16) | 1;

  @TempDir Path dir;
  private final FakeReplication replication = new FakeReplication();
  private StoreFixture b;
  private WalEngine walA;
  private WalEngine walC;
  private int shard;
  private ShardLog logA;
  private ShardLog logB;
  private ShardLog logC;
  private long prefixEnd;

  @BeforeEach
  void open() {
    b = open(1L << 40);
    walA = wal("wal-a");
    walC = wal("wal-c");
    shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(ACME, ENTITY);
    logA = walA.shard(shard);
    logB = b.wal.shard(shard);
    logC = walC.shard(shard);
  }

  private StoreFixture open(long snapshotEvery) {
    return new StoreFixture(
        dir,
        c ->
            c.clock(() -> T0)
                .snapshotEveryRecords(snapshotEvery)
                .sessionTtl(Duration.ofMillis(TTL_MILLIS)),
        c -> c,
        replication);
  }

  private WalEngine wal(String name) {
    return WalEngine.open(
        WalConfig.builder(dir.resolve(name)).shardCount(StoreFixture.SHARDS).build());
  }

  @AfterEach
  void close() {
    walA.close();
    walC.close();
    b.close();
  }

  /**
   * B leads epoch 1: DEFINE and one plain signal reach everyone (the prefix), then R = (S, 7) at
   * LOCAL, B's own record; C holds the prefix and leads epoch 2; B cuts R.
   */
  private void cutR() {
    cutR(state().origin);
    assertNotNull(held(7), "the cut remembers R");
  }

  /** As {@link #cutR()}, R carrying {@code origin}. */
  private void cutR(int origin) {
    logA.startLeading(1);
    logA.appendDefine(1, 0, ACME.name(), VIEW.name());
    prefixEnd = await(logA, logA.appendSignal(1, 0, ENTITY, 1.0, T0, (T0 << 16) + 1, ORIGIN_A)) + 1;
    await(logA, session(logA, 1, 7, 7, HASH, (T0 << 16) + 2, origin));
    ship(logA, 0, logB);
    assertEquals(2, count(), "B applied the prefix and R");
    ship(logA, 0, logC);
    logC.truncateFrom(prefixEnd); // C holds the prefix only
    logC.startLeading(2);

    b.store.truncateLog(shard, prefixEnd, 2);
    assertEquals(2, count(), "the cut keeps R's effect: its LOCAL ack promised B's disk");
  }

  /** C stores the retry R' of (S, 7) in epoch 2; B applies it: R is matched, not yet taken back. */
  private long retry() {
    long retry = await(logC, session(logC, 2, 7, 7, HASH, (T0 << 16) + 9, ORIGIN_C));
    ship(logC, prefixEnd, logB);
    assertEquals(3, count(), "R' is not known committed: R's effect stays for now");
    assertTrue(held(7).matched(), "R is matched to R'");
    assertEquals(retry, held(7).retryPosition());
    return retry;
  }

  /** C appends and B applies a plain signal of another entity (the commit thread runs). */
  private void another(long hlc) {
    await(logC, logC.appendSignal(2, 0, ENTITY + 1, 1.0, T0, hlc, ORIGIN_C));
    ship(logC, logB.nextPosition(), logB);
  }

  /** Reconciliation's digest export of the shard (the quiet shard's compensation path). */
  private void exportDigests() {
    b.store
        .reconcileState()
        .bucketDigests(shard, ACME, new long[io.tidaldb.api.reconcile.ReconcileState.BUCKETS]);
  }

  @Test
  void shouldTakeBackACutLocalRecordsEffectWhenTheLeadersLogShowsItsRetry() {
    cutR();
    long retry = retry();
    b.store.onCommitted(shard, retry + 1);
    another((T0 << 16) + 10); // the commit thread sees the known commit past R'
    assertEquals(2, count(), "the prefix and the write once (3 before the fix)");
    assertEquals(2.0, aggregate().weightSum());
    assertNull(state().cutLocalOrNull(), "the entry is gone");
    io.tidaldb.crdt.CrdtSignalState live = state().states.get(0, ENTITY).copy();
    long[] digest = digest();

    b.reopenWithoutCheckpoint(); // the snapshot at the cut holds R; the replay matches it again
    assertEquals(3, count(), "after a crash: the known commit is 0 again, R matched, waiting");
    assertTrue(held(7).matched());
    b.store.onCommitted(shard, retry + 1);
    exportDigests();
    assertEquals(2, count(), "the lost compensation redone once");
    assertNull(state().cutLocalOrNull());
    assertEquals(live, state().states.get(0, ENTITY), "bit for bit");
    assertArrayEquals(digest, digest(), "the digest kept live equals the one rebuilt");
  }

  @Test
  void shouldTakeBackEachSignalOfACutLocalPartWhenTheLeadersLogShowsItsRetry() {
    logA.startLeading(1);
    logA.appendDefine(1, 0, ACME.name(), VIEW.name());
    prefixEnd = await(logA, logA.appendSignal(1, 0, ENTITY, 1.0, T0, (T0 << 16) + 1, ORIGIN_A)) + 1;
    await(logA, part(logA, 1, (T0 << 16) + 2, state().origin)); // R: a part of three, LOCAL
    ship(logA, 0, logB);
    ship(logA, 0, logC);
    logC.truncateFrom(prefixEnd);
    logC.startLeading(2);
    b.store.truncateLog(shard, prefixEnd, 2);
    assertEquals(4, count(), "the cut keeps the part's effect");
    for (int i = 0; i < 3; i++) {
      CutLocalEntry e = state().cutLocalOrNull().get(SESSION, 7, i);
      assertEquals(prefixEnd + i, e.position(), "signal " + i + " held");
      assertEquals(prefixEnd + 2, e.partPosition());
      assertEquals((T0 << 16) + 4, e.partHlc(), "the part's last stamp");
    }

    long retry = await(logC, part(logC, 2, (T0 << 16) + 9, ORIGIN_C)); // R': the client's retry
    ship(logC, prefixEnd, logB);
    assertEquals(7, count(), "R' is not known committed: R's effect stays for now");
    for (int i = 0; i < 3; i++) {
      CutLocalEntry e = state().cutLocalOrNull().get(SESSION, 7, i);
      assertEquals(retry - 2 + i, e.retryPosition(), "signal " + i + " matched to R's signal " + i);
    }
    b.store.onCommitted(shard, retry + 1);
    another((T0 << 16) + 20);
    assertEquals(4, count(), "the prefix and the part once (7 without parts held per signal)");
    assertEquals(1.0 + 6.0, aggregate().weightSum());
    assertNull(state().cutLocalOrNull(), "every signal's entry is gone");

    b.reopenWithoutCheckpoint(); // the snapshot at the cut holds R; the replay matches it again
    assertEquals(7, count(), "after a crash: R matched again, waiting for the known commit");
    b.store.onCommitted(shard, retry + 1);
    exportDigests();
    assertEquals(4, count(), "the lost compensation redone once");
    assertNull(state().cutLocalOrNull());

    // the entry of epoch 1 now holds 4 records and 3 compensations below its end 5: its snapshot
    // reads back (the codec once wanted end >= posCount + negCount: the store could not reopen)
    state().checkpoint(TIMEOUT);
    b.reopenWithoutCheckpoint();
    assertEquals(4, count(), "once, also from the snapshot holding the compensations");
    assertEquals(1.0 + 6.0, aggregate().weightSum());
  }

  @Test
  void shouldNotHoldACutLocalRecordOfAnotherOrigin() {
    cutR(ORIGIN_A); // B only followed A: A, R's origin, compensates R; B never does
    assertNull(state().cutLocalOrNull(), "R is A's record: B holds nothing");
    long retry = await(logC, session(logC, 2, 7, 7, HASH, (T0 << 16) + 9, ORIGIN_C));
    ship(logC, prefixEnd, logB);
    b.store.onCommitted(shard, retry + 1);
    another((T0 << 16) + 10);
    exportDigests();
    assertEquals(3, count(), "B's log(1) keeps R: the join with A's compensated entry decides");
  }

  @Test
  void shouldTakeBackOnlyOnceTheKnownCommitPassesTheRetry() {
    cutR();
    long retry = retry();
    b.store.onCommitted(shard, retry); // exclusive: R' itself not yet committed
    another((T0 << 16) + 10);
    exportDigests();
    assertEquals(3, count(), "R' may still be cut: R's effect stays (2 before the fix)");
    assertTrue(held(7).matched());
    b.store.onCommitted(shard, retry + 1);
    another((T0 << 16) + 11);
    assertEquals(2, count(), "R' committed: R taken back on the commit thread");
    assertNull(state().cutLocalOrNull());
    exportDigests();
    assertEquals(2, count(), "once");
  }

  @Test
  void shouldTakeBackOnAQuietShardWhenTheCommitArrives() {
    cutR();
    long retry = retry();
    b.store.onCommitted(shard, retry + 1); // nothing more is applied on the shard
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count() == 2); // the commit's rise schedules it on the snapshot thread
    assertNull(state().cutLocalOrNull());
    exportDigests();
    assertEquals(2, count(), "once");
  }

  @Test
  void shouldTakeBackAtTheDigestExportOfAQuietShard() {
    cutR();
    long retry = retry();
    state().pending.committed(retry + 1); // the known commit alone, nothing scheduled
    assertEquals(3, count());
    exportDigests();
    assertEquals(2, count(), "reconciliation's digest export compensates");
    assertNull(state().cutLocalOrNull());
  }

  @Test
  void shouldTakeBackAtTheCheckpointOfAQuietShard() {
    cutR();
    long retry = retry();
    state().pending.committed(retry + 1);
    assertEquals(3, count());
    state().checkpoint(TIMEOUT);
    assertEquals(2, count(), "the checkpoint compensates, and its snapshot holds that");
    b.reopenWithoutCheckpoint();
    assertEquals(2, count());
    assertNull(state().cutLocalOrNull());
  }

  @Test
  void shouldHoldAgainWhenTheRetryIsCutAndTakeNothingBackWhenTheRecordReturns() {
    cutR();
    long retry = retry();
    b.store.truncateLog(shard, prefixEnd, 3); // C deposed before R' committed: R' cut
    CutLocalEntry r = held(7);
    assertNotNull(r, "R held again");
    assertFalse(r.matched(), "no longer matched");
    ship(logA, prefixEnd, logB); // R returns through a later leader's log (epoch 1 records)
    assertNull(state().cutLocalOrNull(), "R is in the log now");
    b.store.onCommitted(shard, retry + 10);
    exportDigests();
    io.tidaldb.crdt.CrdtSignalState log1 = new io.tidaldb.crdt.CrdtSignalState();
    log1.replaceEntry(io.tidaldb.crdt.ReplicaIds.log(1), state().states.get(0, ENTITY));
    assertEquals(
        2, log1.count(), "log(1): the prefix and R, R never taken back (1 before the fix)");
    // R''s LOCAL copy in log(2) stays here; C, R''s origin, matches it to R's return and takes it
    // back once that commits, and the join carries that: the write counts once
    assertEquals(3, count(), "log(1) 2 + R' in log(2) 1, until C's compensation arrives");
  }

  @Test
  void shouldKeepAMatchedEntryThroughARestart() {
    cutR();
    long retry = retry();
    state().checkpoint(TIMEOUT); // the known commit 0: the snapshot holds R matched
    b.close();
    b = open(1L << 40);
    logB = b.wal.shard(shard);
    assertTrue(held(7).matched(), "the snapshot carries the matched entry");
    assertEquals(retry, held(7).retryPosition());
    assertEquals(3, count(), "waiting for the known commit, 0 again after the restart");
    b.store.onCommitted(shard, retry + 1);
    exportDigests();
    assertEquals(2, count(), "taken back once the commit arrives");
    assertNull(state().cutLocalOrNull());
    exportDigests();
    state().checkpoint(TIMEOUT);
    b.reopenWithoutCheckpoint();
    assertEquals(2, count(), "once, also from the next snapshot");
  }

  @Test
  void shouldKeepTheSetThroughARestartAndTakeItBackAfterwards() {
    cutR();
    b.close();
    b = open(1L << 40);
    logB = b.wal.shard(shard);
    assertNotNull(held(7), "the snapshot at the cut carries the set");
    assertEquals(2, count());
    long retry = retry();
    b.store.onCommitted(shard, retry + 1);
    exportDigests();
    assertEquals(2, count());
    state().checkpoint(TIMEOUT);
    b.reopenWithoutCheckpoint();
    assertEquals(2, count(), "and from the snapshot after the compensation");
    assertNull(state().cutLocalOrNull());
  }

  @Test
  void shouldKeepTheEffectWhenTheRetryCarriesAnotherPayload() {
    cutR();
    await(logC, session(logC, 2, 7, 7, HASH + 1, (T0 << 16) + 9, ORIGIN_C));
    ship(logC, prefixEnd, logB);
    assertEquals(3, count(), "another write under the seq: R's effect stays");
    assertNull(state().cutLocalOrNull(), "released");
  }

  @Test
  void shouldReleaseWithoutTakingBackWhenTheSessionAcknowledgedTheSeq() {
    cutR();
    await(logC, session(logC, 2, 8, 8, HASH + 8, (T0 << 16) + 9, ORIGIN_C)); // ackedBelow 8
    ship(logC, prefixEnd, logB);
    assertNull(state().cutLocalOrNull(), "the client has (S, 7)'s answer: no retry can come");
    await(logC, session(logC, 2, 7, 7, HASH, (T0 << 16) + 10, ORIGIN_C)); // forced in anyway
    ship(logC, logB.nextPosition(), logB);
    assertEquals(4, count(), "R's effect stays");
  }

  @Test
  void shouldReleaseWithoutTakingBackOnceTheSessionIsIdleLongerThanTheTtl() {
    cutR();
    long atTtl = (T0 + TTL_MILLIS) << 16; // R's HLC is T0 (physical)
    await(logC, logC.appendSignal(2, 0, ENTITY + 1, 1.0, T0, atTtl, ORIGIN_C));
    ship(logC, prefixEnd, logB);
    assertNotNull(held(7), "idle exactly the ttl by the table's clock: still held");
    long past = (T0 + TTL_MILLIS + 1) << 16;
    await(logC, logC.appendSignal(2, 0, ENTITY + 1, 1.0, T0, past, ORIGIN_C));
    ship(logC, logB.nextPosition(), logB);
    assertNull(state().cutLocalOrNull(), "idle longer than the ttl: released");
    await(logC, session(logC, 2, 7, 7, HASH, past + 1, ORIGIN_C));
    ship(logC, logB.nextPosition(), logB);
    assertEquals(3, count(), "a retry after the ttl is outside the promise: R's effect stays");
  }

  @Test
  void shouldForgetTheCutRecordWhenItReturnsThroughALaterLeadersLog() {
    cutR();
    ship(logA, prefixEnd, logB); // A, elected in epoch 3 by regions behind it, ships R again
    assertEquals(2, count(), "R counted once: skipped below its entry's end");
    assertNull(state().cutLocalOrNull(), "R is in the log now");
  }

  @Test
  void shouldTakeBackACutLocalRecordsEffectWhenAnInstalledSnapshotHoldsItsRetry() {
    cutR();
    await(logC, session(logC, 2, 7, 7, HASH, (T0 << 16) + 9, ORIGIN_C)); // the retry
    await(logC, logC.appendSignal(2, 0, ENTITY, 1.0, T0, (T0 << 16) + 10, ORIGIN_C));
    FakeReplication following = new FakeReplication();
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      following.notLeading.add(i);
    }
    long position;
    try (StoreFixture c = new StoreFixture(dir.resolve("c"), x -> x, x -> x, following)) {
      ship(logC, 0, c.wal.shard(shard)); // a store holding C's log, to snapshot it
      c.store.shardState(shard).checkpoint(TIMEOUT);
      try (io.tidaldb.api.replication.ShardSnapshot snapshot =
          c.store.openSnapshot(shard).orElseThrow()) {
        position = snapshot.position();
        CatchUpRegions.transfer(snapshot, b.store, 8_191).install();
      }
    }
    assertEquals(logC.nextPosition(), position, "C's whole log, the retry below the position");
    assertEquals(3, count(), "the prefix, the write once and C's signal (4 before the fix)");
    assertNull(state().cutLocalOrNull(), "decided against the installed session table");
    b.reopenWithoutCheckpoint();
    assertEquals(3, count(), "the installed file holds the compensation");
  }

  @Test
  void shouldKeepTheSetThroughAnInstallThatDoesNotHoldTheRetry() {
    cutR();
    await(logC, logC.appendSignal(2, 0, ENTITY, 1.0, T0, (T0 << 16) + 10, ORIGIN_C));
    FakeReplication following = new FakeReplication();
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      following.notLeading.add(i);
    }
    try (StoreFixture c = new StoreFixture(dir.resolve("c"), x -> x, x -> x, following)) {
      ship(logC, 0, c.wal.shard(shard));
      c.store.shardState(shard).checkpoint(TIMEOUT);
      try (io.tidaldb.api.replication.ShardSnapshot snapshot =
          c.store.openSnapshot(shard).orElseThrow()) {
        CatchUpRegions.transfer(snapshot, b.store, 8_191).install();
      }
    }
    assertEquals(3, count(), "the join keeps R's effect");
    assertNotNull(held(7), "and the set keeps R");
    b.reopenWithoutCheckpoint();
    logB = b.wal.shard(shard);
    assertNotNull(held(7), "in the installed file");
    long retry = await(logC, session(logC, 2, 7, 7, HASH, (T0 << 16) + 11, ORIGIN_C)); // later
    ship(logC, logB.nextPosition(), logB);
    assertEquals(4, count(), "R matched to the retry, not yet known committed");
    b.store.onCommitted(shard, retry + 1);
    exportDigests();
    assertEquals(3, count(), "R's effect taken back once the retry is known committed");
  }

  @Test
  void shouldReleaseTheOldestOverTheBound() {
    CutLocalSessions set = new CutLocalSessions(TTL_MILLIS);
    for (int i = 0; i <= CutLocalSessions.MAX_ENTRIES; i++) {
      set.add(
          new CutLocalEntry(
              SESSION + (i & 7), 1 + i, 0, ENTITY, 1, i, 1.0, T0, HASH, (T0 << 16) + i),
          shard);
    }
    assertEquals(CutLocalSessions.MAX_ENTRIES, set.size());
    assertNull(set.get(SESSION, 1), "the oldest HLC went");
    assertNotNull(set.get(SESSION + 1, 2));
    assertNotNull(set.get(SESSION, 1 + CutLocalSessions.MAX_ENTRIES));
  }

  @Test
  void shouldHoldNothingWhenACutHasNoLocalSessionRecords() {
    logA.startLeading(1);
    logA.appendDefine(1, 0, ACME.name(), VIEW.name());
    prefixEnd = await(logA, logA.appendSignal(1, 0, ENTITY, 1.0, T0, (T0 << 16) + 1, ORIGIN_A)) + 1;
    await(logA, session(logA, 1, 7, 7, HASH, (T0 << 16) + 2, state().origin, Durability.QUORUM));
    await(logA, logA.appendSignal(1, 0, ENTITY, 1.0, T0, (T0 << 16) + 3, ORIGIN_A));
    ship(logA, 0, logB);
    b.store.truncateLog(shard, prefixEnd, 2);
    assertNull(state().cutLocalOrNull(), "only LOCAL session records are held");
    assertEquals(2, count(), "the plain signal kept, the QUORUM one dropped");
  }

  private long[] digest() {
    long[] out = new long[io.tidaldb.api.reconcile.ReconcileState.BUCKETS];
    ShardState s = state();
    s.lock.readLock().lock();
    try {
      s.digest.copy(ACME, out);
    } finally {
      s.lock.readLock().unlock();
    }
    return out;
  }

  private ShardState state() {
    return b.store.shardState(shard);
  }

  private CutLocalEntry held(long seq) {
    CutLocalSessions set = state().cutLocalOrNull();
    return set == null ? null : set.get(SESSION, seq);
  }

  private static long session(
      ShardLog log, long epoch, long seq, long ackedBelow, int hash, long hlc, int origin) {
    return session(log, epoch, seq, ackedBelow, hash, hlc, origin, Durability.LOCAL);
  }

  private static long session(
      ShardLog log,
      long epoch,
      long seq,
      long ackedBelow,
      int hash,
      long hlc,
      int origin,
      Durability level) {
    return log.appendSessionSignal(
        epoch,
        0,
        ENTITY,
        1.0,
        T0,
        hlc,
        origin,
        new SessionSeq(SESSION, seq, ackedBelow),
        hash,
        level);
  }

  /** A LOCAL part of (S, 7) of three signals of the entity (weights 1, 2, 3), stamps from hlc. */
  private static long part(ShardLog log, long epoch, long hlc, int origin) {
    SessionPart part = new SessionPart(3);
    for (int i = 0; i < 3; i++) {
      Signal signal = new Signal(ACME, VIEW, EntityId.of(ENTITY), i + 1.0, Timestamp.ofMillis(T0));
      part.set(i, signal, 0, hlc + i);
    }
    return log.appendSessionPart(
        epoch, part, origin, new SessionSeq(SESSION, 7, 7), HASH, Durability.LOCAL);
  }

  private static long await(ShardLog log, long position) {
    log.awaitDurable(position, TIMEOUT);
    return position;
  }

  private static void ship(ShardLog from, long at, ShardLog into) {
    for (ByteBuffer batch : batches(from, at)) {
      long first = batch.getLong(io.tidaldb.wal.BatchDescriptor.FIRST_POSITION_OFFSET);
      if (first >= into.nextPosition()) {
        into.awaitDurable(into.appendReplicated(batch) - 1, TIMEOUT);
      }
    }
  }

  private SignalAggregate aggregate() {
    return b.store.read(ACME, VIEW, EntityId.of(ENTITY), Timestamp.ofMillis(T0));
  }

  private long count() {
    return aggregate().count();
  }

  private static List<ByteBuffer> batches(ShardLog log, long from) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        ByteBuffer src = batch.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate()).flip();
        out.add(copy);
      }
    }
    return out;
  }
}
