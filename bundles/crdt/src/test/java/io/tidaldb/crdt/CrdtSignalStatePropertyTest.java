package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The join laws of {@link CrdtSignalState}, bit for bit, over seeded random histories. */
class CrdtSignalStatePropertyTest {

  @Property(tries = 300, seed = "42001")
  void mergeIsCommutative(@ForAll long seed) {
    History h = History.random(seed);
    SplittableRandom random = new SplittableRandom(seed);
    CrdtSignalState a = h.randomPrefixState(random);
    CrdtSignalState b = h.randomPrefixState(random);
    assertEquals(merged(a, b), merged(b, a), h::toString);
    assertEquals(merged(a, b).contentHash(), merged(b, a).contentHash(), h::toString);
  }

  @Property(tries = 300, seed = "42002")
  void mergeIsAssociative(@ForAll long seed) {
    History h = History.random(seed);
    SplittableRandom random = new SplittableRandom(seed);
    CrdtSignalState a = h.randomPrefixState(random);
    CrdtSignalState b = h.randomPrefixState(random);
    CrdtSignalState c = h.randomPrefixState(random);
    assertEquals(merged(merged(a, b), c), merged(a, merged(b, c)), h::toString);
  }

  @Property(tries = 300, seed = "42003")
  void mergeIsIdempotent(@ForAll long seed) {
    History h = History.random(seed);
    CrdtSignalState a = h.randomPrefixState(new SplittableRandom(seed));
    assertEquals(a, merged(a, a), h::toString);
    assertEquals(a, merged(a, a.copy()), h::toString);
    CrdtSignalState self = a.copy();
    self.merge(self);
    assertEquals(a, self, h::toString);
  }

  @Property(tries = 300, seed = "42004")
  void mergeLawsHoldForUnrelatedHistoriesToo(@ForAll long seedA, @ForAll long seedB) {
    CrdtSignalState a = History.random(seedA).applyAll();
    CrdtSignalState b = History.random(seedB).applyAll();
    CrdtSignalState c = History.random(seedA ^ seedB).applyAll();
    assertEquals(merged(a, b), merged(b, a));
    assertEquals(merged(merged(a, b), c), merged(a, merged(b, c)));
    assertEquals(merged(a, b), merged(merged(a, b), b));
  }

  @Property(tries = 300, seed = "42005")
  void mergingEachReplicasStateEqualsApplyingAllOpsToOneState(@ForAll long seed) {
    History h = History.random(seed);
    CrdtSignalState single = h.applyAll();
    List<CrdtSignalState> perReplica = new ArrayList<>();
    for (long replica : h.replicas) {
      CrdtSignalState s = new CrdtSignalState();
      h.opsOf(replica).forEach(op -> op.applyTo(s));
      perReplica.add(s);
    }
    SplittableRandom random = new SplittableRandom(seed);
    CrdtSignalState merged = new CrdtSignalState();
    while (!perReplica.isEmpty()) {
      merged.merge(perReplica.remove(random.nextInt(perReplica.size())));
    }
    assertAggregatesEqual(single, merged, h);
  }

  @Property(tries = 300, seed = "42006")
  void regionsGossipingPartialStatesConvergeToTheSingleStateOfAllOps(@ForAll long seed) {
    History h = History.random(seed);
    SplittableRandom random = new SplittableRandom(seed);
    int n = h.replicas.length;
    CrdtSignalState[] regions = new CrdtSignalState[n];
    List<List<History.Op>> pending = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      regions[r] = new CrdtSignalState();
      pending.add(new ArrayList<>(h.opsOf(h.replicas[r])));
    }
    boolean work = true;
    while (work) {
      int r = random.nextInt(n);
      if (random.nextInt(4) == 0) {
        regions[r].merge(regions[random.nextInt(n)]);
      } else if (!pending.get(r).isEmpty()) {
        pending.get(r).remove(0).applyTo(regions[r]);
      }
      work = pending.stream().anyMatch(q -> !q.isEmpty());
    }
    for (int round = 0; round < 2; round++) {
      for (int r = 0; r < n; r++) {
        regions[(r + 1) % n].merge(regions[r]);
      }
    }
    CrdtSignalState single = h.applyAll();
    for (CrdtSignalState region : regions) {
      assertAggregatesEqual(single, region, h);
    }
  }

  static void assertAggregatesEqual(CrdtSignalState expected, CrdtSignalState actual, History h) {
    String context = h + "\nexpected " + expected + "\nactual   " + actual;
    assertEquals(expected.count(), actual.count(), context);
    assertEquals(expected.weightSum(), actual.weightSum(), 0.0, context);
    assertEquals(expected.lastSeenMillis(), actual.lastSeenMillis(), context);
    assertEquals(expected.lastSeenHlc(), actual.lastSeenHlc(), context);
    assertEquals(expected.landmark(), actual.landmark(), context);
    for (long at = History.T0; at < History.T0 + 8 * History.EPOCH; at += History.EPOCH / 3) {
      double e = expected.score(at, History.DECAY);
      double a = actual.score(at, History.DECAY);
      assertEquals(e, a, 1e-9 * Math.max(1e-300, Math.abs(e)), context + " at " + at);
    }
    // Rebasing is exact, so even the bits agree.
    assertEquals(expected, actual, context);
  }

  static CrdtSignalState merged(CrdtSignalState a, CrdtSignalState b) {
    CrdtSignalState m = a.copy();
    m.merge(b);
    return m;
  }
}
