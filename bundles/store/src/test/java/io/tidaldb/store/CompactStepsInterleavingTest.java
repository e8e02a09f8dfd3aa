package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.HybridLogicalClock;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A COMPACT record applied in steps ({@link CompactSteps}) with writers injected between the steps
 * (a test hook on the applying thread): merges of unfolded and folded copies of the agreed closed
 * entries, local writes (some moving the landmark), writes of a later epoch, new entities and table
 * growth end in the same states and digests as the atomic fold followed by the same writes; a merge
 * that brings closed entries the region lacked, after their entity was checked, makes it skip; a
 * table that keeps growing or is replaced makes it give up, leaving legal states that a later
 * COMPACT or a merge heals. Seeded; the seed is printed.
 */
class CompactStepsInterleavingTest {
  static final DecayModel DECAY = DecayModel.ofHalfLife(3_600_000);
  static final long T0 = 1_700_000_000_000L;
  static final long LATER = T0 + 20 * 3_600_000L; // past the next landmark (16 half-lives)
  static final int ENTITIES = 2_000;
  static final int STEP = 64;

  @TempDir Path dir;
  final List<WalEngine> wals = new ArrayList<>();
  long position = 1_000_000; // positions of injected log and local records, above every prior one

  @AfterEach
  void close() {
    wals.forEach(WalEngine::close);
  }

  @Test
  void shouldFoldInStepsToTheAtomicFoldsStatesWhileWritersAndGrowthRunBetweenSteps() {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("CompactStepsInterleavingTest seed " + seed);
    ShardState stepped = shard("stepped", ENTITIES);
    ShardState atomic = shard("atomic", ENTITIES);
    long digest = stepped.compaction.scannedDigest(2).digest();
    Random random = new Random(seed);
    List<Consumer<ShardState>> quiet = writes(random, atomic, true);
    List<Consumer<ShardState>> writes = writes(random, atomic, false);
    List<Consumer<ShardState>> done = new ArrayList<>();
    int[] calls = {0};
    int[] grows = {0};
    stepped.compaction.steps(
        STEP,
        () -> {
          calls[0]++;
          boolean folding = stepped.compaction.lastRun().folding();
          if ((grows[0] == 0 && calls[0] == 10)
              || (grows[0] == 1 && folding && calls[0] % 7 == 0)) {
            grows[0]++;
            grow(stepped, done); // once in the check, once in the fold
          }
          List<Consumer<ShardState>> next = folding ? writes : quiet;
          if (calls[0] % 3 == 0 && !next.isEmpty()) {
            Consumer<ShardState> w = next.remove(0);
            w.accept(stepped);
            done.add(w);
          }
        });
    stepped.compaction.apply(2, digest, 7, "stepped");
    atomic.compaction.steps(Integer.MAX_VALUE, () -> {});
    atomic.compaction.apply(2, digest, 7, "atomic");
    assertEquals(2, atomic.compaction.lastRun().steps(), "one hold to check, one to fold");
    done.forEach(w -> w.accept(atomic));
    CompactSteps run = stepped.compaction.lastRun();
    assertEquals(0, stepped.compaction.skipped(), "seed " + seed);
    assertEquals(2, stepped.compaction.foldedThrough());
    assertEquals(2, run.restarts(), "the check and the fold each restarted once after a grow");
    assertTrue(quiet.size() < 250, 300 - quiet.size() + " writes ran between check steps");
    assertTrue(writes.size() < 250, 300 - writes.size() + " writes ran between fold steps");
    assertSameStates(atomic, stepped, seed);
  }

  @Test
  void shouldSkipWhenAMergeBringsAnEntitysMissingClosedEntryAfterItWasChecked() {
    ShardState full = shard("full", ENTITIES);
    long digest = full.compaction.scannedDigest(2).digest();
    ShardState region = shard("region", ENTITIES);
    long lost = entityInSlots(region, 0, STEP); // checked by the first step
    CrdtSignalState whole = full.states.get(0, lost).copy();
    loseClosedEntry(region, lost);
    int[] calls = {0};
    region.compaction.steps(
        STEP,
        () -> {
          if (++calls[0] == 2) {
            merge(region, lost, whole); // back, but its slot was hashed without it
          }
        });
    region.compaction.apply(2, digest, 7, "region");
    assertEquals(1, region.compaction.skipped());
    assertEquals(-1, region.compaction.foldedThrough());
    assertEquals(4L * ENTITIES, region.compaction.scannedDigest(2).entries(), "nothing folded");
    // the heal: a later COMPACT with the same agreed digest folds (the merge made it equal)
    region.compaction.apply(2, digest, 8, "region");
    assertEquals(2, region.compaction.foldedThrough());
    full.compaction.apply(2, digest, 7, "full");
    assertSameStates(full, region, 0);
  }

