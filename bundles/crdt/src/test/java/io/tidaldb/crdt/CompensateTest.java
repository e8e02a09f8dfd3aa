package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link CrdtSignalState#compensate}: one applied signal's effect taken back out of its entry
 * through the opposite columns. Count and weight sum return exactly to the state without it, the
 * score up to rounding; the end stays (the record is still counted as seen), and joins with copies
 * whose compensated records are a subset of the longest copy's give the longest copy.
 */
class CompensateTest {
  private static final DecayModel DECAY = DecayModel.ofHalfLife(1_000);
  private static final long E = DECAY.epochMillis();
  private static final long T0 = 1_700_000_000_000L;
  private static final long LOG1 = ReplicaIds.log(1);
  private static final long LOG2 = ReplicaIds.log(2);
  private static final long LOCAL = ReplicaIds.local(3, 1);

  @Test
  void shouldTakeBackExactlyOneSignalsCountAndWeightAndKeepTheEnd() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 10, 2.5, T0, 100, DECAY);
    live.applyAt(LOG1, 11, 7.0, T0 + 3, 101, DECAY); // compensated below
    live.applyAt(LOG1, 12, -1.25, T0 + 2 * E, 102, DECAY);
    live.applyAt(LOCAL, 0, 4.0, T0 + 5 * E, 103, DECAY);

    CrdtSignalState without = new CrdtSignalState();
    without.applyAt(LOG1, 10, 2.5, T0, 100, DECAY);
    without.applyAt(LOG1, 12, -1.25, T0 + 2 * E, 102, DECAY);
    without.applyAt(LOCAL, 0, 4.0, T0 + 5 * E, 103, DECAY);

    long lastSeen = live.lastSeenHlc();
    assertTrue(live.compensate(LOG1, 7.0, T0 + 3, DECAY));
    assertEquals(without.count(), live.count());
    assertEquals(without.weightSum(), live.weightSum());
    long at = T0 + 6 * E;
    assertEquals(without.score(at, DECAY), live.score(at, DECAY), 1e-9 * live.score(at, DECAY));
    assertEquals(13, live.entryEnd(LOG1), "the end stays");
    assertFalse(live.applyAt(LOG1, 11, 7.0, T0 + 3, 101, DECAY), "still seen: not applied again");
    assertEquals(lastSeen, live.lastSeenHlc(), "the last-seen register stays");
  }

  /**
   * An entry whose records fill every position below its end (a log's first records, or a cut LOCAL
   * session batch's part of one entity: seed 946 of the data-path simulation) has more counts than
   * positions once one is compensated: its encoding reads back (snapshots and reconciliation carry
   * it), as equal.
   */
  @Test
  void shouldReadBackTheEncodingOfAnEntryWhoseCompensationsOutnumberItsFreePositions() {
    CrdtSignalState live = new CrdtSignalState();
    for (int p = 0; p < 4; p++) {
      live.applyAt(LOCAL, p, 1.0 + p, T0 + p, 200 + p, DECAY); // positions 0..3, end 4
    }
    live.applyAt(LOG1, 0, 2.0, T0, 300, DECAY); // end 1
    for (int p = 0; p < 4; p++) {
      assertTrue(live.compensate(LOCAL, 1.0 + p, T0 + p, DECAY));
    }
    assertTrue(live.compensate(LOG1, 2.0, T0, DECAY));
    ByteBuffer bytes = ByteBuffer.allocate(live.encodedLength());
    live.writeTo(bytes);
    bytes.flip();
    CrdtSignalState read = CrdtSignalState.readFrom(bytes);
    assertEquals(live, read);
    assertEquals(0, read.count(), "every signal taken back");
    assertEquals(4, read.entryEnd(LOCAL));
  }

  @Test
  void shouldCompensateARetractionThroughThePositiveColumns() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 0, 3.0, T0, 1, DECAY);
    live.applyAt(LOG1, 1, -2.0, T0, 2, DECAY);
    assertTrue(live.compensate(LOG1, -2.0, T0, DECAY));
    assertEquals(1, live.count(), "the signal alone: the retraction taken back");
    assertEquals(3.0, live.weightSum());
  }

  @Test
  void shouldCompensateALogEntryFoldedIntoTheBaseEntry() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 0, 3.0, T0, 1, DECAY);
    live.applyAt(LOG1, 1, 5.0, T0, 2, DECAY);
    live.applyAt(LOG2, 2, 1.0, T0, 3, DECAY);
    assertTrue(live.fold(1));
    assertTrue(live.compensate(LOG1, 5.0, T0, DECAY));
    assertEquals(2, live.count());
    assertEquals(4.0, live.weightSum());
  }

  @Test
  void shouldChangeNothingWithoutTheEntryAndRefuseBadArguments() {
    CrdtSignalState live = new CrdtSignalState();
    live.applyAt(LOG1, 0, 3.0, T0, 1, DECAY);
    CrdtSignalState before = live.copy();
    assertFalse(live.compensate(LOG2, 3.0, T0, DECAY));
    assertFalse(new CrdtSignalState().compensate(LOG1, 3.0, T0, DECAY));
    assertThrows(
        InvalidArgumentException.class, () -> live.compensate(LOG1, Double.NaN, T0, DECAY));
    assertThrows(InvalidArgumentException.class, () -> live.compensate(LOG1, 1.0, -1, DECAY));
    assertThrows(
        InvalidArgumentException.class, () -> live.compensate(ReplicaIds.base(1), 1.0, T0, DECAY));
    assertThrows(
        InvalidArgumentException.class,
        () -> live.compensate(LOG1, 1.0, T0, DecayModel.ofHalfLife(2_000)));
    assertEquals(before, live);
  }

  /**
   * The join law the store relies on, seeded: the writer of an epoch holds its longest prefix and
   * compensates a set S of its records; another copy holds a shorter prefix and compensated a
   * subset of S restricted to it. Their join, in either order and repeated, is the writer's copy,
   * and counts the prefix minus S.
   */
  @Test
  void shouldJoinToTheLongestCopyWhenTheOthersCompensatedASubsetOfItsRecords() {
    for (long seed = 0; seed < 500; seed++) {
      Random r = new Random(seed);
      int n = 1 + r.nextInt(20);
      List<double[]> records = new ArrayList<>(); // weight, event time
      for (int i = 0; i < n; i++) {
        records.add(new double[] {r.nextInt(9) - 2 + r.nextDouble(), T0 + r.nextInt(8) * E});
      }
      int shorter = r.nextInt(n + 1);
      CrdtSignalState writer = new CrdtSignalState();
      CrdtSignalState other = new CrdtSignalState();
      for (int i = 0; i < n; i++) {
        double[] x = records.get(i);
        writer.applyAt(LOG1, i, x[0], (long) x[1], i, DECAY);
        if (i < shorter) {
          other.applyAt(LOG1, i, x[0], (long) x[1], i, DECAY);
        }
      }
      long expected = writer.count();
      for (int i = 0; i < n; i++) {
        double[] x = records.get(i);
        if (r.nextBoolean()) {
          writer.compensate(LOG1, x[0], (long) x[1], DECAY);
          expected -= x[0] < 0 ? -1 : 1;
          if (i < shorter && r.nextBoolean()) {
            other.compensate(LOG1, x[0], (long) x[1], DECAY);
          }
        }
      }
      CrdtSignalState a = writer.copy();
      a.merge(other);
      CrdtSignalState b = other.copy();
      b.merge(writer);
      b.merge(other);
      assertEquals(writer, a, "seed " + seed);
      assertEquals(writer, b, "seed " + seed);
      assertEquals(expected, a.count(), "seed " + seed);
    }
  }
}
