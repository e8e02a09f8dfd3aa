package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.router.HashShardRouter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction of closed epochs over three stores that hand a shard's leadership round in each of 100
 * epochs (as failovers do): the leader's batches are shipped to the followers as replication would,
 * the agreement the reconcile engine checks (applied epochs, equal closed digests) is checked here
 * by hand, and the COMPACT record folds every region's 100 closed log entries of an entity into one
 * base entry.
 */
class ClosedEpochCompactionTest {
  static final TenantId ACME = TenantId.of("acme");
  static final SignalType VIEW = SignalType.of("view");
  static final long T0 = 1_700_000_000_000L;
  static final long X = 7;
  static final int EPOCHS = 100;

  @TempDir Path dir;

  final FakeReplication[] replications = new FakeReplication[3];
  final StoreFixture[] regions = new StoreFixture[3];
  int shard;

  @BeforeEach
  void open() {
    for (int r = 0; r < regions.length; r++) {
      replications[r] = new FakeReplication();
      int region = r;
      regions[r] =
          new StoreFixture(
              dir.resolve("r" + r), b -> b.region(RegionId.of(region)), b -> b, replications[r]);
    }
    shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(ACME, X);
  }

  @AfterEach
  void close() {
    for (StoreFixture f : regions) {
      f.close();
    }
  }

  /** Makes region {@code leader} lead every shard in {@code epoch}; the others follow. */
  void lead(int leader, long epoch) {
    for (int r = 0; r < regions.length; r++) {
      for (int s = 0; s < StoreFixture.SHARDS; s++) {
        regions[r].wal.shard(s).stopLeading();
        replications[r].notLeading.add(s);
      }
    }
    replications[leader].notLeading.clear();
    replications[leader].leaderEpoch = epoch;
    for (int s = 0; s < StoreFixture.SHARDS; s++) {
      regions[leader].wal.shard(s).startLeading(epoch);
    }
  }

  /** Ships the leader's batches of X's shard to one follower from the follower's next position. */
  void ship(int leader, int follower) {
    CatchUpRegions.feed(
        regions[leader].wal.shard(shard),
        regions[follower].wal.shard(shard),
        regions[follower].wal.shard(shard).nextPosition());
  }

  void shipToAll(int leader) {
    for (int r = 0; r < regions.length; r++) {
      if (r != leader) {
        ship(leader, r);
      }
    }
  }

  static double weight(long epoch) {
    return epoch % 10 == 3 ? -1.0 : 1.0 + epoch % 3;
  }

  static void write(SignalStoreEngine store, long epoch) {
    store.signal(
        ACME,
        VIEW,
        EntityId.of(X),
        weight(epoch),
        Timestamp.ofMillis(T0 + epoch * 1_000),
        Durability.LOCAL);
  }

  CrdtSignalState state(int region) {
    return state(regions[region].store.reconcileState(), shard);
  }

  static CrdtSignalState state(ReconcileState r, int shard) {
    List<EntityState> states = r.states(shard, ACME, List.of(new EntityKey(VIEW, X)));
    return CrdtSignalState.readFrom(ByteBuffer.wrap(states.get(0).state()));
  }

  /** Heap bytes of a state: object (6 longs, header, reference) and its entry array. */
  static long heapBytes(CrdtSignalState s) {
    return 64 + 16 + 8L * CrdtSignalState.STRIDE * s.replicaCount();
  }

