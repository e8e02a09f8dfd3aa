package io.tidaldb.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, the reconcile-before-cut gap: a {@code QUORUM} session write (s, 7) appended by a
 * leader cut off from both followers is ambiguous ("may be stored, retry"), the client retries it
 * at the new leader, and after the heal a reconciliation runs <em>before</em> the deposed leader's
 * epoch sync has cut the record (its {@code EPOCH_END} answers are dropped until the reconciliation
 * is done). Before the fix that reconciliation copied the deposed leader's {@code log(1)} entry,
 * record included, to the other regions, where no cut removes it: the retried write counted twice
 * everywhere once the cut ran and everything reconciled. Now a region gives no state away that
 * holds a QUORUM/ALL session record it does not know committed, so the retry is the only copy that
 * leaves, and the cut removes the other.
 */
class SessionReconcileGapScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final long SESSION = 0x5e55_1000_0000_0002L;

  /** The replication wire format's {@code FrameDescriptor.EPOCH_END}. */
  private static final short EPOCH_END = 9;

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();
  private SimulatedCluster cluster;

  @Test
  void shouldCountARetriedQuorumSessionWriteOnceWhenReconciliationRunsBeforeTheDeposedLeadersCut()
      throws Exception {
    FrameDrops drops = new FrameDrops();
    cluster = clusters.build(ClusterConfig.threeRegions().withTransport(() -> drops));
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long entity = setup.entity();
    Signal signal = setup.signal();
    SessionSeq seq = new SessionSeq(SESSION, 7, 7);
    RegionId next;
    SignalAck ack;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      CompletableFuture<SignalAck> first =
          cluster.store(R0).signalAsync(signal, Durability.QUORUM, seq);
      next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
      UnavailableException u = assertInstanceOf(UnavailableException.class, failed.getCause());
      assertTrue(u.mayBeStored(), "the client is told: may be stored, retry: " + u);
      ack = cluster.store(next).signal(signal, Durability.QUORUM, seq); // the retry
      assertEquals(1, writes.count(next, entity), "the new leader stored the retry once");
      assertEquals(1, writes.count(R0, entity), R0 + " holds its unacknowledged append");
      writes.moveOn(next, shard);
      assertEquals(4, p.held().size(), "partition held: " + p.held());
      // hold the deposed leader's epoch sync (hence its cut) back until reconciliation ran
      drops.dropNext(EPOCH_END, Integer.MAX_VALUE);
    }
    // the deposed leader heard the new leader and asked where its epoch ends: held back
    await().atMost(CONVERGE).until(() -> drops.dropped() > 0);
    ClusterReconcileReport early = cluster.reconcileAll(CONVERGE);
    assertEquals(
        2,
        writes.count(R0, entity),
        R0 + " has not cut yet: its own append and the retry merged in; " + early);
    for (RegionId r : Set.of(R1, R2)) {
      assertEquals(
          1,
          writes.count(r, entity),
          r + " must not get " + R0 + "'s uncommitted (s, 7) before its cut; " + early);
    }
    drops.clear();
    cluster.awaitLogConvergence(CONVERGE); // R0 syncs with the new leader: its suffix is cut
    assertEquals(1, writes.count(R0, entity), R0 + " after its cut: the retry only");
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertEquals(1, writes.count(r, entity), r + " counts (s, 7) once; the retry's ack " + ack);
    }
  }
}
