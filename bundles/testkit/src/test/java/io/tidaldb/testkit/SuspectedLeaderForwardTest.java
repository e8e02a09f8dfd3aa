package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.LinkShape;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A forwarded write whose leader is only suspected, not replaced: the leader's frames to the
 * forwarding region are late by more than an election timeout (a loaded machine, a slow link), so
 * that region runs a pre-vote round, which the others refuse (they hear the leader) and which
 * changes no epoch. The leader stored the write and its reply arrives late; the write must be
 * acknowledged, not failed as "may or may not be stored". (LinkFaultScenarioTest's one-way cut,
 * seed 32420408881701, failed this way on a loaded machine: the bridge region's forward to the
 * leader of shard 1 failed at its own pre-vote, with no epoch change anywhere.)
 */
class SuspectedLeaderForwardTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();
  private SimulatedCluster cluster;

  @Test
  void shouldAckAForwardWhoseLeaderWasOnlySuspectedByAPreVoteThatChangedNoEpoch() {
    cluster = clusters.build(ClusterConfig.threeRegions());
    int shard = PreferredLeaders.shardsLedBy(cluster, R1, ELECTION).iterator().next();
    DivergentWrites.defineSeries(cluster);
    cluster.awaitFullConvergence(Duration.ofSeconds(30));
    long[] epochs = epochs();
    DivergentWrites writes = new DivergentWrites(cluster, 1);
    // R1's frames reach R2 600 ms late, in order: R2 hears no heartbeat for 3 election timeouts
    cluster.faults().shape(R1, R2, LinkShape.NONE.withDelay(Duration.ofMillis(600), Duration.ZERO));
    CompletableFuture<Optional<UnavailableException>> write =
        CompletableFuture.supplyAsync(() -> writes.writeAt(R2, Set.of(shard), Durability.QUORUM));
    boolean suspected = false;
    Deadline deadline = Deadline.after(ELECTION);
    while (!write.isDone() && !deadline.expired()) {
      suspected |= cluster.node(R2).replication().status().get(shard).leader().isEmpty();
      deadline.park();
    }
    Optional<UnavailableException> failed = write.join();
    cluster.faults().reset();
    System.out.printf(
        "forward through a suspected leader: %s suspected %s's leadership of shard %d: %s, epochs"
            + " %s -> %s: %s%n",
        R2,
        R1,
        shard,
        suspected,
        Arrays.toString(epochs),
        Arrays.toString(epochs()),
        failed.map(Throwable::getMessage).orElse("acknowledged"));
    assertTrue(suspected, R2 + " never lost its leader: the scenario did not happen");
    assertEquals(
        Arrays.toString(epochs),
        Arrays.toString(epochs()),
        "an epoch changed: the leader was replaced, not only suspected");
    assertTrue(failed.isEmpty(), () -> "forward failed: " + failed.get().getMessage());
    cluster.awaitFullConvergence(Duration.ofSeconds(30));
    assertNull(writes.countProblem(), writes.toString());
  }

  private long[] epochs() {
    long[] epochs = new long[cluster.config().shards()];
    for (int s = 0; s < epochs.length; s++) {
      for (RegionId r : cluster.regions()) {
        epochs[s] = Math.max(epochs[s], cluster.node(r).replication().status().get(s).epoch());
      }
    }
    return epochs;
  }
}