  @Test
  void shouldFoldWhenTheMergeOfAMissingClosedEntryComesBeforeItsEntityIsChecked() {
    ShardState full = shard("full", ENTITIES);
    long digest = full.compaction.scannedDigest(2).digest();
    ShardState region = shard("region", ENTITIES);
    int capacity = region.states.capacity();
    long lost = entityInSlots(region, capacity - STEP, capacity); // checked by the last step
    CrdtSignalState whole = full.states.get(0, lost).copy();
    loseClosedEntry(region, lost);
    int[] calls = {0};
    region.compaction.steps(
        STEP,
        () -> {
          if (++calls[0] == 1) {
            merge(region, lost, whole);
          }
        });
    region.compaction.apply(2, digest, 7, "region");
    assertEquals(0, region.compaction.skipped());
    assertEquals(2, region.compaction.foldedThrough());
    full.compaction.apply(2, digest, 7, "full");
    assertSameStates(full, region, 0);
  }

  @Test
  void shouldSkipWhenAFoldedBaseIsMergedIntoAnEntityBeforeTheCheckReachesIt() {
    ShardState leader = shard("leader", ENTITIES);
    long digest = leader.compaction.scannedDigest(2).digest();
    ShardState region = shard("region", ENTITIES);
    int capacity = region.states.capacity();
    long late = entityInSlots(region, capacity - STEP, capacity);
    CrdtSignalState folded = leader.states.get(0, late).copy();
    folded.fold(2);
    region.compaction.steps(STEP, once(() -> merge(region, late, folded)));
    region.compaction.apply(2, digest, 7, "region");
    assertEquals(1, region.compaction.skipped(), "its closed hash is the base's now");
    assertEquals(4L * ENTITIES - 2, region.compaction.scannedDigest(2).entries());
    healByTheLeader(leader, region);
  }

  @Test
  void shouldSkipWhenALocalWriteMovesTheLandmarkOfAnEntityBeforeTheCheckReachesIt() {
    ShardState leader = shard("leader", ENTITIES);
    long digest = leader.compaction.scannedDigest(2).digest();
    ShardState region = shard("region", ENTITIES);
    int capacity = region.states.capacity();
    long late = entityInSlots(region, capacity - STEP, capacity);
    Consumer<ShardState> local = s -> write(s, 0, late, ReplicaIds.local(1, 1), 0, LATER);
    region.compaction.steps(STEP, once(() -> local.accept(region)));
    region.compaction.apply(2, digest, 7, "region");
    assertEquals(1, region.compaction.skipped(), "its closed hash covers the landmark");
    local.accept(leader);
    healByTheLeader(leader, region);
  }

  /**
   * The leader folds (its COMPACT carries its digest now), its states reach the region by merge,
   * and a later COMPACT raises the region's folded-through epoch.
   */
  private static void healByTheLeader(ShardState leader, ShardState region) {
    leader.compaction.apply(2, leader.compaction.scannedDigest(2).digest(), 7, "leader");
    assertEquals(2, leader.compaction.foldedThrough());
    leader.states.forEach((series, entity, state) -> merge(region, series, entity, state.copy()));
    assertSameStates(leader, region, 0);
    region.compaction.steps(STEP, () -> {});
    region.compaction.apply(2, leader.compaction.scannedDigest(2).digest(), 8, "region");
    assertEquals(2, region.compaction.foldedThrough(), "a later COMPACT raises it");
  }

  private static Runnable once(Runnable r) {
    boolean[] ran = {false};
    return () -> {
      if (!ran[0]) {
        ran[0] = true;
        r.run();
      }
    };
  }

