package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * One {@link TopIndex} against the full scan of its states, at the level of the index: uniform and
 * skewed updates over more entities than the capacity (members evicted, the bound raised), deep
 * retractions (members sinking below non-members), time standing or moving over 80 epochs
 * (rebases), and queries answered from the members, after a rebuild when they cannot, or by the
 * scan.
 */
class TopIndexLawTest {
  private static final long HALF_LIFE = 1_000;
  private static final long EPOCH = 16 * HALF_LIFE;
  private static final DecayModel DECAY = DecayModel.ofHalfLife(HALF_LIFE);
  private static final long T0 = 1_700_000_000_000L;

  @Property(tries = 200)
  void shouldAnswerAsTheScanOfItsStates(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<Long, CrdtSignalState> states = new HashMap<>();
    TopIndex index = new TopIndex(TopIndex.MIN_CAPACITY);
    long replica = ReplicaIds.log(1);
    long position = 0;
    int answered = 0;
    int entities = 100 + random.nextInt(400);
    boolean moving = random.nextBoolean(); // else one epoch: keys alike, retractions reorder
    int kMax = random.nextInt(4) == 0 ? 200 : 32; // 32: the first capacity, 64, all along
    for (int step = 0; step < 1_500; step++) {
      long now = moving ? T0 + step * (80 * EPOCH / 1_500) : T0 + random.nextLong(EPOCH);
      if (random.nextInt(10) < 8) {
        long entity =
            random.nextBoolean()
                ? random.nextInt(entities)
                : (long) (Math.pow(random.nextDouble(), 3) * entities);
        double w =
            random.nextInt(20) < 17 ? 1 + random.nextDouble() * 9 : -random.nextDouble() * 60;
        long t = Math.max(T0, now - (random.nextInt(10) == 0 ? random.nextLong(3 * EPOCH) : 0));
        CrdtSignalState state = states.computeIfAbsent(entity, e -> new CrdtSignalState());
        state.applyAt(replica, position++, w, t, position, DECAY);
        index.changed(entity, state, DECAY);
        continue;
      }
      int k = 1 + random.nextInt(kMax);
      long at = now - EPOCH + random.nextLong(3 * EPOCH);
      TopKCollector expected = new TopKCollector(k);
      states.forEach((e, s) -> expected.offer(e, s.score(at, DECAY)));
      TopKCollector actual = new TopKCollector(k);
      TopIndex.Answer answer =
          index.offerTop(k, at, DECAY, e -> states.get(e).score(at, DECAY), actual);
      if (answer == TopIndex.Answer.REBUILD) {
        rebuild(index, states, TopIndex.capacityFor(k));
        actual = new TopKCollector(k);
        answer = index.offerTop(k, at, DECAY, e -> states.get(e).score(at, DECAY), actual);
      }
      if (answer == TopIndex.Answer.ANSWERED) {
        answered++;
      } else {
        TopKCollector scan = new TopKCollector(k);
        states.forEach((e, s) -> scan.offer(e, s.score(at, DECAY)));
        actual = scan;
      }
      assertEquals(
          expected.result(),
          actual.result(),
          "seed " + seed + ", step " + step + ": top(" + k + ") at " + at + " (" + answer + ")");
    }
    assertTrue(answered > 0, "seed " + seed + ": the index never answered");
  }

  @org.junit.jupiter.api.Test
  void shouldNotAnswerWhenAnEvictedEntityMayBelongToTheTop() {
    Map<Long, CrdtSignalState> states = new HashMap<>();
    TopIndex index = new TopIndex(TopIndex.MIN_CAPACITY);
    long replica = ReplicaIds.log(1);
    long position = 0;
    for (long e = 1; e <= TopIndex.MIN_CAPACITY + 1; e++) { // entity 1, the lowest, is evicted
      CrdtSignalState s = new CrdtSignalState();
      s.applyAt(replica, position++, e, T0, position, DECAY);
      states.put(e, s);
      index.changed(e, s, DECAY);
    }
    assertEquals(TopIndex.MIN_CAPACITY, index.size());
    for (long e = 2; e <= 41; e++) { // 40 members retracted below 0: 24 left above entity 1
      states.get(e).applyAt(replica, position++, -100, T0, position, DECAY);
      index.changed(e, states.get(e), DECAY);
    }
    TopKCollector top = new TopKCollector(30);
    assertEquals(
        TopIndex.Answer.REBUILD,
        index.offerTop(30, T0, DECAY, e -> states.get(e).score(T0, DECAY), top),
        "25 positive entities, 24 of them members: entity 1 is not one, so the members cannot tell");
    rebuild(index, states, TopIndex.capacityFor(30));
    assertEquals(
        TopIndex.Answer.ANSWERED,
        index.offerTop(30, T0, DECAY, e -> states.get(e).score(T0, DECAY), top));
    assertEquals(25, top.result().size());
    assertEquals(1L, top.result().get(24).entity().value());
  }

  /** Rebuilds {@code index} from the states, as {@link TopIndexes#rebuild} does for a series. */
  private static void rebuild(TopIndex index, Map<Long, CrdtSignalState> states, int capacity) {
    long max = states.values().stream().mapToLong(CrdtSignalState::landmark).max().orElse(0);
    index.reset(Math.max(capacity, index.capacity()), max, !states.isEmpty());
    states.forEach((e, s) -> index.rebuildOffer(e, index.key(s, DECAY)));
    index.rebuildDone();
  }
}
