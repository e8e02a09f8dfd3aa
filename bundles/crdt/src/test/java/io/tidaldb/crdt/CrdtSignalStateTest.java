package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
  static final long A = ReplicaIds.log(1);
  static final long B = ReplicaIds.local(2, 1);
  static final long HIGH = ReplicaIds.local(0xFFFF, 0);

  /** Positions for the streams; one counter keeps every stream's positions increasing. */
  private static long position;

  static long next() {
    return position++;
  }

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
  void shouldRefuseAScoreThatOverflowsNamingTheTimeAndTheEarliestOne() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, next(), 4.0, T0, 1, DECAY);
    long landmark = s.landmark();
    long far = landmark - 2_000 * H; // 2^2000 times the sum
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> s.score(far, DECAY));
    assertEquals("at", e.argument());
    assertEquals(Long.toString(far), e.value());
    assertTrue(e.getMessage().contains("2,000 half-lives"), e.getMessage());
    long earliest = Long.parseLong(e.getMessage().replaceAll(".* scored at is (-?\\d+).*", "$1"));
    assertTrue(Double.isFinite(s.score(earliest, DECAY)), "the earliest time named scores");
    assertTrue(Double.isFinite(s.score(earliest + H, DECAY)));
    assertEquals(4.0 * Math.pow(2, 500), s.score(T0 - 500 * H, DECAY), Math.pow(2, 460));
    // a sum of nothing scores 0 at any time, never NaN
    CrdtSignalState zero = new CrdtSignalState();
    zero.applyAt(A, next(), 1.0, T0, 2, DECAY);
    zero.applyAt(B, next(), -1.0, T0, 3, DECAY);
    assertEquals(0.0, zero.score(far, DECAY));
  }

  @Test
  void shouldCountSignalsAndRetractionsSeparately() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, next(), 3.0, T0, 1, DECAY);
    s.applyAt(A, next(), 0.5, T0, 2, DECAY);
    s.applyAt(B, next(), -1.5, T0, 3, DECAY);
    s.applyAt(B, next(), -0.0, T0, 4, DECAY);
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
    s.applyAt(A, next(), 1.0, t0, 1, DECAY);
    assertEquals(DECAY.landmarkFor(t0), s.landmark());
    s.applyAt(A, next(), 2.0, t1, 2, DECAY);
    assertEquals(DECAY.landmarkFor(t1), s.landmark());
    s.applyAt(B, next(), 4.0, t0 + 10, 3, DECAY);
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
    s.applyAt(A, next(), 1.0, T0 + 5_000, 10, DECAY);
    s.applyAt(A, next(), 1.0, T0, 11, DECAY);
    assertEquals(T0, s.lastSeenMillis());
    assertEquals(11, s.lastSeenHlc());
    s.applyAt(HIGH, next(), 1.0, T0 + 1, 11, DECAY);
    s.applyAt(B, next(), 1.0, T0 + 2, 11, DECAY);
    assertEquals(T0 + 1, s.lastSeenMillis());
    assertEquals(HIGH, s.lastSeenReplica());
  }

  @Test
  void shouldKeepEntriesInUnsignedReplicaOrder() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(HIGH, next(), 1.0, T0, 1, DECAY);
    s.applyAt(B, next(), 1.0, T0, 2, DECAY);
    s.applyAt(A, next(), 1.0, T0, 3, DECAY);
    String text = s.toString();
    assertTrue(
        text.indexOf("e1{") < text.indexOf("r2.i1{")
            && text.indexOf("r2.i1{") < text.indexOf("r65535.i0{"),
        text);
  }

  @Test
  void shouldRejectInvalidSignalsAndStayUnchanged() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, next(), 1.0, T0, 1, DECAY);
    CrdtSignalState before = s.copy();
    assertEquals(
        "weight",
        assertThrows(
                InvalidArgumentException.class,
                () -> s.applyAt(A, next(), Double.NaN, T0, 2, DECAY))
            .argument());
    assertThrows(
        InvalidArgumentException.class,
        () -> s.applyAt(A, next(), Double.NEGATIVE_INFINITY, T0, 2, DECAY));
    assertEquals(
        "eventTimeMillis",
        assertThrows(InvalidArgumentException.class, () -> s.applyAt(A, next(), 1.0, -1, 2, DECAY))
            .argument());
    assertEquals(
        "hlc",
        assertThrows(InvalidArgumentException.class, () -> s.applyAt(A, next(), 1.0, T0, -2, DECAY))
            .argument());
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> s.applyAt(A, next(), 1.0, T0, 2, DecayModel.ofHalfLife(7)));
    assertEquals("decay half-life", e.argument());
    assertEquals(before, s);
  }

  @Test
  void shouldRefuseToMergeStatesKeptUnderDifferentHalfLives() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, next(), 1.0, T0, 1, DECAY);
    CrdtSignalState other = new CrdtSignalState();
    other.applyAt(B, next(), 1.0, T0, 1, DecayModel.ofHalfLife(2 * H));
    CrdtSignalState before = s.copy();
    assertThrows(InvalidArgumentException.class, () -> s.merge(other));
    assertEquals(before, s);
    assertThrows(InvalidArgumentException.class, () -> s.score(T0, DecayModel.ofHalfLife(2 * H)));
  }

  @Test
  void shouldMergeIntoAnEmptyStateAsACopy() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, next(), 1.0, T0, 1, DECAY);
    CrdtSignalState empty = new CrdtSignalState();
    empty.merge(s);
    assertEquals(s, empty);
    empty.applyAt(A, next(), 1.0, T0, 2, DECAY);
    assertEquals(1, s.count());
    s.merge(new CrdtSignalState());
    assertEquals(1, s.count());
  }

  @Test
  void shouldCopyIndependently() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, next(), 1.0, T0, 1, DECAY);
    CrdtSignalState copy = s.copy();
    assertEquals(s, copy);
    assertEquals(s.hashCode(), copy.hashCode());
    copy.applyAt(A, next(), 1.0, T0, 2, DECAY);
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
    s.applyAt(A, next(), 1.0, T0, 1, DECAY);
    s.applyAt(B, next(), 1.0, T0, 1, DECAY);
    long thread = Thread.currentThread().getId();
    // The interpreter allocates inside StrictMath.pow; once compiled a round allocates nothing.
    // When the JIT gets there depends on the machine's load, so wait for it with a deadline (the
    // loop ends at the first clean round) rather than a fixed number of rounds.
    long allocated = Long.MAX_VALUE;
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    for (int round = 0; allocated >= 1_024 && System.nanoTime() < deadline; round++) {
      long before = threads.getThreadAllocatedBytes(thread);
      for (int i = 0; i < 20_000; i++) {
        s.applyAt(i % 2 == 0 ? A : B, next(), i % 3 - 1.0, T0 + i, round * 20_000L + i, DECAY);
      }
      allocated = threads.getThreadAllocatedBytes(thread) - before;
    }
    assertTrue(allocated < 1_024, "allocated " + allocated + " bytes for 20000 applies");
    assertEquals(2, s.replicaCount());
  }

  @Test
  void shouldSkipARecordTheEntryAlreadyHoldsAndChangeNothing() {
    CrdtSignalState s = new CrdtSignalState();
    assertTrue(s.applyAt(A, 5, 1.0, T0, 1, DECAY));
    assertTrue(s.applyAt(A, 9, 2.0, T0, 2, DECAY));
    CrdtSignalState before = s.copy();
    assertFalse(s.applyAt(A, 9, 2.0, T0, 2, DECAY), "the same record again");
    assertFalse(s.applyAt(A, 7, 4.0, T0 + 5 * E, 3, DECAY), "below the end: inside the prefix");
    assertEquals(before, s);
    assertTrue(s.applyAt(B, 7, 4.0, T0, 3, DECAY), "another stream has its own end");
    assertTrue(s.applyAt(A, 10, 1.0, T0, 4, DECAY));
    assertEquals(4, s.count());
  }

  @Test
  void shouldCountEachRecordOnceWhenALogApplyFollowsAMergeOfTheSameRecord() {
    // The trap of docs/design/replication.md: A applies position 100, ships its state to C by
    // merge, and C then applies position 100 from the log.
    CrdtSignalState a = new CrdtSignalState();
    CrdtSignalState c = new CrdtSignalState();
    a.applyAt(ReplicaIds.log(4), 100, 3.0, T0, 1, DECAY);
    c.merge(a);
    assertFalse(c.applyAt(ReplicaIds.log(4), 100, 3.0, T0, 1, DECAY));
    assertEquals(1, c.count());
    assertTrue(c.applyAt(ReplicaIds.log(4), 101, 1.0, T0, 2, DECAY));
    a.merge(c);
    assertEquals(2, a.count());
    assertEquals(a, c);
  }

  @Test
  void shouldRejectANegativePositionOrAnInvalidReplicaId() {
    CrdtSignalState s = new CrdtSignalState();
    assertEquals(
        "position",
        assertThrows(InvalidArgumentException.class, () -> s.applyAt(A, -1, 1.0, T0, 1, DECAY))
            .argument());
    assertEquals(
        "replica",
        assertThrows(
                InvalidArgumentException.class,
                () -> s.applyAt(Long.MIN_VALUE | 1L << 40, 0, 1.0, T0, 1, DECAY))
            .argument());
    assertTrue(s.isEmpty());
  }

  @Test
  void shouldHashEqualStatesAlikeAndTellEveryColumnApart() {
    CrdtSignalState s = new CrdtSignalState();
    s.applyAt(A, 3, 1.0, T0, 1, DECAY);
    s.applyAt(B, 0, -2.0, T0 + 1, 2, DECAY);
    CrdtSignalState other = new CrdtSignalState();
    other.applyAt(B, 0, -2.0, T0 + 1, 2, DECAY);
    other.applyAt(A, 3, 1.0, T0, 1, DECAY);
    assertEquals(s, other);
    assertEquals(s.contentHash(), other.contentHash());
    assertNotEquals(new CrdtSignalState().contentHash(), s.contentHash());
    for (int i = 0; i < s.entries.length; i++) {
      CrdtSignalState changed = s.copy();
      changed.entries[i]++;
      assertNotEquals(s.contentHash(), changed.contentHash(), "entry column " + i);
    }
    CrdtSignalState later = s.copy();
    later.lastSeenReplica = A;
    assertNotEquals(s.contentHash(), later.contentHash());
  }
}
