package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 (simulation seed 1451): one of this region's <em>own</em> cut records comes back through
 * a later leader's log. With five regions: A (the store under test) leads epoch 1, appends its own
 * record R and ships it to B only; A is deposed, follows C and cuts R from its log but keeps R's
 * effect; later B, still holding R at {@code (1, p)}, is elected and ships R to A again. Since the
 * issue-11 entry scheme R's effect lives in the entity's log entry of epoch 1, whose end lies past
 * R, so A skips R when it returns and counts it once: live, after a replay, after a snapshot,
 * through a second cut and through a snapshot install joined with its live state.
 */
class OwnCutReturnTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final SignalType LIKE = SignalType.of("like");
  private static final long ENTITY = 42;
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  /** The CRDT replica id of region B (region 9, incarnation 1): not A's. */
  private static final int ORIGIN_B = (9 << 16) | 1;

  @TempDir Path dir;
  private final FakeReplication replication = new FakeReplication();
  private StoreFixture a;
  private WalEngine walB;
  private int shard;
  private ShardLog logB;
  private long cut;

  @BeforeEach
  void open() {
    a =
        new StoreFixture(
            dir, c -> c.clock(() -> T0).snapshotEveryRecords(1_000), c -> c, replication);
    walB =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal-b")).shardCount(StoreFixture.SHARDS).build());
    shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(ACME, ENTITY);
    logB = walB.shard(shard);
    // A leads epoch 1: the DEFINE and 2 own signals reach a quorum, then R (2 own signals) reaches
    // B only.
    replication.leaderEpoch = 1;
    logA().startLeading(1);
    signalAtA(2);
    cut = logA().nextPosition();
    signalAtA(2);
    awaitDurable(logA());
    logA().stopLeading();
    for (ByteBuffer batch : batches(logA(), 0)) {
      logB.awaitDurable(logB.appendReplicated(batch) - 1, TIMEOUT);
    }
  }

  @AfterEach
  void close() {
    walB.close();
    a.close();
  }

  @Test
  void shouldCountItsOwnCutRecordOnceWhenItReturnsThroughALaterLeadersLog() {
    a.store.truncateLog(shard, cut, 2); // A follows C (epoch 2), whose log lacks R
    assertEquals(4, count(), "R's effect kept by the cut (maybe LOCAL-acknowledged)");

    shipFromB(); // B, leader of epoch 3, ships R at (1, cut) to A again

    assertEquals(logB.durablePosition(), logA().durablePosition());
    assertEquals(4, count(), "R counted once at A");
    a.reopenWithoutCheckpoint(); // recovery replays R over the snapshot the cut wrote
    assertEquals(4, count());
    a.reopen(); // and a snapshot taken after R returned
    assertEquals(4, count());
  }

  @Test
  void shouldRememberTheCutRecordsThroughARestartBeforeTheyReturn() {
    a.store.truncateLog(shard, cut, 2);
    a.reopenWithoutCheckpoint();
    a.reopen();

    shipFromB();

    assertEquals(4, count());
    a.reopenWithoutCheckpoint();
    assertEquals(4, count());
  }

  @Test
  void shouldCountItOnceThroughASecondCutThatAlsoKeepsAForeignRecord() {
    a.store.truncateLog(shard, cut, 2);
    shipFromB();
    // B (epoch 3) appends a record of its own origin, which A applies; then A follows D (epoch 4)
    // whose log holds neither: the cut keeps both (B's record in the entry of epoch 3).
    logB.startLeading(3);
    logB.appendSignal(3, 0, ENTITY, 1.0, T0, (T0 << 16) + 9, ORIGIN_B);
    awaitDurable(logB);
    shipFromB();
    assertEquals(5, count());

    a.store.truncateLog(shard, cut, 4);
    assertEquals(5, count(), "B's record and R kept, each counted once");

    shipFromB(); // B leads again and ships R and its own record once more
    assertEquals(5, count());
    a.reopenWithoutCheckpoint();
    assertEquals(5, count());
  }

  @Test
  void shouldCountItOnceThroughAnInstalledSnapshotJoinedWithTheLiveState() {
    a.store.truncateLog(shard, cut, 2);
    // L leads epoch 2 with A's prefix only, and A installs L's snapshot at the cut: A's live state
    // (with R, and the end of epoch 1's entry past R) is joined into it.
    try (StoreFixture l =
        new StoreFixture(dir.resolve("l"), c -> c.clock(() -> T0), c -> c, new FakeReplication())) {
      for (ByteBuffer batch : batches(logB, 0)) {
        if (batch.getLong(io.tidaldb.wal.BatchDescriptor.FIRST_POSITION_OFFSET) < cut) {
          ShardLog logL = l.wal.shard(shard);
          logL.awaitDurable(logL.appendReplicated(batch) - 1, TIMEOUT);
        }
      }
      try (ShardSnapshot snapshot = l.store.openSnapshot(shard).orElseThrow()) {
        assertEquals(cut, snapshot.position());
        CatchUpRegions.transfer(snapshot, a.store, 4096).install();
      }
    }
    assertEquals(4, count(), "A's live state, R included, joined");

    shipFromB(); // B, leader of epoch 3, ships R after the snapshot's position

    assertEquals(4, count());
    a.reopenWithoutCheckpoint();
    assertEquals(4, count());
  }

  @Test
  void shouldApplyAnOwnCutRecordAgainWhoseSeriesTheCutDropped() {
    // A leads epoch 1 once more: a new series' DEFINE and one signal of it reach B only.
    logA().startLeading(1);
    long define = logA().nextPosition();
    a.store.signal(ACME, LIKE, EntityId.of(ENTITY), 1.0, Timestamp.ofMillis(T0), Durability.LOCAL);
    awaitDurable(logA());
    logA().stopLeading();
    for (ByteBuffer batch : batches(logA(), logB.durablePosition())) {
      logB.awaitDurable(logB.appendReplicated(batch) - 1, TIMEOUT);
    }

    a.store.truncateLog(shard, define, 2); // the series goes with its DEFINE, and its state
    assertEquals(0, count(LIKE));

    shipFromB();
    assertEquals(
        1, count(LIKE), "its signal's effect was dropped: it counts again when it returns");
    assertEquals(4, count(VIEW));
    a.reopenWithoutCheckpoint();
    assertEquals(1, count(LIKE));
  }

  private ShardLog logA() {
    return a.wal.shard(shard);
  }

  private void signalAtA(int signals) {
    for (int i = 0; i < signals; i++) {
      a.store.signal(
          ACME, VIEW, EntityId.of(ENTITY), 1.0, Timestamp.ofMillis(T0), Durability.LOCAL);
    }
  }

  /** Ships B's batches that A's log lacks. */
  private void shipFromB() {
    for (ByteBuffer batch : batches(logB, logA().durablePosition())) {
      logA().awaitDurable(logA().appendReplicated(batch) - 1, TIMEOUT);
    }
  }

  private static void awaitDurable(ShardLog log) {
    log.awaitDurable(log.nextPosition() - 1, TIMEOUT);
  }

  private long count() {
    return count(VIEW);
  }

  private long count(SignalType type) {
    return a.store.read(ACME, type, EntityId.of(ENTITY), Timestamp.ofMillis(T0)).count();
  }

  private static List<ByteBuffer> batches(ShardLog log, long from) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        if (batch.firstPosition() < from) {
          continue;
        }
        ByteBuffer src = batch.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate()).flip();
        out.add(copy);
      }
    }
    return out;
  }
}
