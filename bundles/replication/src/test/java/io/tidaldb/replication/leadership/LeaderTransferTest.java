package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.SimCluster.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.replication.leadership.SimCluster.Node;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Leadership transfer (TimeoutNow, Raft thesis §3.10) on the simulated network (1 ms per hop, a
 * manual clock): a planned transfer on an idle cluster, a target that is down, a target that lags,
 * refused TIMEOUT_NOWs, and the return to the preferred region after a failover. Each test prints
 * its figures and seeds; run one seed with {@code -Dtidal.seed=N}.
 */
class LeaderTransferTest {
  private static final int SEEDS = 50;
  private static final long TIMEOUT = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;

  @Test
  void shouldTransferWithinTwentyMillisecondsAndOneEpochStepOnAnIdleCluster() {
    long[] seeds = SimCluster.seeds("LeaderTransferTest", SEEDS);
    long[] took = new long[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      SimCluster cluster = SimCluster.settledThree(seeds[i], false);
      Node leader = cluster.singleLeader().orElseThrow();
      Node target = cluster.other(leader, (int) (seeds[i] % 2));
      long epoch = leader.epoch();
      long preVotes = target.sm.counters().preVotesSent();

      assertNull(leader.sm.transferTo(target.id, cluster.now), "seed " + seeds[i]);
      assertTrue(leader.sm.transferring(), "seed " + seeds[i] + ": no new writes meanwhile");
      took[i] = cluster.runUntil(() -> ledBy(cluster, target), 1_000 * MS, "transferred");

      assertEquals(epoch + 1, target.epoch(), "seed " + seeds[i] + ": exactly one epoch step");
      assertEquals(1, target.sm.counters().timeoutNowsTaken(), "seed " + seeds[i]);
      assertEquals(
          preVotes, target.sm.counters().preVotesSent(), "seed " + seeds[i] + ": no pre-vote");
      assertEquals(1, leader.sm.counters().transfersCompleted(), "seed " + seeds[i]);
      assertTrue(took[i] <= 20 * MS, "seed " + seeds[i] + ": took " + took[i] / MS + " ms");
      cluster.runFor(2 * TIMEOUT);
      assertEquals(epoch + 1, maxEpoch(cluster), "seed " + seeds[i] + ": and no later election");
      assertEquals(target, cluster.singleLeader().orElseThrow(), "seed " + seeds[i]);
    }
    Arrays.sort(took);
    System.out.printf(
        "LeaderTransferTest planned transfer over %d seeds (1 ms per hop): p50 %d ms, max %d ms%n",
        seeds.length, took[took.length / 2] / MS, took[took.length - 1] / MS);
  }

  @Test
  void shouldGiveUpAtTheDeadlineAndKeepLeadingWhenTheTargetIsDown() {
    for (long seed : SimCluster.seeds("LeaderTransferTest", SEEDS)) {
      SimCluster cluster = SimCluster.settledThree(seed, false);
      Node leader = cluster.singleLeader().orElseThrow();
      Node target = cluster.other(leader, 0);
      long epoch = leader.epoch();
      target.up = false;

      assertNull(leader.sm.transferTo(target.id, cluster.now));
      cluster.runUntil(() -> !leader.sm.transferring(), TIMEOUT + 5 * MS, "given up");

      assertEquals(1, leader.sm.counters().transfersFailed(), "seed " + seed + ": counted");
      assertEquals(0, leader.sm.counters().transfersCompleted(), "seed " + seed);
      cluster.runFor(2 * TIMEOUT);
      assertTrue(leader.sm.isLeader(cluster.now), "seed " + seed + ": still leading");
      assertEquals(epoch, maxEpoch(cluster), "seed " + seed + ": no epoch change");
    }
  }

