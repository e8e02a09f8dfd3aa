package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.replication.leadership.LeadershipCounters;
import java.util.List;
import java.util.Locale;

/**
 * The {@code tidaldb_replication_} families of one region (see {@link
 * ReplicationNode#collectMetrics}).
 */
final class ReplicationMetrics {
  private ReplicationMetrics() {}

  static void collect(
      MetricsSink sink,
      RegionId self,
      List<ShardReplicationStatus> status,
      ShardReplica[] shards,
      ReplicationNode node) {
    String region = Integer.toString(self.value());
    for (ShardReplicationStatus s : status) {
      String shard = Integer.toString(s.shard());
      sink.gauge(
          "tidaldb_replication_epoch",
          "The shard's epoch as this region knows it.",
          s.epoch(),
          "region",
          region,
          "shard",
          shard);
      boolean leading = s.role() == ShardReplicationStatus.Role.LEADER;
      sink.gauge(
          "tidaldb_replication_leader",
          "1 if this region leads the shard.",
          leading ? 1 : 0,
          "region",
          region,
          "shard",
          shard);
      sink.gauge(
          "tidaldb_replication_has_leader",
          "1 if this region knows a leader of the shard.",
          s.leader().isPresent() ? 1 : 0,
          "region",
          region,
          "shard",
          shard);
      for (RegionProgress p : s.regions()) {
        String peer = Integer.toString(p.region().value());
        sink.gauge(
            "tidaldb_replication_lag_records",
            "Records a region is behind the shard's leader (as this region sees it).",
            p.lagRecords(),
            "region",
            region,
            "shard",
            shard,
            "peer",
            peer);
        sink.gauge(
            "tidaldb_replication_lag_seconds",
            "How far behind in time a region is on the shard (as this region sees it).",
            p.lagMillis() / 1000.0,
            "region",
            region,
            "shard",
            shard,
            "peer",
            peer);
      }
      if (s.shard() >= 0 && s.shard() < shards.length) {
        LeadershipCounters c = shards[s.shard()].leadershipCounters();
        long won = c.leadershipsWon();
        counter(
            sink,
            "elections_started",
            "Elections this region started.",
            c.electionsStarted(),
            region,
            shard);
        counter(sink, "leaderships_won", "Elections this region won.", won, region, shard);
        counter(
            sink,
            "step_downs",
            "Times this region stopped leading the shard.",
            Math.max(0, won - (leading ? 1 : 0)),
            region,
            shard);
        counter(
            sink, "leases_lost", "Leader leases this region lost.", c.leasesLost(), region, shard);
        counter(
            sink,
            "transfers_started",
            "Leadership transfers started.",
            c.transfersStarted(),
            region,
            shard);
        counter(
            sink,
            "transfers_failed",
            "Leadership transfers failed.",
            c.transfersFailed(),
            region,
            shard);
      }
    }
    for (NodeDrop cause : NodeDrop.values()) {
      long n = node.dropped(cause);
      if (n > 0) {
        sink.counter(
            "tidaldb_replication_dropped_frames_total",
            "Replication frames this region dropped, by cause.",
            n,
            "region",
            region,
            "cause",
            cause.name().toLowerCase(Locale.ROOT));
      }
    }
    for (SnapshotEvent event : SnapshotEvent.values()) {
      sink.counter(
          "tidaldb_replication_snapshot_events_total",
          "Snapshot catch-up events (bytes for bytes_sent and bytes_resent).",
          node.snapshotEvents(event),
          "region",
          region,
          "event",
          event.name().toLowerCase(Locale.ROOT));
    }
    sink.counter(
        "tidaldb_replication_work_failures_total",
        "Rounds of a shard that failed on the replication thread.",
        node.workFailures(),
        "region",
        region);
  }

  private static void counter(
      MetricsSink sink, String name, String help, long value, String region, String shard) {
    sink.counter(
        "tidaldb_replication_" + name + "_total", help, value, "region", region, "shard", shard);
  }
}
