package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * Issue 12, the hard case: a session write (s, 7) appended by a leader that is cut off before it
 * replicates it, then retried at the new leader; the deposed leader's suffix is cut when it
 * rejoins. At {@code QUORUM} the cut record was never acknowledged, so the cut drops its effect and
 * the retry is the only copy: counted once on every region after the heal, the cut, reconciliation
 * and convergence. At {@code LOCAL} the deposed leader acknowledged it (its disk), so the cut keeps
 * it and reconciliation carries it: counted once everywhere.
 */
class SessionCutScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final long SESSION = 0x5e55_1000_0000_0001L;

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();
  private SimulatedCluster cluster;

  @Test
  void shouldCountACutQuorumSessionWriteRetriedAtTheNewLeaderOnceOnEveryRegion() throws Exception {
    cluster = clusters.build(ClusterConfig.threeRegions());
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long entity = setup.entity();
    Signal signal = setup.signal();
    SessionSeq seq = new SessionSeq(SESSION, 7, 7);
    SignalAck ack;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      long before = cluster.store(R0).status().shards().get(shard).nextPosition();
      CompletableFuture<SignalAck> first =
          cluster.store(R0).signalAsync(signal, Durability.QUORUM, seq);
      assertEquals(
          before + 1,
          cluster.store(R0).status().shards().get(shard).nextPosition(),
          "(s, 7) appended at " + R0 + " before it could ship it");
      RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
      UnavailableException u = assertInstanceOf(UnavailableException.class, failed.getCause());
      assertTrue(u.mayBeStored(), "the client is told: may be stored, retry: " + u);
      ack = cluster.store(next).signal(signal, Durability.QUORUM, seq); // the retry
      assertEquals(Durability.QUORUM, ack.durability());
      assertEquals(1, writes.count(next, entity), "the new leader stored the retry once");
      assertEquals(1, writes.count(R0, entity), R0 + " holds its unacknowledged append");
      writes.moveOn(next, shard);
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    cluster.awaitLogConvergence(CONVERGE); // R0 follows the new leader: its suffix is cut
    assertEquals(1, writes.count(R0, entity), R0 + " after its cut: the retry only");
    cluster.awaitFullConvergence(CONVERGE); // reconciliation, then equal states
    for (RegionId r : cluster.regions()) {
      assertEquals(1, writes.count(r, entity), r + " counts (s, 7) once; the retry's ack " + ack);
    }
  }

  @Test
  void shouldKeepACutLocalSessionWriteThatTheDeposedLeaderAcknowledgedCountedOnceEverywhere() {
    cluster = clusters.build(ClusterConfig.threeRegions());
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long entity = setup.entity();
    Signal signal = setup.signal();
    SessionSeq seq = new SessionSeq(SESSION + 1, 7, 7);
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      SignalAck ack = cluster.store(R0).signal(signal, Durability.LOCAL, seq);
      assertFalse(ack.local(), "acknowledged from " + R0 + "'s shard log, not its local stream");
      RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
      assertNotEquals(R0, next);
      assertEquals(0, writes.count(next, entity), "the new leader never saw it");
      writes.moveOn(next, shard);
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    cluster.awaitLogConvergence(CONVERGE); // the cut keeps the LOCAL record's effect at R0
    assertEquals(1, writes.count(R0, entity), R0 + " kept the write it acknowledged");
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertEquals(1, writes.count(r, entity), r + " counts the LOCAL write once");
    }
  }
}
