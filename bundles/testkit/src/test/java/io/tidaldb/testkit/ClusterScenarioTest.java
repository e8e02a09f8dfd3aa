package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three regions over the in-process transport: elections, QUORUM writes read back everywhere,
 * replication latency, failover after a leader crash with restart, and a healed partition. Every
 * wait has a deadline; the expected counts are kept by the test from the acknowledged writes.
 */
class ClusterScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(5);
  private static final Duration CONVERGE = Duration.ofSeconds(20);
  private static final Duration FAILOVER = Duration.ofSeconds(10);
  private static final List<String> TYPES = List.of("click", "view");
  private static final int ENTITIES = 20;

  private SimulatedCluster cluster;

  /** (type, entity) -> {count, weight sum} of every acknowledged write. */
  private final Map<String, double[]> expected = new TreeMap<>();

  private int written;

  @BeforeEach
  void start() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void shouldElectALeaderForEveryShardWithinFiveSeconds() {
    Duration took = cluster.awaitLeader(ELECTION);
    System.out.println(
        "testkit figures: election of 4 shards over 3 regions " + took.toMillis() + " ms");
    assertTrue(cluster.hasLeader());
    for (int shard = 0; shard < cluster.config().shards(); shard++) {
      RegionId leader = cluster.leaderOf(ShardId.of(shard));
      assertTrue(cluster.regions().contains(leader), leader.toString());
    }
  }

  @Test
  void shouldReadBackEveryQuorumWriteOnEveryRegion() {
    settle();
    writeMany(1_000);
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      assertReadsMatch(region);
    }
  }

  @Test
  void shouldReportAPositiveReplicationLatency() {
    settle();
    long since = cluster.nanoTime();
    SignalAck ack = cluster.writeSignal("click", 7, 1.0);
    RegionId leader = cluster.leaderOf(ack.shard());
    for (RegionId region : cluster.regions()) {
      long latency = cluster.awaitEventApplied(region, since, CONVERGE);
      assertTrue(latency > 0, region + ": " + latency);
      if (!region.equals(leader)) {
        System.out.println(
            "testkit figures: write to applied on follower "
                + region
                + " "
                + latency / 1_000
                + " us");
      }
    }
  }

  @Test
  void shouldFailOverWhenShardZerosLeaderCrashesAndCatchUpAfterRestart() {
    settle();
    writeMany(300);
    cluster.awaitFullConvergence(CONVERGE);
    ShardId shard = ShardId.of(0);
    RegionId crashed = cluster.leaderOf(shard);

    Duration failover = ShardCrash.crashAndAwaitFailover(shard, cluster);
    System.out.println("testkit figures: failover of shard 0 " + failover.toMillis() + " ms");
    assertTrue(failover.compareTo(FAILOVER) < 0, failover.toString());
    assertFalse(cluster.node(crashed).isRunning());
    assertNotEquals(crashed, cluster.leaderOf(shard));

    writeMany(300);
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      if (!region.equals(crashed)) {
        assertReadsMatch(region);
      }
    }

    cluster.restart(crashed);
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      assertReadsMatch(region);
    }
  }

  @Test
  void shouldConvergeAfterAFollowerPartitionHeals() {
    settle();
    writeMany(200);
    RegionId isolated = followerOf(ShardId.of(0));
    for (RegionId other : cluster.regions()) {
      if (!other.equals(isolated)) {
        cluster.links().cut(isolated, other);
      }
    }
    awaitNoShardLedBy(isolated);
    writeMany(200);

    cluster.links().healAll();
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      assertReadsMatch(region);
    }
  }

  /**
   * Waits for a leader of every shard and then for the kit's moves of each shard's leadership to
   * its preferred region: a write that races such a move may end "may be stored" (once: a DEFINE's
   * QUORUM wait ended by the leader losing its epoch right after the start, seen in a fresh-clone
   * run), and these writers do not retry.
   */
  private void settle() {
    cluster.awaitLeader(ELECTION);
    PreferredLeaders.await(cluster, ELECTION.multipliedBy(2));
  }

  /** Writes {@code n} QUORUM signals over 20 entities and 2 types, remembering each ack. */
  private void writeMany(int n) {
    for (int i = 0; i < n; i++, written++) {
      String type = TYPES.get(written % TYPES.size());
      long entity = 1 + (written * 7L) % ENTITIES;
      double weight = 0.5 * (1 + written % 5);
      SignalAck ack = cluster.writeSignal(type, entity, weight);
      assertEquals(Durability.QUORUM, ack.durability());
      double[] e = expected.computeIfAbsent(type + "/" + entity, k -> new double[2]);
      e[0]++;
      e[1] += weight;
    }
  }

  private void assertReadsMatch(RegionId region) {
    SignalStore db = cluster.node(region).db();
    long total = 0;
    for (Map.Entry<String, double[]> e : expected.entrySet()) {
      String[] key = e.getKey().split("/");
      SignalAggregate a =
          db.read(TenantId.DEFAULT, SignalType.of(key[0]), EntityId.of(Long.parseLong(key[1])));
      assertEquals((long) e.getValue()[0], a.count(), region + " count of " + e.getKey());
      assertEquals(e.getValue()[1], a.weightSum(), 0.0, region + " weight sum of " + e.getKey());
      total += a.count();
    }
    assertEquals(written, total, region + " total");
  }

  private RegionId followerOf(ShardId shard) {
    RegionId leader = cluster.leaderOf(shard);
    return cluster.regions().stream().filter(r -> !r.equals(leader)).findFirst().orElseThrow();
  }

  /** Waits until every shard is led, by a region other than {@code region}, which knows it. */
  private void awaitNoShardLedBy(RegionId region) {
    long deadline = System.nanoTime() + FAILOVER.toNanos();
    while (true) {
      boolean done = cluster.hasLeader();
      for (int s = 0; done && s < cluster.config().shards(); s++) {
        done = !cluster.leaderOf(ShardId.of(s)).equals(region) && refuses(region, s);
      }
      if (done) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, region + " still leads a shard after " + FAILOVER);
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }

  private boolean refuses(RegionId region, int shard) {
    try {
      cluster.node(region).replication().checkLeader(shard);
      return false;
    } catch (io.tidaldb.api.replication.NotLeaderException e) {
      return true;
    }
  }
}
