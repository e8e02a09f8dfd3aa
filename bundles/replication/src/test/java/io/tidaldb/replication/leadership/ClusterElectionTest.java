package io.tidaldb.replication.leadership;

import static io.tidaldb.replication.leadership.SimCluster.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.leadership.SimCluster.Node;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Three regions on the simulated network: election, failover, deposed leaders, partitions. */
class ClusterElectionTest {
  private static final int SEEDS = 50;

  @Test
  void shouldElectExactlyOneLeaderFromColdStartAndKeepItWithHeartbeats() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      long took = cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
      assertTrue(took < 500 * MS, "seed " + seed + ": cold start took " + took / MS + " ms");
      Node leader = cluster.singleLeader().orElseThrow();
      long epoch = leader.epoch();
      long elections = totalElections(cluster);

      cluster.runFor(5_000 * MS);

      assertTrue(cluster.settled(), "seed " + seed);
      assertEquals(leader.id, cluster.singleLeader().orElseThrow().id, "seed " + seed);
      assertEquals(epoch, leader.epoch(), "seed " + seed);
      assertEquals(elections, totalElections(cluster), "seed " + seed + ": no new election");
    }
  }

  @Test
  void shouldLetThePreferredRegionWinTheColdStartEvenWhenItStartsLast() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      Node preferred = cluster.node(0); // the first of the configured regions
      preferred.up = false;
      cluster.runFor(400 * MS); // past the others' election timeouts (200 ms + jitter)
      preferred.up = true;

      cluster.runUntil(cluster::settled, 1_000 * MS, "settled");

      assertEquals(preferred.id, cluster.singleLeader().orElseThrow().id, "seed " + seed);
      assertEquals(1, preferred.epoch(), "seed " + seed + ": one election");
    }
  }

  @Test
  void shouldElectAnotherRegionAfterTheGraceWhenThePreferredOneIsDownAtColdStart() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      cluster.node(0).up = false;

      long took = cluster.runUntil(cluster::settled, 2_000 * MS, "settled without region 1");

      assertTrue(took >= LeadershipConfig.COLD_START_GRACE_TIMEOUTS * timeout, "held: " + took);
      assertTrue(took < 1_000 * MS, "seed " + seed + ": took " + took / MS + " ms");
      assertNotEquals(cluster.node(0).id, cluster.singleLeader().orElseThrow().id);
    }
  }

  @Test
  void shouldElectNewLeaderWithHigherEpochWithinHalfASecondWhenLeaderFails() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
      cluster.runFor(100 * MS);
      Node old = cluster.singleLeader().orElseThrow();
      long oldEpoch = old.epoch();

      old.up = false;
      long took = cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");

      Node leader = cluster.singleLeader().orElseThrow();
      assertNotEquals(old.id, leader.id);
      assertTrue(leader.epoch() > oldEpoch, "seed " + seed + ": epoch " + leader.epoch());
      assertTrue(took < 500 * MS, "seed " + seed + ": failover took " + took / MS + " ms");
    }
  }

  @Test
  void shouldElectTheMostUpToDateSurvivor() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
      Node old = cluster.singleLeader().orElseThrow();
      long epoch = old.epoch();
      Node[] survivors = cluster.nodes.stream().filter(n -> n != old).toArray(Node[]::new);
      // The first survivor has the earlier jitter slot and so times out first, but is behind.
      survivors[0].log.lastEpoch = epoch;
      survivors[0].log.hwm = 90;
      survivors[1].log.lastEpoch = epoch;
      survivors[1].log.hwm = 100;
      long electionsBefore = survivors[0].sm.counters().electionsStarted();
      long preVotesBefore = survivors[0].sm.counters().preVotesSent();

      old.up = false;
      cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");

      assertEquals(survivors[1].id, cluster.singleLeader().orElseThrow().id, "seed " + seed);
      assertTrue(survivors[0].sm.counters().preVotesSent() > preVotesBefore, "seed " + seed);
      // PreVote: the survivor behind cannot win, so it raises no epoch and runs no election.
      assertEquals(electionsBefore, survivors[0].sm.counters().electionsStarted(), "seed " + seed);
      assertEquals(epoch + 1, cluster.singleLeader().orElseThrow().epoch(), "seed " + seed);
      assertTrue(survivors[1].sm.counters().rejected(RejectCause.CANDIDATE_BEHIND) > 0);
    }
  }

  @Test
  void shouldNeverElectRegionWhoseLastEpochIsBehindEvenWithHigherHwm() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      cluster.node(0).log.lastEpoch = 1;
      cluster.node(0).log.hwm = 1_000;
      cluster.node(1).log.lastEpoch = 2;
      cluster.node(1).log.hwm = 10;
      cluster.node(2).log.lastEpoch = 2;
      cluster.node(2).log.hwm = 10;

      cluster.runUntil(cluster::settled, 2_000 * MS, "settled");

      assertNotEquals(RegionId.of(1), cluster.singleLeader().orElseThrow().id, "seed " + seed);
      assertTrue(cluster.leaderOfEpoch.values().stream().noneMatch(RegionId.of(1)::equals));
    }
  }

  @Test
  void shouldFenceDeposedLeaderThatComesBackAndLetItFollowTheNewOne() {
    long seed = SimCluster.seedFromProperty(7);
    System.out.println("seed " + seed);
    SimCluster cluster = new SimCluster(seed, 3);
    cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
    Node old = cluster.singleLeader().orElseThrow();
    long oldEpoch = old.epoch();
    old.up = false; // paused: its state is frozen as LEADER of oldEpoch
    cluster.runUntil(cluster::settled, 2_000 * MS, "failed over");
    Node leader = cluster.singleLeader().orElseThrow();
    assertFalse(old.sm.isLeader(cluster.now), "a paused leader's lease has run out");

    // The old leader's heartbeat, sent just before the pause, arrives late at the new leader.
    leader.sm.onHeartbeat(old.id, oldEpoch, 0, cluster.now, cluster.now);
    assertEquals(1, leader.sm.counters().rejected(RejectCause.STALE_HEARTBEAT));
    assertEquals(LeadershipState.LEADER, leader.state());
    old.up = true; // the answer (an ack with the new epoch) reaches it first
    cluster.tick();

    assertEquals(LeadershipState.FOLLOWER, old.state());
    assertEquals(leader.epoch(), old.epoch());
    assertEquals(0, old.sm.counters().leasesLost(), "stepped down on the higher epoch");
    cluster.runUntil(cluster::settled, 500 * MS, "old leader follows");
    assertEquals(Optional.of(leader.id), old.sm.leader());
    for (RejectCause cause : RejectCause.values()) {
      assertEquals(
          0, old.sm.counters().rejected(cause), "rejected nothing it should accept: " + cause);
    }
    assertEquals(leader.id, cluster.singleLeader().orElseThrow().id);
  }

  @Test
  void shouldStepDownIsolatedLeaderAfterLeaseAndElectOnMajoritySide() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      SimCluster cluster = new SimCluster(seed, 3);
      cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
      cluster.runFor(77 * MS);
      Node old = cluster.singleLeader().orElseThrow();
      long oldEpoch = old.epoch();
      long cut = cluster.now;

      cluster.isolated.add(old.id);
      cluster.runUntil(
          () -> cluster.nodes.stream().anyMatch(n -> n != old && n.sm.isLeader(cluster.now)),
          1_000 * MS,
          "majority side elected");

      assertFalse(old.sm.isLeader(cluster.now), "seed " + seed + ": leases overlap");
      assertTrue(cluster.now - cut < 500 * MS, "seed " + seed);
      cluster.runFor(LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS);
      assertNotEquals(LeadershipState.LEADER, old.state(), "seed " + seed);
      assertEquals(1, old.sm.counters().leasesLost(), "seed " + seed);
      Node majorityLeader =
          cluster.nodes.stream().filter(n -> n.sm.isLeader(cluster.now)).findFirst().orElseThrow();
      assertTrue(majorityLeader.epoch() > oldEpoch);

      cluster.isolated.clear();
      cluster.runFor(200 * MS);
      cluster.runUntil(cluster::settled, 2_000 * MS, "healed");
      assertEquals(1, cluster.leaders().size(), "seed " + seed);
    }
  }

  private static long totalElections(SimCluster cluster) {
    return cluster.nodes.stream().mapToLong(n -> n.sm.counters().electionsStarted()).sum();
  }
}