  @Test
  void shouldWaitForALaggingTargetToCatchUpBeforeAskingItToRun() {
    for (long seed : SimCluster.seeds("LeaderTransferTest", SEEDS)) {
      SimCluster cluster = SimCluster.settledThree(seed, false);
      Node leader = cluster.singleLeader().orElseThrow();
      Node target = cluster.other(leader, 1);
      long epoch = leader.epoch();
      for (Node n : cluster.nodes) {
        n.log.lastEpoch = epoch;
        n.log.hwm = n == target ? 60 : 100; // the target lags 40 records behind
      }

      assertNull(leader.sm.transferTo(target.id, cluster.now));
      cluster.runFor(40 * MS);
      assertEquals(0, target.sm.counters().timeoutNowsTaken(), "seed " + seed + ": not yet");
      assertTrue(leader.sm.isLeader(cluster.now) && leader.sm.transferring(), "seed " + seed);

      target.log.hwm = 100; // caught up: the next heartbeat ack says so
      cluster.runUntil(() -> ledBy(cluster, target), TIMEOUT, "transferred after the catch-up");
      assertEquals(epoch + 1, target.epoch(), "seed " + seed);
      assertEquals(1, leader.sm.counters().transfersCompleted(), "seed " + seed);
    }
  }

  @Test
  void shouldSendTheTimeoutNowAgainWhenTheFirstIsLost() {
    for (long seed : SimCluster.seeds("LeaderTransferTest", SEEDS)) {
      SimCluster cluster = SimCluster.settledThree(seed, false);
      Node leader = cluster.singleLeader().orElseThrow();
      Node target = cluster.other(leader, 0);
      long epoch = leader.epoch();
      cluster.cut(leader.id, target.id); // the first TIMEOUT_NOW is lost

      assertNull(leader.sm.transferTo(target.id, cluster.now));
      cluster.runFor(10 * MS);
      cluster.cutLinks.clear();
      long took =
          cluster.runUntil(() -> ledBy(cluster, target), TIMEOUT, "transferred after the loss");

      assertEquals(epoch + 1, target.epoch(), "seed " + seed);
      assertTrue(took <= 60 * MS, "seed " + seed + ": took " + took / MS + " ms after the heal");
    }
  }

  @Test
  void shouldRefuseATimeoutNowNotFromTheLeaderOfTheCurrentEpochOrBeyondTheLog() {
    SimCluster cluster =
        SimCluster.settledThree(SimCluster.seeds("LeaderTransferTest", SEEDS)[0], false);
    Node leader = cluster.singleLeader().orElseThrow();
    Node a = cluster.other(leader, 0);
    Node b = cluster.other(leader, 1);
    long epoch = leader.epoch();

    a.sm.onTimeoutNow(b.id, epoch, 0, cluster.now); // not its leader
    a.sm.onTimeoutNow(leader.id, epoch - 1, 0, cluster.now); // stale epoch
    a.sm.onTimeoutNow(leader.id, epoch, 1, cluster.now); // its log does not hold the end
    leader.sm.onTimeoutNow(a.id, epoch, 0, cluster.now); // the leader itself

    assertEquals(3, a.sm.counters().rejected(RejectCause.TIMEOUT_NOW_REFUSED));
    assertEquals(1, leader.sm.counters().rejected(RejectCause.TIMEOUT_NOW_REFUSED));
    cluster.runFor(2 * TIMEOUT);
    assertEquals(epoch, maxEpoch(cluster), "no election started");
    assertEquals(leader, cluster.singleLeader().orElseThrow());
  }