  @Test
  void shouldFoldAHundredEpochsIntoOneBaseEverywhereKeepingCountsExact() throws Exception {
    int leader = hundredFailovers(); // epoch 101 is the open one the leader leads now
    long count = regions[leader].store.read(ACME, VIEW, EntityId.of(X), at()).count();
    CrdtSignalState before = state(leader);
    assertEquals(EPOCHS + 1, before.replicaCount());
    for (int r = 0; r < regions.length; r++) {
      ReconcileState rs = regions[r].store.reconcileState();
      assertEquals(
          new ShardEpochs(shard, EPOCHS + 1, r == leader ? EPOCHS + 1 : -1, -1), rs.epochs(shard));
      assertEquals(closed(leader), rs.closedDigest(shard, EPOCHS), "the agreement holds");
    }
    assertEquals(EPOCHS, closed(leader).entries());
    assertNotEquals(0, closed(leader).digest());

    int follower = (leader + 1) % regions.length;
    int merged = (leader + 2) % regions.length;
    CrdtSignalState unfolded = state(merged);
    long position =
        regions[leader].store.reconcileState().compact(shard, EPOCHS).get(30, TimeUnit.SECONDS);
    ship(leader, follower);
    // the third region gets the folded state by merge first, then the record (which it skips: its
    // closed entries are the base already, no longer what the leader's digest covered)
    MergeReport report = mergeInto(merged, leader);
    assertEquals(1, report.changed());
    ship(leader, merged);
    assertEquals(EPOCHS, regions[follower].store.reconcileState().epochs(shard).foldedThrough());
    assertEquals(
        -1,
        regions[merged].store.reconcileState().epochs(shard).foldedThrough(),
        "the record was skipped there: the merge had folded it already");

    CrdtSignalState after = state(leader);
    for (int r = 0; r < regions.length; r++) {
      assertEquals(after, state(r), "region " + r);
      assertEquals(count, regions[r].store.read(ACME, VIEW, EntityId.of(X), at()).count());
      assertEquals(0, regions[r].store.reconcileState().closedDigest(shard, EPOCHS).entries());
    }
    assertEquals(2, after.replicaCount(), after.toString());
    assertEquals(EPOCHS, after.foldedThrough());
    assertEquals(aggregate(before), aggregate(after));
    // a merge of the unfolded copy into a folded region changes nothing
    MergeReport back =
        regions[leader]
            .store
            .reconcileState()
            .merge(shard, ACME, List.of(new EntityState(VIEW, X, encode(unfolded))));
    assertEquals(0, back.changed());
    assertEquals(after, state(leader));

    CrdtSignalState none = afterNone();
    System.out.printf(
        "entity written in %d epochs: before compaction %d entries, %d bytes encoded, ~%d bytes"
            + " heap; after %d entries, %d bytes, ~%d heap; after none (one epoch) %d entry, %d"
            + " bytes, ~%d heap; COMPACT at position %d%n",
        EPOCHS + 1,
        before.replicaCount(),
        before.encodedLength(),
        heapBytes(before),
        after.replicaCount(),
        after.encodedLength(),
        heapBytes(after),
        none.replicaCount(),
        none.encodedLength(),
        heapBytes(none),
        position);
    assertTrue(after.encodedLength() <= 2 * none.encodedLength());
    assertTrue(heapBytes(after) <= 2 * heapBytes(none));
    assertEquals(count, none.count());
  }

  /** Epochs 1..100 with X written by a rotating leader; returns the leader of epoch 101. */
  int hundredFailovers() {
    for (long e = 1; e <= EPOCHS + 1; e++) {
      int leader = (int) (e % regions.length);
      lead(leader, e);
      write(regions[leader].store, e);
      shipToAll(leader);
    }
    return (EPOCHS + 1) % regions.length;
  }

