package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ShardReplicationStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Waits for a three-region cluster's shards to settle on their preferred leaders (shard s led by
 * the s-th region of the rotated list in every region's view). A region that starts late (a loaded
 * machine) may lose the cold start of a shard it prefers; leadership then moves back to it, one
 * epoch later, which must happen before a scenario records the epochs or the leaders it relies on.
 */
final class PreferredLeaders {
  private PreferredLeaders() {}

  /** Waits up to {@code timeout} until every shard is led by its preferred region everywhere. */
  static void await(SimulatedCluster cluster, Duration timeout) {
    Deadline deadline = Deadline.after(timeout);
    String unsettled;
    while ((unsettled = unsettledShard(cluster)) != null) {
      assertTrue(!deadline.expired(), "not settled within " + timeout + ": " + unsettled);
      deadline.park();
    }
  }

  /**
   * Waits until a leader is elected and every shard is led by its preferred region in every
   * region's view, and returns the shards {@code region} leads.
   */
  static Set<Integer> shardsLedBy(SimulatedCluster cluster, RegionId region, Duration timeout) {
    cluster.awaitLeader(timeout);
    await(cluster, timeout);
    Set<Integer> shards = new TreeSet<>();
    List<RegionId> regions = cluster.regions();
    for (int s = 0; s < cluster.config().shards(); s++) {
      if (regions.get(s % regions.size()).equals(region)) {
        shards.add(s);
      }
    }
    return shards;
  }

  /** Waits until a running region other than {@code not} leads {@code shard}, and returns it. */
  static RegionId awaitLeaderOtherThan(
      SimulatedCluster cluster, int shard, RegionId not, Duration timeout) {
    Deadline deadline = Deadline.after(timeout);
    while (true) {
      for (RegionId r : cluster.regions()) {
        if (!r.equals(not) && cluster.node(r).isRunning()) {
          ShardReplicationStatus s = cluster.node(r).replication().status().get(shard);
          if (s.role() == ShardReplicationStatus.Role.LEADER) {
            return r;
          }
        }
      }
      assertTrue(!deadline.expired(), "no leader of shard " + shard + " besides " + not);
      deadline.park();
    }
  }

  /** The first shard not led by its preferred region in every region's view, or null. */
  static String unsettledShard(SimulatedCluster cluster) {
    List<RegionId> regions = cluster.regions();
    for (int s = 0; s < cluster.config().shards(); s++) {
      RegionId preferred = regions.get(s % regions.size());
      long epoch = cluster.node(preferred).replication().status().get(s).epoch();
      for (RegionId r : regions) {
        ShardReplicationStatus status = cluster.node(r).replication().status().get(s);
        if (status.epoch() != epoch || !status.leader().equals(Optional.of(preferred))) {
          return "shard "
              + s
              + ": "
              + r
              + " follows "
              + status.leader()
              + " in epoch "
              + status.epoch()
              + ", preferred "
              + preferred
              + " in epoch "
              + epoch;
        }
      }
    }
    return null;
  }
}
