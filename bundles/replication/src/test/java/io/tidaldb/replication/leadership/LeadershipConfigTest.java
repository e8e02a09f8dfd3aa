package io.tidaldb.replication.leadership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Configuration validation, majority and the failure detector's jitter. */
class LeadershipConfigTest {
  private static final RegionId A = RegionId.of(1);
  private static final RegionId B = RegionId.of(2);
  private static final RegionId C = RegionId.of(3);

  @Test
  void shouldUseDefaultsAndMajority() {
    LeadershipConfig config = LeadershipConfig.withDefaults(List.of(A, B, C), B, 1);
    assertEquals(50_000_000L, config.heartbeatIntervalNanos());
    assertEquals(200_000_000L, config.electionTimeoutNanos());
    assertEquals(2, config.majority());
    assertEquals(1, config.indexOf(B));
  }

  @Test
  void shouldRejectInvalidValuesNamingThem() {
    assertEquals("regions", refused(List.of(), A, 1, 2));
    assertEquals("regions", refused(List.of(A, A), A, 1, 2));
    assertEquals("self", refused(List.of(A, B), C, 1, 2));
    assertEquals("heartbeatIntervalNanos", refused(List.of(A), A, 0, 2));
    assertEquals("electionTimeoutNanos", refused(List.of(A), A, 10, 19));
  }

  @Test
  void shouldDrawReproducibleJitterInsideEachRegionsOwnSlot() {
    long timeout = 250;
    for (long seed = 1; seed < 100; seed++) {
      FailureDetector first = new FailureDetector(timeout, 120, 0, 3, seed, 0);
      FailureDetector second = new FailureDetector(timeout, 120, 1, 3, seed, 0);
      FailureDetector again = new FailureDetector(timeout, 120, 0, 3, seed, 0);
      assertEquals(first.jitterNanos(), again.jitterNanos(), "seed " + seed);
      assertTrue(first.jitterNanos() >= 0 && first.jitterNanos() < 20, "seed " + seed);
      assertTrue(second.jitterNanos() >= 40 && second.jitterNanos() < 60, "seed " + seed);
      assertNotEquals(first.deadlineNanos(), second.deadlineNanos());
      assertTrue(
          !first.isExpired(first.deadlineNanos() - 1) && first.isExpired(first.deadlineNanos()));
    }
  }

  @Test
  void shouldDrawFromTheNewSlotAfterAMoveAndRestartWithAShorterBase() {
    FailureDetector detector = new FailureDetector(250, 120, 2, 3, 7, 0);
    assertTrue(detector.jitterNanos() >= 80 && detector.jitterNanos() < 100);
    detector.moveToSlot(0);
    detector.reset(1_000);
    assertTrue(detector.jitterNanos() >= 0 && detector.jitterNanos() < 20);
    detector.restart(2_000, 50);
    assertEquals(2_000 + 50 + detector.jitterNanos(), detector.deadlineNanos());
    assertEquals(
        "baseNanos",
        assertThrows(InvalidArgumentException.class, () -> detector.restart(0, 251)).argument());
  }

  @Test
  void shouldCountEachVoterOnce() {
    VoteCounter votes = new VoteCounter(3, 2);
    votes.start(4);
    assertTrue(votes.grant(0));
    assertTrue(!votes.grant(0) && !votes.hasMajority());
    assertTrue(votes.grant(2) && votes.hasMajority());
    votes.start(5);
    assertEquals(0, votes.count());
  }

  private static String refused(List<RegionId> regions, RegionId self, long hb, long timeout) {
    return assertThrows(
            InvalidArgumentException.class,
            () -> new LeadershipConfig(regions, self, hb, timeout, 0))
        .argument();
  }
}
