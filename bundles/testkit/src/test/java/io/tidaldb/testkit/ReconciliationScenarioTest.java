package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11's partition scenarios over three real regions with reconciliation: (a) regions 0 and 2
 * cut from each other while both take writes for the shards region 0 leads (region 2's go into its
 * local stream), healed, reconciled: every entity counted exactly once everywhere; (b) a split
 * brain: an isolated leader keeps taking LOCAL writes while the others elect a new one and take
 * theirs; (c) a leader crashes holding a record nobody else has and nobody acknowledged. In each,
 * {@link SimulatedCluster#awaitFullConvergence} must end with equal digests and states, and every
 * acknowledged write counted exactly once on every region.
 */
class ReconciliationScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final int N = 1_000;

  private SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void shouldCountEveryWriteOfBothSidesOfAPartitionExactlyOnceOnEveryRegionAfterTheHeal() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    Set<Integer> shards = settledShardsLedBy(R0);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      for (int i = 0; i < N; i++) {
        writes.writeAtLeader(shards, Durability.LOCAL);
      }
      for (int i = 0; i < N; i++) {
        Optional<UnavailableException> failed = writes.writeAt(R2, shards, Durability.LOCAL);
        assertTrue(failed.isEmpty(), () -> "LOCAL write at cut-off " + R2 + ": " + failed);
      }
      assertTrue(p.held().size() == 2, "partition held: " + p.held());
    }
    ClusterReconcileReport report = cluster.reconcileAll();
    System.out.println(
        String.format(
            "reconciliation of %,d divergent events: %.1f ms, %d KiB exchanged, %d round trips",
            2 * N,
            report.duration().toNanos() / 1e6,
            report.bytesExchanged() / 1024,
            report.roundTrips()));
    System.out.println(report);
    cluster.awaitFullConvergence(CONVERGE);
    assertEquals(2 * N, writes.acknowledged(), writes.toString());
    assertNull(writes.countProblem(), writes.toString());
  }

  @Test
  void shouldKeepBothSidesOfASplitBrainExactlyOnce() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    Set<Integer> shards = settledShardsLedBy(R0);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    int isolated = 0;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      // the old leader, cut off, still takes LOCAL writes: first in its own shard log, then (once
      // it stepped down) in its local stream
      for (int i = 0; i < 50; i++) {
        writes.writeAt(R0, shards, Durability.LOCAL);
        isolated++;
      }
      RegionId newLeader = awaitOtherLeader(shards.iterator().next(), R0);
      for (int i = 0; i < 200; i++) {
        writes.writeAt(newLeader, shards, Durability.QUORUM);
        writes.writeAt(R0, shards, Durability.LOCAL);
        isolated++;
      }
      assertEquals(4, p.held().size(), "partition held: " + p.held());
      System.out.println(
          "split brain: new leader "
              + newLeader
              + ", "
              + isolated
              + " writes at isolated "
              + R0
              + ": "
              + writes);
    }
    cluster.awaitFullConvergence(CONVERGE);
    assertTrue(writes.acknowledged() >= 400, writes.toString());
    assertNull(writes.countProblem(), writes.toString());
  }

  @Test
  void shouldSpreadARecordOnlyACrashedLeaderStoredToEveryRegionExactlyOnce() {
    cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions().withDurabilityTimeout(Duration.ofSeconds(1)));
    Set<Integer> shards = settledShardsLedBy(R0);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    long entity;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      Optional<UnavailableException> failed = writes.writeAt(R0, shards, Durability.QUORUM);
      entity = writes.lastWritten();
      assertTrue(failed.isPresent(), "a QUORUM write at a cut-off leader cannot be acknowledged");
      assertTrue(failed.get().mayBeStored(), failed.get().getMessage());
      assertEquals(1, writes.count(R0, entity), "stored at the leader alone");
      assertEquals(4, p.held().size(), "partition held: " + p.held());
      cluster.crash(R0);
    }
    awaitOtherLeader(shards.iterator().next(), R0);
    for (int i = 0; i < 20; i++) {
      writes.writeAtLeader(shards, Durability.QUORUM);
    }
    cluster.restart(R0);
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertEquals(1, writes.count(r, entity), r + " holds the crashed leader's record once");
    }
    assertNull(writes.countProblem(), writes.toString());
  }

  private Set<Integer> settledShardsLedBy(RegionId region) {
    return PreferredLeaders.shardsLedBy(cluster, region, ELECTION);
  }

  private RegionId awaitOtherLeader(int shard, RegionId not) {
    return PreferredLeaders.awaitLeaderOtherThan(cluster, shard, not, ELECTION);
  }
}
