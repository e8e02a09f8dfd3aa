package io.tidaldb.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, the {@code LOCAL} case of the cut (wp-lcut): a leader cut off from both followers
 * acknowledges a {@code LOCAL} session write (s, 7) from its own disk, the reply is lost, the
 * client retries (s, 7) at the new leader, which never saw it and appends it again. When the
 * deposed leader rejoins, its cut keeps the acknowledged record's effect, and its shard log then
 * applies the new leader's copy of (s, 7): once it knows that copy committed (wp-lcut2), the cut
 * record's effect is taken back (compensated) by the deposed leader, its origin, so the write
 * counts once on every region after reconciliation. Before the fix it counted twice. The retry
 * reaches the new leader directly or through a follower that forwards it.
 */
class SessionLocalCutScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final long SESSION = 0x5e55_1ca1_0000_0001L;

  /** The replication wire format's {@code FrameDescriptor.EPOCH_END}. */
  private static final short EPOCH_END = 9;

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();
  private SimulatedCluster cluster;

  @Test
  void shouldCountACutLocalSessionWriteRetriedAtTheNewLeaderOnceOnEveryRegion() {
    cutRetriedAt(false);
  }

  @Test
  void shouldCountACutLocalSessionWriteRetriedThroughAForwardingFollowerOnceOnEveryRegion() {
    cutRetriedAt(true);
  }

  private void cutRetriedAt(boolean forwarded) {
    cluster = clusters.build(ClusterConfig.threeRegions());
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long entity = setup.entity();
    Signal signal = setup.signal();
    SessionSeq seq = new SessionSeq(SESSION + (forwarded ? 1 : 0), 7, 7);
    SignalAck retried;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      SignalAck first = cluster.store(R0).signal(signal, Durability.LOCAL, seq); // reply "lost"
      assertFalse(first.local(), "acknowledged from " + R0 + "'s shard log, not its local stream");
      RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
      assertNotEquals(R0, next);
      assertEquals(0, writes.count(next, entity), "the new leader never saw it");
      RegionId at = forwarded ? (next.equals(R1) ? R2 : R1) : next; // a follower forwards it
      retried = cluster.store(at).signal(signal, Durability.LOCAL, seq); // the retry
      assertFalse(retried.local(), "the retry is a record of the new leader's shard log");
      assertEquals(
          1, writes.count(next, entity), "the new leader stored the retry once, from " + at);
      assertEquals(1, writes.count(R0, entity), R0 + " holds the write it acknowledged");
      writes.moveOn(next, shard);
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    cluster.awaitLogConvergence(CONVERGE); // R0 cuts, keeps (s, 7), then applies the retry
    await() // and takes (s, 7) back once it knows the retry committed (its snapshot thread)
        .atMost(CONVERGE)
        .untilAsserted(
            () ->
                assertEquals(
                    1, writes.count(R0, entity), R0 + " after its cut and the retry's commit"));
    cluster.awaitFullConvergence(CONVERGE); // reconciliation, then equal states
    for (RegionId r : cluster.regions()) {
      assertEquals(
          1, writes.count(r, entity), r + " counts (s, 7) once; the retry's ack " + retried);
    }
  }

  /**
   * As above, but a reconciliation runs before the deposed leader's cut (its {@code EPOCH_END}
   * answers dropped, as in {@link SessionReconcileGapScenarioTest}): a {@code LOCAL} record is not
   * withheld, so the other regions take R0's {@code log(1)} entry with (s, 7) in it and count the
   * write twice; then R0 cuts, applies the retry and compensates once it knows the retry committed,
   * and the next reconciliation carries the compensation (the column-wise join): once everywhere.
   */
  @Test
  void shouldTakeTheCompensationToRegionsThatGotTheCutEntryByReconciliationBeforeTheCut() {
    FrameDrops drops = new FrameDrops();
    cluster = clusters.build(ClusterConfig.threeRegions().withTransport(() -> drops));
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long entity = setup.entity();
    Signal signal = setup.signal();
    SessionSeq seq = new SessionSeq(SESSION + 2, 7, 7);
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      cluster.store(R0).signal(signal, Durability.LOCAL, seq);
      RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
      cluster.store(next).signal(signal, Durability.LOCAL, seq); // the retry
      writes.moveOn(next, shard);
      assertEquals(4, p.held().size(), "partition held: " + p.held());
      drops.dropNext(EPOCH_END, Integer.MAX_VALUE); // R0's cut waits for the reconciliation
    }
    await().atMost(CONVERGE).until(() -> drops.dropped() > 0);
    ClusterReconcileReport early = cluster.reconcileAll(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertEquals(2, writes.count(r, entity), r + ": R0's entry spread before its cut; " + early);
    }
    drops.clear();
    cluster.awaitLogConvergence(CONVERGE); // R0 cuts, keeps (s, 7), then applies the retry
    await() // and takes its cut copy back once it knows the retry committed
        .atMost(CONVERGE)
        .untilAsserted(
            () -> assertEquals(1, writes.count(R0, entity), R0 + " took its cut copy back"));
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertEquals(1, writes.count(r, entity), r + " counts (s, 7) once");
    }
  }
}