  @Test
  void shouldGiveUpWhenTheTableKeepsGrowingAndHealByALaterCompact() {
    ShardState region = shard("region", 100);
    long digest = region.compaction.scannedDigest(2).digest();
    region.compaction.steps(16, () -> grow(region, new ArrayList<>()));
    region.compaction.apply(2, digest, 7, "region");
    assertEquals(1, region.compaction.gaveUp());
    assertEquals(1, region.compaction.skipped());
    assertEquals(-1, region.compaction.foldedThrough());
    assertEquals(CompactSteps.MAX_RESTARTS + 1, region.compaction.lastRun().restarts());
    assertEquals(400, region.compaction.scannedDigest(2).entries(), "nothing folded");
    region.compaction.steps(16, () -> {});
    region.compaction.apply(2, digest, 8, "region");
    assertEquals(2, region.compaction.foldedThrough());
    assertEquals(0, region.compaction.scannedDigest(2).entries());
  }

  @Test
  void shouldGiveUpWhenTheStateIsReplacedMidFoldLeavingLegalStatesThatAMergeHeals() {
    ShardState region = shard("region", ENTITIES);
    ShardState leader = shard("leader", ENTITIES);
    long digest = region.compaction.scannedDigest(2).digest();
    int checkSteps = region.states.capacity() / STEP;
    int[] calls = {0};
    region.compaction.steps(
        STEP,
        () -> {
          if (++calls[0] == checkSteps + checkSteps / 2) { // half way through the fold
            region.lock.writeLock().lock();
            try {
              region.resetPositions(0); // what a cut or an install does to the state
            } finally {
              region.lock.writeLock().unlock();
            }
          }
        });
    region.compaction.apply(2, digest, 7, "region");
    assertEquals(1, region.compaction.gaveUp());
    assertEquals(-1, region.compaction.foldedThrough());
    long left = region.compaction.scannedDigest(2).entries();
    assertTrue(left > 0 && left < 4L * ENTITIES, left + " closed entries left: partly folded");
    assertNull(region.states.staleHash());
    healByTheLeader(leader, region);
  }

  /** A shard of two series whose entities hold log(1), log(2) (closed through 2) and log(3). */
  private ShardState shard(String name, int entities) {
    WalEngine wal =
        WalEngine.open(WalConfig.builder(dir.resolve(name).resolve("wal")).shardCount(1).build());
    wals.add(wal);
    ShardState s =
        new ShardState(
            0,
            wal.shard(0),
            new SeriesRegistry(t -> DECAY),
            new Snapshots(dir.resolve(name), 0, 2),
            new HybridLogicalClock(() -> T0, 1_000),
            1L << 40,
            Runnable::run,
            p -> {},
            () -> Long.MAX_VALUE,
            null,
            0);
    s.registry.bind(0, "acme", "view", "test");
    s.registry.bind(1, "globex", "view", "test");
    for (int e = 0; e < entities; e++) {
      for (int series = 0; series < 2; series++) {
        CrdtSignalState state = s.states.getOrCreate(series, e);
        for (long epoch = 1; epoch <= 3; epoch++) {
          state.applyAt(ReplicaIds.log(epoch), e, 1.0 + e % 7, T0 + e, T0 + e, DECAY);
        }
      }
    }
    s.digest.rebuild(s.registry, s.states);
    return s;
  }

