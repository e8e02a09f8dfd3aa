package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.reconcile.engine.ReconciliationEngine;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11's reconciliation triggers in a cluster, each without {@link
 * SimulatedCluster#reconcileAll()} after the fault: (a) periodic sessions alone converge a
 * partition of regions 0 and 2 with writes on both sides; (b) a session attempted during a cut
 * fails, is retried with back-off, and the heal is reconciled within the retry back-off, long
 * before the next periodic session; (c) periodic sessions running all the time under writes on both
 * sides of a partition count nothing twice and lose nothing. Each ends with {@link
 * SimulatedCluster#awaitStateConvergence} (states compared, never reconciled by the test) and every
 * acknowledged write counted exactly once on every region.
 */
class ReconcileTriggerScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();
  private SimulatedCluster cluster;

  @Test
  void shouldConvergeBothSidesOfAPartitionByPeriodicSessionsAlone() {
    cluster =
        clusters.build(ClusterConfig.threeRegions().withReconcileInterval(Duration.ofMillis(200)));
    Set<Integer> shards = settledShardsLedBy(R0);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitStateConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      for (int i = 0; i < 300; i++) {
        writes.writeAtLeader(shards, Durability.LOCAL);
      }
      for (int i = 0; i < 300; i++) {
        Optional<UnavailableException> failed = writes.writeAt(R2, shards, Durability.LOCAL);
        assertTrue(failed.isEmpty(), () -> "LOCAL write at cut-off " + R2 + ": " + failed);
      }
      assertEquals(2, p.held().size(), "partition held: " + p.held());
    }
    long healed = System.nanoTime();
    cluster.awaitStateConvergence(CONVERGE);
    System.out.printf(
        "periodic reconciliation (200 ms): converged %.1f ms after the heal; sessions done %s%n",
        (System.nanoTime() - healed) / 1e6, Arrays.toString(sessionsDone()));
    assertEquals(600, writes.acknowledged(), writes.toString());
    assertNull(writes.countProblem(), writes.toString());
  }

  @Test
  void shouldReconcileTheHealWithinTheRetryBackOffLongBeforeTheNextPeriodicSession() {
    Duration interval = Duration.ofSeconds(120);
    cluster = clusters.build(ClusterConfig.threeRegions().withReconcileInterval(interval));
    Set<Integer> shards = settledShardsLedBy(R0);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    ReconciliationEngine isolated = cluster.reconciler(R2).engine();
    long failedBefore = isolated.sessionsFailed();
    long doneBefore = isolated.sessionsDone();
    try (NetworkPartition p = cluster.partition(Set.of(R2), Set.of(R0, R1))) {
      for (int i = 0; i < 200; i++) {
        writes.writeAtLeader(shards, Durability.QUORUM);
        Optional<UnavailableException> failed = writes.writeAt(R2, shards, Durability.LOCAL);
        assertTrue(failed.isEmpty(), () -> "LOCAL write at cut-off " + R2 + ": " + failed);
      }
      cluster.reconciler(R2).reconcileAll(); // fails at once: both peers unreachable
      Deadline retried = Deadline.after(CONVERGE);
      while (isolated.sessionsFailed() - failedBefore < 6) {
        assertTrue(!retried.expired(), "sessions failed: " + isolated.sessionsFailed());
        retried.park();
      }
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    long healed = System.nanoTime();
    cluster.awaitStateConvergence(CONVERGE);
    Duration took = Duration.ofNanos(System.nanoTime() - healed);
    // the states are equal once the peers merged what region 2 sent; its session counts as done
    // only when their last answer reaches it, a moment later
    Deadline done = Deadline.after(CONVERGE);
    while (isolated.sessionsDone() == doneBefore && !done.expired()) {
      done.park();
    }
    System.out.printf(
        "heal reconciled %d ms after the link came back (periodic interval %d s); %s failed"
            + " sessions at %s during the cut, %d done since%n",
        took.toMillis(),
        interval.toSeconds(),
        isolated.sessionsFailed() - failedBefore,
        R2,
        isolated.sessionsDone() - doneBefore);
    assertTrue(isolated.sessionsDone() > doneBefore, "no session of " + R2 + " completed");
    assertTrue(
        took.compareTo(Duration.ofSeconds(20)) < 0,
        "heal reconciled only after " + took + " (retries back off to 5 s)");
    assertEquals(400, writes.acknowledged(), writes.toString());
    assertNull(writes.countProblem(), writes.toString());
  }

  @Test
  void shouldCountNothingTwiceWhilePeriodicSessionsRunUnderWritesOnBothSidesOfAPartition() {
    cluster =
        clusters.build(ClusterConfig.threeRegions().withReconcileInterval(Duration.ofMillis(10)));
    Set<Integer> shards = settledShardsLedBy(R0);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitStateConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    long[] before = sessionsDone();
    for (int i = 0; i < 200; i++) {
      writes.writeAtLeader(shards, Durability.LOCAL);
      writes.writeAt(R2, shards, Durability.LOCAL);
    }
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      for (int i = 0; i < 300; i++) {
        writes.writeAtLeader(shards, Durability.LOCAL);
        Optional<UnavailableException> failed = writes.writeAt(R2, shards, Durability.LOCAL);
        assertTrue(failed.isEmpty(), () -> "LOCAL write at cut-off " + R2 + ": " + failed);
        writes.writeAt(R1, shards, Durability.QUORUM);
      }
      assertEquals(2, p.held().size(), "partition held: " + p.held());
    }
    for (int i = 0; i < 200; i++) {
      writes.writeAtLeader(shards, Durability.QUORUM);
      writes.writeAt(R2, shards, Durability.LOCAL);
    }
    long[] during = sessionsDone();
    cluster.awaitStateConvergence(CONVERGE);
    System.out.printf(
        "periodic reconciliation (10 ms) under writes: sessions done %s -> %s; %s%n",
        Arrays.toString(before), Arrays.toString(during), writes);
    for (int r = 0; r < before.length; r++) {
      assertTrue(during[r] - before[r] >= 10, "few sessions ran during the writes at region " + r);
    }
    // a leader write may fail if a loaded machine starves a heartbeat into an election (each
    // failure says whether it may be stored, and countProblem holds it to that); the claim here is
    // that sessions running all the time count nothing twice, so nearly all must be acknowledged
    assertTrue(writes.failed() <= 20, "more failures than a leadership change explains: " + writes);
    assertNull(writes.countProblem(), writes.toString());
  }

  private long[] sessionsDone() {
    long[] done = new long[cluster.regions().size()];
    for (int r = 0; r < done.length; r++) {
      done[r] = cluster.reconciler(cluster.regions().get(r)).engine().sessionsDone();
    }
    return done;
  }

  private Set<Integer> settledShardsLedBy(RegionId region) {
    return PreferredLeaders.shardsLedBy(cluster, region, ELECTION);
  }
}