  @Test
  void shouldRefuseACompactionWhereThisRegionDoesNotLeadAboveTheCutOff() {
    int leader = hundredFailovers();
    int follower = (leader + 1) % regions.length;
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> regions[follower].store.reconcileState().compact(shard, EPOCHS).get());
    assertInstanceOf(NotLeaderException.class, e.getCause());
    e =
        assertThrows(
            ExecutionException.class,
            () -> regions[leader].store.reconcileState().compact(shard, EPOCHS + 1).get());
    NotLeaderException notAbove = assertInstanceOf(NotLeaderException.class, e.getCause());
    assertTrue(
        notAbove.getMessage().contains("through epoch 101 of shard " + shard), e.getMessage());
    assertTrue(notAbove.getMessage().contains("leads in epoch 101"), e.getMessage());
    e =
        assertThrows(
            ExecutionException.class,
            () -> regions[leader].store.reconcileState().compact(shard, -1).get());
    assertInstanceOf(InvalidArgumentException.class, e.getCause());
    assertThrows(
        InvalidArgumentException.class,
        () -> regions[leader].store.reconcileState().closedDigest(shard, -1));
    assertEquals(EPOCHS + 1, state(leader).replicaCount(), "nothing folded");
  }

  @Test
  void shouldKeepTheFoldThroughRestartReplayAndASnapshotInstall() throws Exception {
    int leader = hundredFailovers();
    regions[leader].store.reconcileState().compact(shard, EPOCHS).get(30, TimeUnit.SECONDS);
    shipToAll(leader);
    CrdtSignalState folded = state(leader);
    int follower = (leader + 1) % regions.length;
    int other = (leader + 2) % regions.length;
    regions[leader].reopen(); // the final snapshot holds the bases and the folded-through epoch
    regions[follower].reopenWithoutCheckpoint(); // replays the log, the COMPACT record included
    for (int r : new int[] {leader, follower}) {
      assertEquals(folded, state(r), "region " + r);
      assertEquals(EPOCHS, regions[r].store.reconcileState().epochs(shard).foldedThrough());
    }
    // a fourth region catches up by the leader's snapshot
    regions[leader].store.checkpoint();
    try (StoreFixture late =
        new StoreFixture(
            dir.resolve("late"), b -> b.region(RegionId.of(3)), b -> b, followerOf())) {
      try (var snapshot = regions[leader].store.openSnapshot(shard).orElseThrow()) {
        CatchUpRegions.transfer(snapshot, late.store, 4_096).install();
      }
      assertEquals(folded, state(late.store.reconcileState(), shard));
      assertEquals(EPOCHS, late.store.reconcileState().epochs(shard).foldedThrough());
    }
    assertEquals(folded, state(other));
  }

  /**
   * The leader appends COMPACT and is deposed before it ships it: a new leader continues the log
   * below it, so the old leader's log is cut there. The cut keeps the fold (as it keeps every cut
   * record's effect), the others stay unfolded, and merges converge exactly both ways.
   */
  @Test
  void shouldKeepTheFoldOfACompactInACutSuffixAndConvergeByMerge() throws Exception {
    int deposed = hundredFailovers();
    long count = regions[deposed].store.read(ACME, VIEW, EntityId.of(X), at()).count();
    long cutAt =
        regions[deposed].store.reconcileState().compact(shard, EPOCHS).get(30, TimeUnit.SECONDS);
    CrdtSignalState folded = state(deposed);
    int next = (deposed + 1) % regions.length;
    int third = (deposed + 2) % regions.length;
    lead(next, EPOCHS + 2);
    write(regions[next].store, EPOCHS + 2);
    ship(next, third);
    regions[deposed].store.truncateLog(shard, cutAt, EPOCHS + 2);
    ship(next, deposed);
    CrdtSignalState kept = state(deposed);
    assertEquals(EPOCHS, kept.foldedThrough(), "the cut kept the fold");
    assertEquals(3, kept.replicaCount(), "b100, e101, e102");
    assertEquals(-1, state(next).foldedThrough());
    assertEquals(count + 1, regions[deposed].store.read(ACME, VIEW, EntityId.of(X), at()).count());
    regions[deposed].reopenWithoutCheckpoint(); // the cut's snapshot holds the bases; no COMPACT
    assertEquals(kept, state(deposed));
    mergeInto(next, deposed);
    mergeInto(third, deposed);
    mergeInto(deposed, next);
    for (int r = 0; r < regions.length; r++) {
      assertEquals(kept, state(r), "region " + r);
      assertEquals(count + 1, regions[r].store.read(ACME, VIEW, EntityId.of(X), at()).count());
    }
    assertEquals(folded.foldedThrough(), kept.foldedThrough());
  }

  private static FakeReplication followerOf() {
    FakeReplication r = new FakeReplication();
    for (int s = 0; s < StoreFixture.SHARDS; s++) {
      r.notLeading.add(s);
    }
    return r;
  }

  private ClosedDigest closed(int region) {
    return regions[region].store.reconcileState().closedDigest(shard, EPOCHS);
  }

  private MergeReport mergeInto(int to, int from) {
    List<EntityState> states =
        regions[from].store.reconcileState().states(shard, ACME, List.of(new EntityKey(VIEW, X)));
    return regions[to].store.reconcileState().merge(shard, ACME, states);
  }

  /** The same signals written in one epoch by a single-region store. */
  private CrdtSignalState afterNone() {
    try (StoreFixture single = new StoreFixture(dir.resolve("none"))) {
      for (long e = 1; e <= EPOCHS + 1; e++) {
        write(single.store, e);
      }
      return state(single.store.reconcileState(), shard);
    }
  }

  static Timestamp at() {
    return Timestamp.ofMillis(T0 + 200_000);
  }

  static List<Object> aggregate(CrdtSignalState s) {
    return List.of(s.count(), s.weightSum(), s.lastSeenMillis());
  }

  static byte[] encode(CrdtSignalState s) {
    ByteBuffer b = ByteBuffer.allocate(s.encodedLength());
    s.writeTo(b);
    return b.array();
  }
}