  @Test
  void shouldHandLeadershipBackToThePreferredRegionOnceAfterItCaughtUp() {
    long[] seeds = SimCluster.seeds("LeaderTransferTest", SEEDS);
    long[] backAfter = new long[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      long seed = seeds[i];
      SimCluster cluster = SimCluster.settledThree(seed, false);
      cluster.nodes.forEach(n -> n.sm.setReturnToPreferred(true));
      Node preferred = cluster.node(0);
      assertEquals(
          preferred, cluster.singleLeader().orElseThrow(), "seed " + seed + ": cold start");

      preferred.up = false; // a crash
      cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");
      Node interim = cluster.singleLeader().orElseThrow();
      long failoverEpoch = interim.epoch();
      for (Node n : cluster.nodes) {
        n.log.lastEpoch = failoverEpoch;
        n.log.hwm = n == preferred ? 10 : 50; // written while it was down
      }

      preferred.up = true; // restarts: a new state machine over its saved epoch and its log
      preferred.start(preferred.sm.config());
      preferred.sm.setReturnToPreferred(true);
      cluster.runFor(1_000 * MS);
      assertEquals(interim, cluster.singleLeader().orElseThrow(), "seed " + seed + ": lagging");
      assertEquals(0, interim.sm.counters().preferredReturns(), "seed " + seed);

      long caughtUp = cluster.now;
      preferred.log.hwm = 50;
      cluster.runUntil(() -> ledBy(cluster, preferred), 1_000 * MS, "back at the preferred");
      backAfter[i] = cluster.now - caughtUp;
      assertEquals(failoverEpoch + 1, preferred.epoch(), "seed " + seed + ": one epoch step");

      cluster.runFor(3_000 * MS);
      assertEquals(preferred, cluster.singleLeader().orElseThrow(), "seed " + seed + ": stays");
      assertEquals(failoverEpoch + 1, maxEpoch(cluster), "seed " + seed + ": no flapping");
      long returns =
          cluster.nodes.stream().mapToLong(n -> n.sm.counters().preferredReturns()).sum();
      assertEquals(1, returns, "seed " + seed + ": handed back once");
    }
    Arrays.sort(backAfter);
    System.out.printf(
        "LeaderTransferTest return to the preferred region over %d seeds: p50 %d ms, max %d ms"
            + " after it caught up%n",
        seeds.length, backAfter[backAfter.length / 2] / MS, backAfter[backAfter.length - 1] / MS);
  }

  /**
   * An operator's transfer away from the preferred region sticks while the target leads (it may be
   * for maintenance of the preferred region's machine); an ordinary election afterwards (the target
   * crashed) lets the next leader hand the shard back to the preferred region as usual.
   */
  @Test
  void shouldKeepAPlannedTransferAwayFromThePreferredRegionUntilTheNextFailover() {
    for (long seed : SimCluster.seeds("LeaderTransferTest", SEEDS)) {
      SimCluster cluster = SimCluster.settledThree(seed, false);
      cluster.nodes.forEach(n -> n.sm.setReturnToPreferred(true));
      Node preferred = cluster.node(0);
      assertEquals(preferred, cluster.singleLeader().orElseThrow(), "seed " + seed);
      Node target = cluster.node(1 + cluster.random.nextInt(2));

      assertNull(preferred.sm.transferTo(target.id, cluster.now));
      cluster.runUntil(() -> ledBy(cluster, target), TIMEOUT, "transferred");
      long epoch = target.epoch();
      cluster.runFor(3_000 * MS); // far beyond the preferred region's stable period
      assertEquals(target, cluster.singleLeader().orElseThrow(), "seed " + seed + ": stays");
      assertEquals(epoch, maxEpoch(cluster), "seed " + seed + ": no election");
      long returns =
          cluster.nodes.stream().mapToLong(n -> n.sm.counters().preferredReturns()).sum();
      assertEquals(0, returns, "seed " + seed + ": not handed back");

      target.up = false; // the target crashes: the next leader is elected, not transferred to
      cluster.runUntil(
          () -> ledBy(cluster, preferred), 3_000 * MS, "back at the preferred after the failover");
    }
  }

  private static boolean ledBy(SimCluster cluster, Node target) {
    return cluster.settled()
        && cluster.singleLeader().equals(Optional.of(target))
        && target.sm.isLeader(cluster.now);
  }

  private static long maxEpoch(SimCluster cluster) {
    return cluster.nodes.stream().mapToLong(Node::epoch).max().orElseThrow();
  }
}
