package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.reconcile.ReconcileReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * State that exists in a region's memory only, then a crash before its next snapshot: (a) a LOCAL
 * write acknowledged by a leader isolated before it shipped, whose log suffix is cut when it
 * rejoins a newer leader (the cut keeps the effect in the state, the records leave the WAL); (b) a
 * state that region A merged from region B's local stream, after which B loses its data (wiped) and
 * A crashes. Each acknowledged write must be counted exactly once on every region afterwards.
 */
class KeptStateDurabilityScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();
  private SimulatedCluster cluster;

  @Test
  void shouldKeepADeposedLeadersCutLocalAckThroughACrashBeforeItsNextSnapshot() {
    cluster = clusters.build(ClusterConfig.threeRegions());
    Set<Integer> led = PreferredLeaders.shardsLedBy(cluster, R0, ELECTION);
    int shard = led.iterator().next();
    Set<Integer> shards = Set.of(shard);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    long isolatedFrom;
    long isolatedTo;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      isolatedFrom = status(R0, shard).durablePosition();
      for (int i = 0; i < 5; i++) {
        Optional<UnavailableException> failed = writes.writeAt(R0, shards, Durability.LOCAL);
        assertTrue(failed.isEmpty(), () -> "LOCAL write at the isolated leader: " + failed);
      }
      isolatedTo = status(R0, shard).durablePosition();
      assertTrue(isolatedTo > isolatedFrom, "the writes went into " + R0 + "'s shard log");
      RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
      for (int i = 0; i < 20; i++) {
        writes.writeAt(next, shards, Durability.QUORUM);
      }
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    cluster.awaitLogConvergence(CONVERGE); // R0 follows the new leader: its suffix is cut
    assertNull(writes.countProblemAt(R0), "the cut kept the isolated writes' effect");
    ShardStatus beforeCrash = status(R0, shard);
    cluster.crash(R0);
    cluster.restart(R0);
    cluster.awaitFullConvergence(CONVERGE);
    System.out.printf(
        "cut LOCAL acks: %s wrote %d..%d isolated, cut and crashed at %s; %s%n",
        R0, isolatedFrom, isolatedTo, beforeCrash, writes);
    assertEquals(25, writes.acknowledged(), writes.toString());
    assertNull(writes.countProblem(), writes.toString());
  }

  @Test
  void shouldKeepAMergedStateThroughTheLossOfItsSourceAndACrashOfTheRegionThatMergedIt()
      throws Exception {
    cluster = clusters.build(ClusterConfig.threeRegions());
    Set<Integer> shards = PreferredLeaders.shardsLedBy(cluster, R0, ELECTION);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    List<Long> local = new ArrayList<>();
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      for (int i = 0; i < 50; i++) {
        Optional<UnavailableException> failed = writes.writeAt(R2, shards, Durability.LOCAL);
        assertTrue(failed.isEmpty(), () -> "LOCAL write at cut-off " + R2 + ": " + failed);
        local.add(writes.lastWritten());
      }
      ReconcileReport report = cluster.reconciler(R2).reconcileAll().get(30, TimeUnit.SECONDS);
      assertEquals(List.of(R1), report.peers(), report.toString());
      for (long e : local) {
        assertEquals(1, writes.count(R1, e), R1 + " merged " + R2 + "'s local write of " + e);
        assertEquals(0, writes.count(R0, e), R0 + " is cut from " + R2);
      }
      assertEquals(2, p.held().size(), "partition held: " + p.held());
      assertTrue(cluster.awaitMergesDurable(R1, Duration.ofSeconds(10)), "merges durable");
      cluster.crash(R2);
      cluster.wipe(R2); // the only copy besides R1's merged state is gone
      cluster.crash(R1); // kill -9 before R1's next snapshot
      cluster.restart(R1);
    }
    cluster.restart(R2);
    cluster.awaitFullConvergence(CONVERGE);
    assertEquals(50, writes.acknowledged(), writes.toString());
    assertNull(writes.countProblem(), writes.toString());
  }

  private ShardStatus status(RegionId region, int shard) {
    return cluster.store(region).status().shards().get(shard);
  }
}
