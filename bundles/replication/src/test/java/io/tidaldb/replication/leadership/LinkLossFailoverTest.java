package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.SimCluster.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.replication.leadership.SimCluster.Node;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Failover on a lost link (issue 14) on the simulated network (1 ms per hop unless said, a manual
 * clock, links reported as a transport that knows them): when the leader crashes its links go down
 * and a follower runs at once, so the next region leads well within one election timeout; when only
 * one follower's link to a live leader drops, the other follower still hears the leader and refuses
 * the pre-vote, so nobody is deposed and no epoch changes. Each test prints its figures and seeds;
 * run one seed with {@code -Dtidal.seed=N}.
 */
class LinkLossFailoverTest {
  private static final int SEEDS = 50;
  private static final long TIMEOUT = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;

  @Test
  void shouldElectTheNextRegionWithinTenMillisecondsWhenTheCrashedLeadersLinksGoDown() {
    long[] seeds = SimCluster.seeds("LinkLossFailoverTest", SEEDS);
    long[] took = new long[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      SimCluster cluster = SimCluster.settledThree(seeds[i], true);
      Node old = cluster.singleLeader().orElseThrow();
      long epoch = old.epoch();

      old.up = false; // a crash: its kernel closes its connections, both followers see it
      took[i] = cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");

      Node next = cluster.nodes.get((cluster.nodes.indexOf(old) + 1) % 3);
      assertEquals(next, cluster.singleLeader().orElseThrow(), "seed " + seeds[i]);
      assertEquals(epoch + 1, next.epoch(), "seed " + seeds[i] + ": one election");
      assertTrue(took[i] <= 10 * MS, "seed " + seeds[i] + ": took " + took[i] / MS + " ms");
      assertEquals(1, next.sm.counters().leaderLinksLost(), "seed " + seeds[i]);
    }
    print("crash, 1 ms links", took);
  }

  @Test
  void shouldElectInOneRoundWhenLinksAreSlowerThanTheGapBetweenTheSlots() {
    long[] seeds = SimCluster.seeds("LinkLossFailoverTest", SEEDS);
    long[] took = new long[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      SimCluster cluster = new SimCluster(seeds[i], 3);
      cluster.linksReported = true;
      cluster.minDelayNanos = 30 * MS; // 3 slots of 10 ms: the two survivors' requests cross;
      cluster.maxDelayNanos = 30 * MS; // constant, so each link is FIFO like the transport
      cluster.runUntil(cluster::settled, 2_000 * MS, "settled");
      cluster.runFor(cluster.random.nextLong(100 * MS));
      Node old = cluster.singleLeader().orElseThrow();
      long epoch = old.epoch();

      old.up = false;
      took[i] = cluster.runUntil(cluster::settled, 3_000 * MS, "failed over");

      long now = cluster.singleLeader().orElseThrow().epoch();
      assertEquals(epoch + 1, now, "seed " + seeds[i] + ": one election, no split vote");
      assertTrue(took[i] < TIMEOUT, "seed " + seeds[i] + ": took " + took[i] / MS + " ms");
    }
    print("crash, 30 ms links", took);
  }

  @Test
  void shouldKeepTheLeaderAndItsEpochWhenOneFollowersLinkToItDrops() {
    long[] seeds = SimCluster.seeds("LinkLossFailoverTest", SEEDS);
    for (long seed : seeds) {
      for (int which = 0; which < 2; which++) {
        SimCluster cluster = SimCluster.settledThree(seed, true);
        Node leader = cluster.singleLeader().orElseThrow();
        Node dropped = cluster.other(leader, which);
        Node bridge = cluster.other(leader, 1 - which);
        long epoch = leader.epoch();
        long refusedBefore = bridge.sm.counters().rejected(RejectCause.LEADER_ALIVE);

        cluster.cutBoth(leader.id, dropped.id); // its connection reset; the leader lives
        long end = cluster.now + 8 * TIMEOUT;
        while (cluster.now < end) {
          cluster.tick();
          assertTrue(
              leader.sm.isLeader(cluster.now),
              "seed " + seed + ", dropped " + dropped.id + ": leader deposed at " + cluster.now);
        }
        String at = "seed " + seed + ", dropped " + dropped.id;
        assertEquals(1, dropped.sm.counters().leaderLinksLost(), at + ": ran at once, once");
        assertTrue(
            bridge.sm.counters().rejected(RejectCause.LEADER_ALIVE) > refusedBefore,
            at + ": the bridge refused the pre-vote");
        assertEquals(epoch, maxEpoch(cluster), at + ": no epoch change");

        cluster.cutLinks.clear(); // reconnected: it follows the same leader again
        cluster.runUntil(cluster::settled, 1_000 * MS, "settled after the reconnect");
        assertEquals(leader, cluster.singleLeader().orElseThrow(), at);
        assertEquals(epoch, maxEpoch(cluster), at + ": no epoch change after the reconnect");
      }
    }
  }

