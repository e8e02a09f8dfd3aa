package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class CrdtSignalStateTest {
  static final long H = 1_000;
  static final DecayModel DECAY = DecayModel.ofHalfLife(H);
  static final long E = DECAY.epochMillis();
  static final long T0 = 1_700_000_000_000L;
  static final int A = ReplicaIds.of(1, 0);
  static final int B = ReplicaIds.of(2, 1);
  static final int HIGH = ReplicaIds.of(0xFFFF, 0);

  @Test
  void shouldStartEmpty() {
    CrdtSignalState s = new CrdtSignalState();
    assertTrue(s.isEmpty());
    assertEquals(0, s.count());
    assertEquals(0.0, s.weightSum());
    assertEquals(0.0, s.score(T0, DECAY));
    assertEquals(-1, s.lastSeenMillis());
    assertEquals(-1, s.lastSeenHlc());
    assertEquals(0, s.landmark());
    assertEquals(0, s.replicaCount());
    assertEquals(new CrdtSignalState(), s);
  }

  @Test
  void shouldCountSignalsAndRetractionsSeparately() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 3.0, T0, 1, DECAY);
    s.apply(A, 0.5, T0, 2, DECAY);
    s.apply(B, -1.5, T0, 3, DECAY);
    s.apply(B, -0.0, T0, 4, DECAY);
    assertEquals(2 + 1 - 1, s.count());
    assertEquals(3.0 + 0.5 - 1.5, s.weightSum());
    assertEquals(2.0, s.score(T0, DECAY), 1e-12);
    assertEquals(2, s.replicaCount());
    assertEquals(T0 / E * E, s.landmark());
    assertEquals(H, s.halfLifeMillis());
  }

  @Test
  void shouldRebaseToTheLandmarkOfALaterEpochAndKeepItForOlderEvents() {
    CrdtSignalState s = new CrdtSignalState();
    long t0 = T0 + 100;
    long t1 = T0 + 3 * E + 250;
    s.apply(A, 1.0, t0, 1, DECAY);
    assertEquals(DECAY.landmarkFor(t0), s.landmark());
    s.apply(A, 2.0, t1, 2, DECAY);
    assertEquals(DECAY.landmarkFor(t1), s.landmark());
    s.apply(B, 4.0, t0 + 10, 3, DECAY);
    assertEquals(DECAY.landmarkFor(t1), s.landmark());
    long at = t1 + 700;
    double expected =
        Math.pow(2, -(at - t0) / (double) H)
            + 2 * Math.pow(2, -(at - t1) / (double) H)
            + 4 * Math.pow(2, -(at - t0 - 10) / (double) H);
    assertEquals(expected, s.score(at, DECAY), 1e-12 * expected);
  }

  @Test
  void shouldTrackLastSeenByHlcThenReplicaNotByEventTime() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 1.0, T0 + 5_000, 10, DECAY);
    s.apply(A, 1.0, T0, 11, DECAY);
    assertEquals(T0, s.lastSeenMillis());
    assertEquals(11, s.lastSeenHlc());
    s.apply(HIGH, 1.0, T0 + 1, 11, DECAY);
    s.apply(B, 1.0, T0 + 2, 11, DECAY);
    assertEquals(T0 + 1, s.lastSeenMillis());
    assertEquals(HIGH, s.lastSeenReplica());
  }

  @Test
  void shouldKeepEntriesInUnsignedReplicaOrder() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(HIGH, 1.0, T0, 1, DECAY);
    s.apply(B, 1.0, T0, 2, DECAY);
    s.apply(A, 1.0, T0, 3, DECAY);
    String text = s.toString();
    assertTrue(
        text.indexOf("r1.i0{") < text.indexOf("r2.i1{")
            && text.indexOf("r2.i1{") < text.indexOf("r65535.i0{"),
        text);
  }

  @Test
  void shouldRejectInvalidSignalsAndStayUnchanged() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 1.0, T0, 1, DECAY);
    CrdtSignalState before = s.copy();
    assertEquals(
        "weight",
        assertThrows(InvalidArgumentException.class, () -> s.apply(A, Double.NaN, T0, 2, DECAY))
            .argument());
    assertThrows(
        InvalidArgumentException.class, () -> s.apply(A, Double.NEGATIVE_INFINITY, T0, 2, DECAY));
    assertEquals(
        "eventTimeMillis",
        assertThrows(InvalidArgumentException.class, () -> s.apply(A, 1.0, -1, 2, DECAY))
            .argument());
    assertEquals(
        "hlc",
        assertThrows(InvalidArgumentException.class, () -> s.apply(A, 1.0, T0, -2, DECAY))
            .argument());
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class, () -> s.apply(A, 1.0, T0, 2, DecayModel.ofHalfLife(7)));
    assertEquals("decay half-life", e.argument());
    assertEquals(before, s);
  }

  @Test
  void shouldRefuseToMergeStatesKeptUnderDifferentHalfLives() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 1.0, T0, 1, DECAY);
    CrdtSignalState other = new CrdtSignalState();
    other.apply(B, 1.0, T0, 1, DecayModel.ofHalfLife(2 * H));
    CrdtSignalState before = s.copy();
    assertThrows(InvalidArgumentException.class, () -> s.merge(other));
    assertEquals(before, s);
    assertThrows(InvalidArgumentException.class, () -> s.score(T0, DecayModel.ofHalfLife(2 * H)));
  }

  @Test
  void shouldMergeIntoAnEmptyStateAsACopy() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 1.0, T0, 1, DECAY);
    CrdtSignalState empty = new CrdtSignalState();
    empty.merge(s);
    assertEquals(s, empty);
    empty.apply(A, 1.0, T0, 2, DECAY);
    assertEquals(1, s.count());
    s.merge(new CrdtSignalState());
    assertEquals(1, s.count());
  }

  @Test
  void shouldCopyIndependently() {
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 1.0, T0, 1, DECAY);
    CrdtSignalState copy = s.copy();
    assertEquals(s, copy);
    assertEquals(s.hashCode(), copy.hashCode());
    copy.apply(A, 1.0, T0, 2, DECAY);
    assertNotEquals(s, copy);
    assertEquals(1, s.count());
  }

  @Test
  void shouldNotAllocateWhenApplyingToAnExistingReplica() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported());
    CrdtSignalState s = new CrdtSignalState();
    s.apply(A, 1.0, T0, 1, DECAY);
    s.apply(B, 1.0, T0, 1, DECAY);
    long thread = Thread.currentThread().getId();
    // The interpreter allocates inside StrictMath.pow; once compiled a round allocates nothing.
    // When the JIT gets there depends on the machine's load, so wait for it with a deadline (the
    // loop ends at the first clean round) rather than a fixed number of rounds.
    long allocated = Long.MAX_VALUE;
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    for (int round = 0; allocated >= 1_024 && System.nanoTime() < deadline; round++) {
      long before = threads.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 20_000; i++) {
        s.apply(i % 2 == 0 ? A : B, i % 3 - 1.0, T0 + i, round * 20_000L + i, DECAY);
      }
      allocated = threads.getThreadAllocatedBytes(thread) - before;
    }
    assertTrue(allocated < 1_024, "allocated " + allocated + " bytes for 20000 applies");
    assertEquals(2, s.replicaCount());
  }

  @Test
  void shouldKeepOnlyOneReplicasContributionAndJoinItBackWithoutLosingOrDoubling() {
    CrdtSignalState full = new CrdtSignalState();
    CrdtSignalState prefix = new CrdtSignalState(); // what another region holds: A's first 2, B's
    for (int i = 0; i < 5; i++) {
      full.apply(A, 1.0 + i, T0 + i, 10 + i, DECAY);
      if (i < 2) {
        prefix.apply(A, 1.0 + i, T0 + i, 10 + i, DECAY);
      }
    }
    full.apply(B, 2.0, T0 - 7 * H, 3, DECAY);
    prefix.apply(B, 2.0, T0 - 7 * H, 3, DECAY);

    CrdtSignalState onlyA = full.replicaOnly(A);
    assertEquals(5, onlyA.count());
    assertEquals(1, onlyA.replicaCount());
    assertEquals(T0 + 4, onlyA.lastSeenMillis(), "A wrote the last-seen value");
    assertTrue(full.replicaOnly(ReplicaIds.of(3, 0)).isEmpty());
    assertEquals(-1, full.replicaOnly(B).lastSeenMillis(), "B did not write the last-seen value");

    prefix.merge(onlyA);
    assertEquals(full, prefix, "A's 5 and B's 1, each once");
  }
}
