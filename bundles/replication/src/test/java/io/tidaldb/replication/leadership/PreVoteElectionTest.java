package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.SimCluster.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.replication.leadership.SimCluster.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PreVote (Raft thesis §9.6) on the simulated network: a link cut between a healthy leader and one
 * follower, in one or both directions, or a follower cut from everyone and then let back, neither
 * raises an epoch nor deposes the leader, and a real failover is not slower than one extra round
 * trip. Each test prints its figures and seeds; run one seed with {@code -Dtidal.seed=N}.
 */
class PreVoteElectionTest {
  private static final int SEEDS = 50;
  private static final long TIMEOUT = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
  private static final long CUT = 8 * TIMEOUT; // 2 s: several election timeouts

  /** Which links of one follower are cut: to the leader (one or both ways), or all of them. */
  private enum Cut {
    BOTH,
    LEADER_TO_FOLLOWER,
    FOLLOWER_TO_LEADER,
    FOLLOWER_ISOLATED
  }

  @Test
  void shouldKeepTheHealthyLeaderAndItsEpochWhenItsLinkToOneFollowerIsCut() {
    List<String> failures = new ArrayList<>();
    for (Cut cut : Cut.values()) {
      long[] seeds = SimCluster.seeds("PreVoteElectionTest", SEEDS);
      long leaderlessNanos = 0;
      long epochsRaised = 0;
      long deposed = 0;
      for (long seed : seeds) {
        SimCluster cluster = new SimCluster(seed, 3);
        cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
        cluster.runFor(cluster.random.nextLong(100 * MS));
        Node leader = cluster.singleLeader().orElseThrow();
        Node follower = cluster.nodes.stream().filter(n -> n != leader).findFirst().orElseThrow();
        long epoch = leader.epoch();
        switch (cut) {
          case BOTH -> cluster.cutBoth(leader.id, follower.id);
          case LEADER_TO_FOLLOWER -> cluster.cut(leader.id, follower.id);
          case FOLLOWER_TO_LEADER -> cluster.cut(follower.id, leader.id);
          case FOLLOWER_ISOLATED -> cluster.isolated.add(follower.id);
        }
        long end = cluster.now + CUT;
        boolean lost = false;
        while (cluster.now < end) {
          cluster.tick();
          if (cluster.leaders().stream().noneMatch(n -> n.sm.isLeader(cluster.now))) {
            leaderlessNanos += cluster.stepNanos;
          }
          lost |= !leader.sm.isLeader(cluster.now);
        }
        cluster.cutLinks.clear();
        cluster.isolated.clear();
        cluster.runUntil(cluster::settled, 1_000 * MS, "settled after the heal");
        long highest = cluster.nodes.stream().mapToLong(Node::epoch).max().orElseThrow();
        epochsRaised += highest - epoch;
        lost |= cluster.singleLeader().orElseThrow() != leader;
        deposed += lost ? 1 : 0;
      }
      System.out.printf(
          "PreVoteElectionTest %s cut of %d ms over %d seeds: leaderless %.1f %% of the cut,"
              + " epochs raised %d, leader deposed in %d seeds%n",
          cut,
          CUT / MS,
          seeds.length,
          100.0 * leaderlessNanos / (CUT * seeds.length),
          epochsRaised,
          deposed);
      if (epochsRaised != 0 || deposed != 0 || leaderlessNanos != 0) {
        failures.add(cut + ": " + epochsRaised + " epochs raised, deposed in " + deposed);
      }
    }
    assertEquals(List.of(), failures, "no epoch change and the same leader throughout");
  }

  @Test
  void shouldStillFailOverWithinTheElectionTimeoutPlusJitterAndAFewRoundTrips() {
    long[] seeds = SimCluster.seeds("PreVoteElectionTest", SEEDS);
    long[] took = new long[seeds.length];
    long bound = TIMEOUT + TIMEOUT / 2 + 5 * MS; // timeout + jitter, then 2 round trips + heartbeat
    for (int i = 0; i < seeds.length; i++) {
      SimCluster cluster = new SimCluster(seeds[i], 3);
      cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
      cluster.runFor(cluster.random.nextLong(100 * MS));
      Node old = cluster.singleLeader().orElseThrow();
      long oldEpoch = old.epoch();

      old.up = false; // a crash: nothing more is sent or answered
      took[i] = cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");

      Node leader = cluster.singleLeader().orElseThrow();
      assertNotEquals(old.id, leader.id, "seed " + seeds[i]);
      assertEquals(oldEpoch + 1, leader.epoch(), "seed " + seeds[i] + ": one election");
      assertTrue(took[i] <= bound, "seed " + seeds[i] + ": failover took " + took[i] / MS + " ms");
    }
    Arrays.sort(took);
    System.out.printf(
        "PreVoteElectionTest failover over %d seeds: p50 %d ms, max %d ms (bound %d ms)%n",
        seeds.length, took[took.length / 2] / MS, took[took.length - 1] / MS, bound / MS);
  }

  @Test
  void shouldRunTheFirstSurvivorFromTheStartOfTheJitterRangeAfterALeaderCrash() {
    long[] seeds = SimCluster.seeds("PreVoteElectionTest", SEEDS);
    long[] took = new long[seeds.length];
    long slot = TIMEOUT / 2 / 3; // the jitter range is cut into one slot per region
    long bound = TIMEOUT + slot / 2 + 10 * MS; // the first half of slot 0, then round trips
    for (int i = 0; i < seeds.length; i++) {
      SimCluster cluster = new SimCluster(seeds[i], 3);
      cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
      cluster.runFor(cluster.random.nextLong(100 * MS));
      Node old = cluster.singleLeader().orElseThrow(); // the preferred region, in slot 0 before
      old.up = false;
      took[i] = cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");
      Node next = cluster.nodes.get((cluster.nodes.indexOf(old) + 1) % 3);
      assertEquals(next, cluster.singleLeader().orElseThrow(), "seed " + seeds[i]);
      assertTrue(took[i] <= bound, "seed " + seeds[i] + ": failover took " + took[i] / MS + " ms");
    }
    Arrays.sort(took);
    System.out.printf(
        "PreVoteElectionTest failover from slot 0 over %d seeds: p50 %d ms, max %d ms (bound %d"
            + " ms)%n",
        seeds.length, took[took.length / 2] / MS, took[took.length - 1] / MS, bound / MS);
  }

  @Test
  void shouldElectInOneRoundWhenTheSurvivorsRunWithinARoundTripOfEachOther() {
    long[] seeds = SimCluster.seeds("PreVoteElectionTest", SEEDS);
    int rounds = 0;
    for (long seed : seeds) {
      SimCluster cluster = new SimCluster(seed, 3);
      cluster.minDelayNanos = 30 * MS; // longer than the gap between the survivors' slots;
      cluster.maxDelayNanos = 30 * MS; // constant, so each link is FIFO like the transport
      cluster.runUntil(cluster::settled, 2_000 * MS, "settled");
      cluster.runFor(cluster.random.nextLong(100 * MS));
      Node old = cluster.singleLeader().orElseThrow();
      long oldEpoch = old.epoch();
      old.up = false;
      cluster.runUntil(cluster::settled, 3_000 * MS, "failed over");
      long epoch = cluster.singleLeader().orElseThrow().epoch();
      rounds += (int) (epoch - oldEpoch);
      assertEquals(oldEpoch + 1, epoch, "seed " + seed + ": one election, no split vote");
    }
    System.out.printf(
        "PreVoteElectionTest 30 ms links: %d elections for %d failovers%n", rounds, seeds.length);
  }
}
