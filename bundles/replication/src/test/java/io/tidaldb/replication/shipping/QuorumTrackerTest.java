package io.tidaldb.replication.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class QuorumTrackerTest {
  private static final long SECOND = 1_000_000_000L;

  private static List<RegionId> regions(int n) {
    List<RegionId> list = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      list.add(RegionId.of(i));
    }
    return list;
  }

  @Test
  void shouldTreatASingleRegionAsItsOwnMajority() {
    QuorumTracker t = new QuorumTracker(0, regions(1), RegionId.of(1));
    assertEquals(1, t.majority());
    t.onLeaderDurable(42);
    assertEquals(42, t.quorumPosition());
    assertEquals(42, t.allPosition());
  }

  @Test
  void shouldNeedTwoOfThree() {
    QuorumTracker t = new QuorumTracker(3, regions(3), RegionId.of(2));
    assertEquals(2, t.majority());
    t.onLeaderDurable(100);
    assertEquals(0, t.quorumPosition(), "leader alone is not a majority of 3");
    t.onFollowerHwm(RegionId.of(3), 60);
    assertEquals(60, t.quorumPosition());
    assertEquals(0, t.allPosition());
    t.onFollowerHwm(RegionId.of(1), 80);
    assertEquals(80, t.quorumPosition());
    assertEquals(60, t.allPosition());
    t.onFollowerHwm(RegionId.of(1), 70); // stale ack: ignored
    assertEquals(80, t.quorumPosition());
  }

  @Test
  void shouldNeedThreeOfFive() {
    QuorumTracker t = new QuorumTracker(1, regions(5), RegionId.of(1));
    assertEquals(3, t.majority());
    t.onLeaderDurable(50);
    t.onFollowerHwm(RegionId.of(2), 40);
    assertEquals(0, t.quorumPosition());
    t.onFollowerHwm(RegionId.of(3), 30);
    assertEquals(30, t.quorumPosition());
    t.onFollowerHwm(RegionId.of(4), 45);
    assertEquals(40, t.quorumPosition());
    t.onFollowerHwm(RegionId.of(5), 10);
    assertEquals(40, t.quorumPosition());
    assertEquals(10, t.allPosition());
    assertEquals(50, t.position(Durability.LOCAL));
  }

  @Test
  void shouldCompleteAWaitOnceAMajorityHoldsTheRecord() {
    QuorumTracker t = new QuorumTracker(0, regions(3), RegionId.of(1));
    CompletableFuture<Void> quorum = t.whenDurable(9, Durability.QUORUM, 0, SECOND);
    CompletableFuture<Void> all = t.whenDurable(9, Durability.ALL, 0, SECOND);
    t.onLeaderDurable(10);
    t.onFollowerHwm(RegionId.of(2), 9); // record 9 not yet there
    assertFalse(quorum.isDone());
    t.onFollowerHwm(RegionId.of(2), 10);
    assertTrue(quorum.isDone());
    assertFalse(all.isDone());
    t.onFollowerHwm(RegionId.of(3), 12);
    assertTrue(all.isDone());
    assertEquals(0, t.pendingWaits());
    assertTrue(t.whenDurable(5, Durability.LOCAL, 0, 0).isDone());
  }

  @Test
  void shouldFailAWaitThatCannotBeMetAtItsDeadlineNamingTheValues() {
    QuorumTracker t = new QuorumTracker(7, regions(3), RegionId.of(1));
    t.onLeaderDurable(100);
    CompletableFuture<Void> f = t.whenDurable(99, Durability.ALL, 5 * SECOND, 2 * SECOND);
    assertEquals(0, t.expire(7 * SECOND - 1));
    assertFalse(f.isDone());
    assertEquals(1, t.expire(7 * SECOND));
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    String m = u.getMessage();
    assertTrue(m.contains("shard 7"), m);
    assertTrue(m.contains("position 99"), m);
    assertTrue(m.contains("ALL"), m);
    assertTrue(m.contains(Long.toString(2 * SECOND)), m);
  }

  @Test
  void shouldFailAWaitAddedAfterTheStepDownAtOnceSayingTheRecordMayStillBeReplicated() {
    QuorumTracker t = new QuorumTracker(4, regions(3), RegionId.of(2));
    t.onLeaderDurable(10);
    CompletableFuture<Void> before = t.whenDurable(8, Durability.QUORUM, 0, SECOND);
    assertEquals(1, t.failAll("region 3 leads epoch 6"));
    assertTrue(before.isCompletedExceptionally());
    // A writer that read the tracker before the step-down adds its wait after it: nobody expires
    // this tracker any more, so the wait must fail now rather than sit here until its timeout.
    CompletableFuture<Void> after = t.whenDurable(9, Durability.ALL, 0, SECOND);
    assertTrue(after.isDone(), "a wait added after the step-down fails at once");
    assertEquals(0, t.pendingWaits());
    ExecutionException e = assertThrows(ExecutionException.class, after::get);
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertTrue(u.mayBeStored(), "the record is in the deposed leader's log");
    assertEquals(RegionId.of(2), u.region().orElseThrow());
    String m = u.getMessage();
    assertTrue(m.contains("shard 4: position 9 not confirmed at ALL"), m);
    assertTrue(m.contains("leader region-2 stepped down (region 3 leads epoch 6)"), m);
    assertTrue(m.contains("may still be replicated"), m);
    assertTrue(t.whenDurable(5, Durability.LOCAL, 0, SECOND).isDone(), "a level already met");
    assertFalse(t.whenDurable(5, Durability.LOCAL, 0, SECOND).isCompletedExceptionally());
  }

  @Test
  void shouldRefuseUnknownRegionsAndBadConfigurations() {
    QuorumTracker t = new QuorumTracker(0, regions(3), RegionId.of(1));
    assertThrows(InvalidArgumentException.class, () -> t.onFollowerHwm(RegionId.of(9), 1));
    assertThrows(
        InvalidArgumentException.class, () -> new QuorumTracker(0, regions(3), RegionId.of(4)));
    assertThrows(
        InvalidArgumentException.class,
        () -> new QuorumTracker(0, List.of(RegionId.of(1), RegionId.of(1)), RegionId.of(1)));
  }
}
