package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.wal.FencedAppendException;
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
 * Issue 9, sequence h: the store checks leadership, then appends; between the two the region is
 * deposed (and maybe elected again). The fake replication runs that change inside the check, just
 * before it returns, so the interleaving is exact. A record must never enter the log under an epoch
 * other than the one its writer checked.
 */
class LeaderFenceTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long ENTITY = 42;
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  @TempDir Path dir;
  private final FakeReplication replication = new FakeReplication();
  private StoreFixture db;
  private int shard;
  private ShardLog log;

  @BeforeEach
  void open() {
    db =
        new StoreFixture(
            dir, b -> b.clock(() -> T0).ackTimeout(Duration.ofSeconds(30)), b -> b, replication);
    shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(ACME, ENTITY);
    log = db.wal.shard(shard);
    log.startLeading(1);
    replication.leaderEpoch = 1;
    signal(); // DEFINE and one signal, epoch 1
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void shouldNotStampALocalWriteWithTheEpochOfTheLeaderItFollowsSinceTheCheck() {
    long before = log.nextPosition();
    ByteBuffer fromC = batchOfAnotherLeader(2, before);
    replication.afterCheck.set(
        () -> {
          // Deposed: this region follows C of epoch 2 and appends C's first batch.
          log.stopLeading();
          replication.notLeading.add(shard);
          long end = log.appendReplicated(fromC);
          log.awaitDurable(end - 1, TIMEOUT);
        });

    // forwarded, the fake has no leader: after the leader wait the local stream takes it
    assertTrue(
        db.store
            .signal(ACME, VIEW, EntityId.of(ENTITY), 1.0, Timestamp.ofMillis(T0), Durability.LOCAL)
            .local(),
        "in this region's local stream, not in the shard log");

    assertEquals(before + 1, log.nextPosition(), "only C's record was appended");
    List<long[]> batches = batches(before);
    assertEquals(1, batches.size(), "batches from " + before + ": " + batches.size());
    assertEquals(2, batches.get(0)[0], "epoch of C's batch");
  }

  @Test
  void shouldNotStampALocalWriteWithALaterEpochThisRegionLeadsAfterAnElection() {
    long before = log.nextPosition();
    replication.afterCheck.set(
        () -> {
          // Deposed, then elected again in epoch 3 (no record of epoch 2 reached this region).
          log.stopLeading();
          log.startLeading(3);
          replication.leaderEpoch = 3;
        });

    UnavailableException e = assertThrows(UnavailableException.class, this::signal);

    assertTrue(e instanceof FencedAppendException, e.toString());
    assertTrue(e.getMessage().contains("nothing was stored"), e.getMessage());
    assertTrue(e.getMessage().contains("epoch 1"), e.getMessage());
    assertEquals(before, log.nextPosition(), "nothing appended");
    signal(); // the next write checks epoch 3 and is taken
    log.awaitDurable(before, TIMEOUT);
    assertEquals(3, batches(before).get(0)[0]);
  }

  @Test
  void shouldNotAppendTheDefinitionOfANewSeriesAfterTheRegionWasDeposed() {
    long before = log.nextPosition();
    replication.afterCheck.set(
        () -> {
          log.stopLeading();
          replication.notLeading.add(shard);
        });

    assertThrows(
        NotLeaderException.class,
        () ->
            db.store.signal(
                ACME,
                SignalType.of("like"),
                EntityId.of(ENTITY),
                1.0,
                Timestamp.ofMillis(T0),
                Durability.LOCAL));

    assertEquals(before, log.nextPosition(), "no DEFINE appended");
  }

  private void signal() {
    db.store.signal(ACME, VIEW, EntityId.of(ENTITY), 1.0, Timestamp.ofMillis(T0), Durability.LOCAL);
  }

  /** (epoch, first position, count) of each durable batch from {@code from}. */
  private List<long[]> batches(long from) {
    List<long[]> out = new ArrayList<>();
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        out.add(new long[] {b.epoch(), b.firstPosition(), b.recordCount()});
      }
    }
    return out;
  }

  /** A one-signal batch of the series (acme, view) at {@code position}, written by C in epoch. */
  private ByteBuffer batchOfAnotherLeader(long epoch, long position) {
    int series = db.store.shardState(shard).registry.find(ACME, VIEW);
    try (WalEngine other =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal-c")).shardCount(StoreFixture.SHARDS).build())) {
      ShardLog c = other.shard(shard);
      c.startLeading(epoch);
      long last = -1;
      for (long p = 0; p <= position; p++) {
        last = c.appendSignal(series, ENTITY, 1.0, T0, T0 << 16, 7);
        c.awaitDurable(last, TIMEOUT);
      }
      try (WalReader reader = c.openReader(position)) {
        WalBatch b = reader.next();
        ByteBuffer src = b.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate()).flip();
        return copy;
      }
    }
  }
}
