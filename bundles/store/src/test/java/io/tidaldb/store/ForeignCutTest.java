package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, 2a (the double apply): a follower's cut suffix may hold records of another origin, and
 * those can come back through a later leader's log. With five regions A..E: A leads epoch 1 and
 * ships R (A-origin signals) to B only; C is elected in epoch 2 by C, D, E (all without R) and
 * writes nothing durable before it fails; B follows C and cuts R; A is elected in epoch 3 by B, D,
 * E, whose {@code (last epoch 1, HWM before R)} is behind A's {@code (1, after R)}, and ships R
 * again. (With three regions the same happens through the 2a race.) So the vote rule cannot rule it
 * out. Since the issue-11 entry scheme the cut keeps the effect of every cut record, own and
 * foreign: each lives in the log entry of its epoch with the entry's end past it, so when R returns
 * at the same {@code (epoch, position)} it is skipped, and a new leader's different record at the
 * cut position (another epoch, another entry) counts beside it. (Before, the cut removed the
 * foreign records' effect, so a foreign cut record counted 0 times at the follower until it
 * returned; now it counts exactly once throughout.)
 */
class ForeignCutTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long ENTITY = 42;
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  /** The CRDT replica id of region A (region 9, incarnation 1): not B's. */
  private static final int ORIGIN_A = (9 << 16) | 1;

  @TempDir Path dir;
  private final FakeReplication replication = new FakeReplication();
  private StoreFixture b;
  private WalEngine walA;
  private int shard;
  private ShardLog logA;
  private ShardLog logB;

  @BeforeEach
  void open() {
    b = new StoreFixture(dir, c -> c.clock(() -> T0).snapshotEveryRecords(3), c -> c, replication);
    walA =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal-a")).shardCount(StoreFixture.SHARDS).build());
    shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(ACME, ENTITY);
    logA = walA.shard(shard);
    logB = b.wal.shard(shard);
  }

  @AfterEach
  void close() {
    walA.close();
    b.close();
  }

  @Test
  void shouldKeepForeignCutRecordsAndCountThemOnceWhenTheyReturn() {
    logA.startLeading(1);
    logA.appendDefine(1, 0, ACME.name(), VIEW.name());
    long prefixEnd = appendAtA(2) + 1; // DEFINE + 2 signals: on a majority
    long end = appendAtA(3) + 1; // R: 3 signals that only B gets
    for (ByteBuffer batch : batches(logA, 0)) {
      ship(batch);
    }
    assertEquals(5, count(), "B applied the prefix and R");

    b.store.truncateLog(shard, prefixEnd, 2); // B follows C (epoch 2), whose log lacks R
    long afterCut = count();

    for (ByteBuffer batch : batches(logA, prefixEnd)) {
      ship(batch); // A, leader of epoch 3, ships R again
    }
    assertEquals(end, logB.durablePosition());
    assertEquals(5, count(), "every record of A's log applied once");
    assertEquals(5, afterCut, "R's effect stays with the cut: counted once, in its epoch's entry");

    b.reopenWithoutCheckpoint(); // and recovery agrees
    assertEquals(5, count());
  }

  @Test
  void shouldKeepTheEffectOfOwnAndForeignRecordsInTheSameSuffix() {
    // B leads epoch 1: the DEFINE and 2 own signals reach a quorum, then 2 more own signals don't.
    replication.leaderEpoch = 1;
    logB.startLeading(1);
    signalAtB(2);
    long cut = logB.nextPosition();
    signalAtB(2);
    awaitDurable(logB);
    // A leads epoch 2 after B (it got B's whole log) and ships 3 A-origin signals to B only.
    logB.stopLeading();
    for (ByteBuffer batch : batches(logB, 0)) {
      logA.awaitDurable(logA.appendReplicated(batch) - 1, TIMEOUT);
    }
    logA.startLeading(2);
    appendAtA(3);
    for (ByteBuffer batch : batches(logA, logB.nextPosition())) {
      ship(batch);
    }
    assertEquals(7, count());

    b.store.truncateLog(shard, cut, 3); // C of epoch 3 has only B's first 3 records

    assertEquals(7, count(), "B's 4 own signals (LOCAL-acknowledged) and A's 3 all stay");
    b.reopenWithoutCheckpoint();
    assertEquals(7, count());
  }

  @Test
  void shouldKeepForeignRecordsThatReturnAfterACutThroughARestartBeforeTheNextSnapshot() {
    b.close();
    b =
        new StoreFixture(
            dir, c -> c.clock(() -> T0).snapshotEveryRecords(1_000), c -> c, replication);
    logB = b.wal.shard(shard);
    logA.startLeading(1);
    logA.appendDefine(1, 0, ACME.name(), VIEW.name());
    long prefixEnd = appendAtA(2) + 1;
    long end = appendAtA(3) + 1;
    for (ByteBuffer batch : batches(logA, 0)) {
      ship(batch);
    }
    b.store.truncateLog(shard, prefixEnd, 2);
    for (ByteBuffer batch : batches(logA, prefixEnd)) {
      ship(batch); // A (epoch 3) ships R, of epoch 1, again; B acks it: it must stay
    }

    b.reopenWithoutCheckpoint(); // a crash before B's next snapshot

    assertEquals(end, b.wal.shard(shard).durablePosition(), "R, acknowledged in epoch 3, kept");
    assertEquals(5, count());
  }

  @Test
  void shouldCountANewLeadersOtherRecordAtTheCutPositionBesideTheKeptOnes() {
    logA.startLeading(1);
    logA.appendDefine(1, 0, ACME.name(), VIEW.name());
    long prefixEnd = appendAtA(2) + 1;
    appendAtA(3); // R, epoch 1: only B gets it
    for (ByteBuffer batch : batches(logA, 0)) {
      ship(batch);
    }
    try (WalEngine walC =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal-c")).shardCount(StoreFixture.SHARDS).build())) {
      ShardLog logC = walC.shard(shard);
      for (ByteBuffer batch : batches(logA, 0)) {
        if (logC.nextPosition() < prefixEnd) {
          logC.awaitDurable(logC.appendReplicated(batch) - 1, TIMEOUT);
        }
      }
      assertEquals(prefixEnd, logC.nextPosition(), "C holds the prefix only");
      logC.startLeading(2); // C, leader of epoch 2, writes another signal at the cut position
      long p = logC.appendSignal(2, 0, ENTITY, 1.0, T0, (T0 << 16) + 9, (7 << 16) | 1);
      logC.awaitDurable(p, TIMEOUT);
      assertEquals(prefixEnd, p);

      b.store.truncateLog(shard, prefixEnd, 2);
      for (ByteBuffer batch : batches(logC, prefixEnd)) {
        ship(batch);
      }
    }
    assertEquals(2 + 3 + 1, count(), "the prefix, R (kept, epoch 1) and C's record (epoch 2)");
    b.reopenWithoutCheckpoint();
    assertEquals(6, count());
  }

  private long appendAtA(int signals) {
    long last = -1;
    for (int i = 0; i < signals; i++) {
      long epoch = logA.epoch();
      last = logA.appendSignal(epoch, 0, ENTITY, 1.0, T0 - i, (T0 << 16) + i, ORIGIN_A);
    }
    logA.awaitDurable(last, TIMEOUT);
    return last;
  }

  private void signalAtB(int signals) {
    for (int i = 0; i < signals; i++) {
      b.store.signal(
          ACME, VIEW, EntityId.of(ENTITY), 1.0, Timestamp.ofMillis(T0), Durability.LOCAL);
    }
  }

  private void ship(ByteBuffer batch) {
    logB.awaitDurable(logB.appendReplicated(batch) - 1, TIMEOUT);
  }

  private static void awaitDurable(ShardLog log) {
    log.awaitDurable(log.nextPosition() - 1, TIMEOUT);
  }

  private long count() {
    SignalAggregate a = b.store.read(ACME, VIEW, EntityId.of(ENTITY), Timestamp.ofMillis(T0));
    return a.count();
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
