package io.tidaldb.bench;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.replication.node.NodeDrop;
import io.tidaldb.replication.node.ReplicationNode;
import io.tidaldb.testkit.RegionNode;
import io.tidaldb.testkit.SimulatedCluster;
import java.util.EnumMap;
import java.util.Map;

/**
 * The replication health counters of a benchmark's cluster, summed over its running regions and
 * printed as one line at the end of a run so an A/B can gate on them ({@code bench/ab-summary.py}
 * reads it):
 *
 * <pre>
 * replication counters: pausesForgiven=0 workFailures=0 threadDeaths=0 dropped={NOT_LEADING=1}
 * epochs=[0:1, 1:1, 2:1, 3:1]
 * </pre>
 *
 * <p>{@code dropped} lists only the {@link NodeDrop} causes with a non-zero count, so a cause added
 * later (e.g. {@code INBOX_FULL}) shows without a change here. {@code epochs} is each shard's
 * highest epoch over the regions: 1 means no election after the first. Lease losses have no public
 * counter; they are the log's {@code "lease lost"} lines ({@code ShardLeadership}).
 */
final class ReplicationCounters {
  private ReplicationCounters() {}

  /**
   * Describes the counters of every running region of a cluster.
   *
   * @param cluster the cluster, still open
   * @return one line starting with {@code "replication counters: "}
   */
  static String describe(SimulatedCluster cluster) {
    long pauses = 0;
    long workFailures = 0;
    long deaths = 0;
    Map<NodeDrop, Long> dropped = new EnumMap<>(NodeDrop.class);
    long[] epochs = new long[cluster.config().shards()];
    boolean counted = true;
    for (RegionId r : cluster.regions()) {
      RegionNode node = cluster.node(r);
      if (!node.isRunning()) {
        continue;
      }
      Replication replication = node.replication();
      for (ShardReplicationStatus s : replication.status()) {
        epochs[s.shard()] = Math.max(epochs[s.shard()], s.epoch());
      }
      if (!(replication instanceof ReplicationNode n)) {
        counted = false;
        continue;
      }
      pauses += n.pausesForgiven();
      workFailures += n.workFailures();
      deaths += n.threadDeaths();
      for (NodeDrop cause : NodeDrop.values()) {
        long c = n.dropped(cause);
        if (c != 0) {
          dropped.merge(cause, c, Long::sum);
        }
      }
    }
    StringBuilder b = new StringBuilder("replication counters: ");
    if (counted) {
      b.append("pausesForgiven=").append(pauses);
      b.append(" workFailures=").append(workFailures);
      b.append(" threadDeaths=").append(deaths);
      b.append(" dropped=").append(dropped.toString().replace(" ", ""));
    } else {
      b.append("(no ReplicationNode: drops and pauses not counted)");
    }
    b.append(" epochs=[");
    for (int s = 0; s < epochs.length; s++) {
      b.append(s == 0 ? "" : ", ").append(s).append(':').append(epochs[s]);
    }
    return b.append(']').toString();
  }
}