  /**
   * Seeded writes, each for any shard built alike; {@code model} supplies the agreed states. Quiet
   * ones leave every entity's closed hash as it is (an entity's closed hash covers its landmark,
   * and a folded base differs from the entries it sums: such a write before the check reaches its
   * entity makes the digest differ, as before an atomic apply; see the last tests).
   */
  private List<Consumer<ShardState>> writes(Random random, ShardState model, boolean quiet) {
    List<Consumer<ShardState>> writes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      long entity = random.nextInt(ENTITIES);
      int series = random.nextInt(2);
      long at = position++;
      switch (random.nextInt(quiet ? 4 : 6)) {
        case 0 -> writes.add(s -> write(s, series, entity, ReplicaIds.local(1, 1), at, T0 + at));
        case 1 -> writes.add(s -> write(s, series, entity, ReplicaIds.log(4), at, T0 + at));
        case 2 -> { // an entity new to the shard, of a later epoch
          long fresh = ENTITIES + at;
          writes.add(s -> write(s, series, fresh, ReplicaIds.log(4), at, T0));
        }
        case 3 -> { // a region that has not folded: its copy of the agreed closed entries
          CrdtSignalState agreed = model.states.get(series, entity).copy();
          writes.add(s -> merge(s, series, entity, agreed.copy()));
        }
        case 4 -> // a local write that moves the entity's landmark (rescales its entries)
            writes.add(s -> write(s, series, entity, ReplicaIds.local(1, 1), at, LATER + at));
        default -> { // a region that folded already: base(2)
          CrdtSignalState folded = model.states.get(series, entity).copy();
          folded.fold(2);
          writes.add(s -> merge(s, series, entity, folded.copy()));
        }
      }
    }
    return writes;
  }

  private static void write(ShardState s, int series, long entity, long replica, long at, long t) {
    s.lock.writeLock().lock();
    try {
      s.compaction.logEntries(ReplicaIds.isLog(replica) ? replica : Long.MAX_VALUE);
      CrdtSignalState state = s.states.getOrCreate(series, entity);
      s.digest.before(s.registry.get(series), entity, state);
      state.applyAt(replica, at, 2.5, t, t, DECAY);
      s.digest.after(state);
    } finally {
      s.lock.writeLock().unlock();
    }
  }

  private static void merge(ShardState s, long entity, CrdtSignalState incoming) {
    merge(s, 0, entity, incoming);
  }

  /** What a reconciliation merge does (ShardReconcile#join). */
  private static void merge(ShardState s, int series, long entity, CrdtSignalState incoming) {
    s.lock.writeLock().lock();
    try {
      s.compaction.logEntries(incoming.lowestLogEpoch());
      CrdtSignalState state = s.states.getOrInsert(series, entity, incoming);
      s.digest.before(s.registry.get(series), entity, state);
      if (state != incoming) {
        state.merge(incoming);
      }
      s.digest.after(state);
    } finally {
      s.lock.writeLock().unlock();
    }
  }

  /**
   * Inserts new entities (a later epoch, nothing closed) until the table grows, adding each write
   * to {@code done}.
   */
  private void grow(ShardState s, List<Consumer<ShardState>> done) {
    int generation = s.states.generation();
    while (s.states.generation() == generation) {
      long at = position++;
      Consumer<ShardState> w = on -> write(on, 0, -at, ReplicaIds.log(4), at, T0);
      w.accept(s);
      done.add(w);
    }
  }

  /** Replaces an entity's state of series 0 by one without its log(2) entry (a lost merge). */
  private static void loseClosedEntry(ShardState s, long entity) {
    CrdtSignalState lacking = new CrdtSignalState();
    for (long epoch : new long[] {1, 3}) {
      lacking.applyAt(
          ReplicaIds.log(epoch), entity, 1.0 + entity % 7, T0 + entity, T0 + entity, DECAY);
    }
    s.states.put(0, entity, lacking);
    s.digest.rebuild(s.registry, s.states);
  }

  /** An entity of series 0 whose slot lies in [from, to). */
  private static long entityInSlots(ShardState s, int from, int to) {
    long[] found = {-1};
    s.states.forEachSlot(
        from, to, (slot, series, entity, state) -> found[0] = series == 0 ? entity : found[0]);
    assertTrue(found[0] >= 0, "no entity of series 0 in slots " + from + ".." + to);
    return found[0];
  }

  private static void assertSameStates(ShardState expected, ShardState actual, long seed) {
    assertEquals(expected.states.size(), actual.states.size(), "seed " + seed);
    expected.states.forEach(
        (series, entity, state) ->
            assertEquals(
                state,
                actual.states.get(series, entity),
                "series " + series + " entity " + entity + ", seed " + seed));
    assertNull(actual.states.staleHash(), "every change kept its digest");
    for (String tenant : new String[] {"acme", "globex"}) {
      long[] want = new long[ReconcileState.BUCKETS];
      long[] got = new long[ReconcileState.BUCKETS];
      expected.digest.copy(TenantId.of(tenant), want);
      actual.digest.copy(TenantId.of(tenant), got);
      assertArrayEquals(want, got, "tenant " + tenant + " digests, seed " + seed);
    }
  }
}
