package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, Deliver 3: a client session's LOCAL write taken into the local stream of a region cut
 * off from the shard's leader, retried at the same region during the partition, at the same region
 * after the heal (now forwarding to the leader), and after reconciliation at the leader and at the
 * third region: every retry is answered with the original (local) acknowledgement, and the write is
 * counted once on every region.
 */
class SessionPartitionScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final long SESSION = 0x5e55_0000_0000_2002L;

  private SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void shouldAnswerEveryRetryOfACutOffRegionsLocalSessionWriteWithItsAckAndCountItOnce() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    Set<Integer> shards = PreferredLeaders.shardsLedBy(cluster, R0, ELECTION);
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(CONVERGE);
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    long entity = writes.nextEntity(shards);
    Signal signal =
        new Signal(
            TenantId.DEFAULT, DivergentWrites.TYPE, EntityId.of(entity), 1.0, Timestamp.now());
    SessionSeq seq = new SessionSeq(SESSION, 1, 1);

    SignalAck original;
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      original = cluster.store(R2).signal(signal, Durability.LOCAL, seq);
      assertTrue(original.local(), "taken into " + R2 + "'s local stream: " + original);
      assertEquals(
          original,
          cluster.store(R2).signal(signal, Durability.LOCAL, seq),
          "the retry at the cut-off region, during the partition");
      assertEquals(1, writes.count(R2, entity));
      assertEquals(0, writes.count(R0, entity), "the leader has not seen it");
      assertFalse(p.held().isEmpty(), "partition held: " + p.held());
    }
    assertEquals(
        original,
        cluster.store(R2).signal(signal, Durability.LOCAL, seq),
        "the retry at the same region after the heal, answered from its local table");

    ClusterReconcileReport report = cluster.reconcileAll();
    System.out.println("after the heal: " + report);
    cluster.awaitFullConvergence(CONVERGE);
    assertEquals(
        original,
        cluster.store(R0).signal(signal, Durability.LOCAL, seq),
        "the retry at the leader, after reconciliation");
    assertEquals(
        original,
        cluster.store(R1).signal(signal, Durability.LOCAL, seq),
        "the retry at the third region, after reconciliation");
    assertEquals(
        original,
        cluster.store(R2).signal(signal, Durability.LOCAL, seq),
        "the retry at the region that took it, after reconciliation");
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertEquals(1, writes.count(r, entity), r + " counts the session write once");
    }
    assertNull(writes.countProblem(), writes.toString());
  }
}
