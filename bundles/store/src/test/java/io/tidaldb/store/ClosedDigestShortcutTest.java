package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.router.HashShardRouter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "nothing to fold" shortcut of {@link ShardCompaction#closedDigest}: it answers 0 entries
 * without a scan for a cut-off below the shard's lower bound of its log entries' epochs, and must
 * never do so where a scan finds entries. Three stores hand a shard's leadership round, write,
 * ship, merge, compact and restart in a seeded random order (the seed is printed); after each step
 * every region's answer for every cut-off is compared with the entries its states hold.
 */
class ClosedDigestShortcutTest {
  static final SignalType VIEW = ClosedEpochCompactionTest.VIEW;

  @TempDir Path dir;

  final FakeReplication[] replications = new FakeReplication[3];
  final StoreFixture[] regions = new StoreFixture[3];
  final List<Long> entities = new ArrayList<>();
  int shard;
  int leader;
  long leaderEpoch;
  long epoch;

  @BeforeEach
  void open() {
    open(dir.resolve("first"));
  }

  private void open(Path base) {
    for (int r = 0; r < regions.length; r++) {
      replications[r] = new FakeReplication();
      int region = r;
      regions[r] =
          new StoreFixture(
              base.resolve("r" + r), b -> b.region(RegionId.of(region)), b -> b, replications[r]);
    }
    HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
    shard = router.shardOf(ClosedEpochCompactionTest.ACME, 7);
    for (long e = 1; entities.size() < 12; e++) {
      if (router.shardOf(ClosedEpochCompactionTest.ACME, e) == shard) {
        entities.add(e);
      }
    }
  }

  @AfterEach
  void close() {
    for (StoreFixture f : regions) {
      f.close();
    }
  }

  @Test
  void shouldAnswerNothingToFoldWithoutAScanOnlyBelowEveryLogEntry() {
    lead(0, 5);
    write(entities.get(0));
    ShardCompaction c = regions[0].store.shardState(shard).compaction;
    assertEquals(5, c.lowestLogEpoch());
    assertEquals(new ClosedDigest(shard, 4, 0, 0), closedDigest(0, 4));
    assertEquals(1, closedDigest(0, 5).entries());
    regions[0].reopenWithoutCheckpoint(); // replayed: recounted from the states
    assertEquals(5, regions[0].store.shardState(shard).compaction.lowestLogEpoch());
    // a merged state of an older epoch lowers the bound before its entries go in
    lead(1, 2);
    write(entities.get(1));
    merge(1, 0);
    assertEquals(2, regions[0].store.shardState(shard).compaction.lowestLogEpoch());
    assertEquals(1, closedDigest(0, 4).entries());
  }

  @Test
  void shouldNeverAnswerNothingToFoldWhereTheStatesHoldClosedEntries() throws Exception {
    for (long seed : new long[] {1, 2, 3, System.nanoTime()}) {
      System.out.println("ClosedDigestShortcutTest seed " + seed);
      close();
      entities.clear();
      open(dir.resolve("seed" + seed));
      run(new Random(seed), seed);
    }
  }

  private void run(Random rnd, long seed) throws Exception {
    epoch = 0;
    lead(0, ++epoch);
    for (int step = 0; step < 150; step++) {
      switch (rnd.nextInt(7)) {
        case 0 -> {
          for (int r = 0; r < regions.length; r++) {
            ship(leader, r); // the next leader continues the whole log, as an election ensures
          }
          lead(rnd.nextInt(3), ++epoch);
        }
        case 1, 2 -> {
          for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            write(entities.get(rnd.nextInt(entities.size())));
          }
        }
        case 3 -> ship(leader, (leader + 1 + rnd.nextInt(2)) % 3);
        case 4 -> merge(rnd.nextInt(3), rnd.nextInt(3));
        case 5 -> {
          long cutOff = rnd.nextInt((int) epoch);
          if (epoch > 1 && closedDigest(leader, cutOff).entries() > 0) {
            regions[leader].store.reconcileState().compact(shard, cutOff).get(30, TimeUnit.SECONDS);
          }
        }
        default -> {
          int r = rnd.nextInt(3);
          if (rnd.nextBoolean()) {
            regions[r].reopen();
          } else {
            regions[r].reopenWithoutCheckpoint();
          }
          if (r == leader) {
            regions[r].wal.shard(shard).startLeading(leaderEpoch); // the new WAL leads again
          }
        }
      }
      for (int r = 0; r < regions.length; r++) {
        long cutOff = rnd.nextInt((int) epoch + 1);
        long held = closedEntries(r, cutOff);
        ClosedDigest answer = closedDigest(r, cutOff);
        assertEquals(
            held,
            answer.entries(),
            "seed " + seed + " step " + step + " region " + r + " cut-off " + cutOff);
        if (held > 0) {
          assertEquals(regions[r].store.shardState(shard).compaction.scannedDigest(cutOff), answer);
        }
      }
    }
  }

  private void lead(int region, long e) {
    leader = region;
    leaderEpoch = e;
    epoch = Math.max(epoch, e);
    for (int r = 0; r < regions.length; r++) {
      regions[r].wal.shard(shard).stopLeading();
      replications[r].notLeading.add(shard);
    }
    replications[region].notLeading.clear();
    replications[region].leaderEpoch = e;
    regions[region].wal.shard(shard).startLeading(e);
  }

  private void write(long entity) {
    regions[leader].store.signal(
        ClosedEpochCompactionTest.ACME,
        VIEW,
        EntityId.of(entity),
        1.0,
        Timestamp.ofMillis(ClosedEpochCompactionTest.T0 + epoch),
        Durability.LOCAL);
  }

  private void ship(int from, int to) {
    if (from != to
        && regions[to].wal.shard(shard).nextPosition()
            < regions[from].wal.shard(shard).nextPosition()) {
      CatchUpRegions.feed(
          regions[from].wal.shard(shard),
          regions[to].wal.shard(shard),
          regions[to].wal.shard(shard).nextPosition());
    }
  }

  private void merge(int from, int to) {
    if (from == to) {
      return;
    }
    List<EntityKey> keys = new ArrayList<>();
    for (long e : entities) {
      keys.add(new EntityKey(VIEW, e));
    }
    List<EntityState> states =
        regions[from].store.reconcileState().states(shard, ClosedEpochCompactionTest.ACME, keys);
    if (!states.isEmpty()) {
      regions[to].store.reconcileState().merge(shard, ClosedEpochCompactionTest.ACME, states);
    }
  }

  private ClosedDigest closedDigest(int region, long cutOff) {
    return regions[region].store.reconcileState().closedDigest(shard, cutOff);
  }

  /** The log entries of epochs at or below the cut-off the region's states hold. */
  private long closedEntries(int region, long cutOff) {
    ReconcileState rs = regions[region].store.reconcileState();
    List<EntityKey> keys = new ArrayList<>();
    BitSet all = new BitSet(ReconcileState.BUCKETS);
    all.set(0, ReconcileState.BUCKETS);
    rs.forEachInBuckets(
        shard,
        ClosedEpochCompactionTest.ACME,
        all,
        (type, entity, hash) -> keys.add(new EntityKey(SignalType.of(type), entity)));
    long n = 0;
    for (EntityState s : rs.states(shard, ClosedEpochCompactionTest.ACME, keys)) {
      n += CrdtSignalState.readFrom(ByteBuffer.wrap(s.state())).closedEntries(cutOff);
    }
    return n;
  }
}