  @Test
  void shouldRunAgainOnTheNextDropOnlyOnceTheLinkWasSeenUpAgain() {
    for (long seed : SimCluster.seeds("LinkLossFailoverTest", SEEDS)) {
      SimCluster cluster = SimCluster.settledThree(seed, true);
      Node leader = cluster.singleLeader().orElseThrow();
      Node follower = cluster.other(leader, 0);
      long epoch = leader.epoch();
      for (int drop = 1; drop <= 3; drop++) {
        cluster.cutBoth(leader.id, follower.id);
        cluster.runFor(3 * TIMEOUT); // down for several timeouts: it fires once per drop
        assertEquals(drop, follower.sm.counters().leaderLinksLost(), "seed " + seed);
        cluster.cutLinks.clear();
        cluster.runUntil(cluster::settled, 1_000 * MS, "settled after the reconnect");
        cluster.runFor(TIMEOUT);
      }
      assertEquals(epoch, maxEpoch(cluster), "seed " + seed + ": no epoch change");
    }
  }

  @Test
  void shouldNotRunAgainWhileItFollowsTheSameLeaderOverALinkReportedDown() {
    for (long seed : SimCluster.seeds("LinkLossFailoverTest", SEEDS)) {
      SimCluster cluster = SimCluster.settledThree(seed, true);
      Node leader = cluster.singleLeader().orElseThrow();
      Node follower = cluster.other(leader, 1);
      long epoch = leader.epoch();

      cluster.cut(follower.id, leader.id); // it still hears the leader; its link is reported down
      cluster.runFor(8 * TIMEOUT);

      String at = "seed " + seed;
      assertEquals(1, follower.sm.counters().leaderLinksLost(), at + ": once, not every round");
      assertEquals(epoch, maxEpoch(cluster), at + ": no epoch change");
      assertTrue(leader.sm.isLeader(cluster.now), at);
      assertEquals(leader.id, follower.sm.leader().orElseThrow(), at + ": it follows again");
    }
  }

  @Test
  void shouldStepDownAtOnceWhenItsLinksToAMajorityGoDownWhileTheOthersElect() {
    long[] seeds = SimCluster.seeds("LinkLossFailoverTest", SEEDS);
    long[] took = new long[seeds.length];
    for (int i = 0; i < seeds.length; i++) {
      SimCluster cluster = SimCluster.settledThree(seeds[i], true);
      Node old = cluster.singleLeader().orElseThrow();
      long epoch = old.epoch();

      cluster.isolated.add(old.id); // alive, but every connection of it reset
      cluster.tick();
      assertTrue(!old.sm.isLeader(cluster.now), "seed " + seeds[i] + ": stepped down at once");
      took[i] =
          cluster.runUntil(
              () -> cluster.leaders().stream().anyMatch(n -> n != old), 1_000 * MS, "elected");
      assertEquals(epoch + 1, maxEpoch(cluster), "seed " + seeds[i] + ": one election");
      assertTrue(!old.sm.isLeader(cluster.now), "seed " + seeds[i]);

      cluster.isolated.clear();
      cluster.runUntil(cluster::settled, 1_000 * MS, "settled after the heal");
      assertEquals(epoch + 1, maxEpoch(cluster), "seed " + seeds[i] + ": and no later election");
    }
    print("isolated leader, others elect", took);
  }

  private static long maxEpoch(SimCluster cluster) {
    return cluster.nodes.stream().mapToLong(Node::epoch).max().orElseThrow();
  }

  private static void print(String what, long[] took) {
    long[] sorted = took.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "LinkLossFailoverTest %s over %d seeds: p50 %d ms, max %d ms%n",
        what, sorted.length, sorted[sorted.length / 2] / MS, sorted[sorted.length - 1] / MS);
  }
}
