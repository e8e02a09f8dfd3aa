package io.tidaldb.testkit;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a converged cluster against the outcomes of a {@link SteadyLoad}: every acknowledged
 * signal is counted exactly once on every region, no failed one more than once; and every shard's
 * log is the same on every region up to the leader's durable (committed) position. Returns the
 * violations, described, rather than throwing at the first, so that a failure shows its extent.
 */
final class HistoryCheck {
  /** The most violations described; the rest are only counted. */
  private static final int MAX_DESCRIBED = 20;

  private final SimulatedCluster cluster;
  private final List<String> violations = new ArrayList<>();
  private int count;
  private long compared;

  HistoryCheck(SimulatedCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Reads every written entity on every region and compares the count with the outcome.
   *
   * @param outcomes the load's outcomes by entity
   * @return a one-line summary of what was checked
   */
  String checkCounts(Map<Long, SteadyLoad.Outcome> outcomes) {
    SignalType type = SignalType.of(SteadyLoad.TYPE);
    StringBuilder summary = new StringBuilder();
    for (RegionId region : cluster.regions()) {
      SignalStore db = cluster.node(region).db();
      long stored = 0;
      for (Map.Entry<Long, SteadyLoad.Outcome> e : outcomes.entrySet()) {
        long n = db.read(TenantId.DEFAULT, type, EntityId.of(e.getKey())).count();
        stored += n;
        boolean acked = e.getValue() == SteadyLoad.Outcome.ACKED;
        if (acked ? n != 1 : n > 1) {
          violation(
              region + " counts entity " + e.getKey() + " " + n + " times; it was " + e.getValue());
        }
      }
      summary.append(region).append(" stores ").append(stored).append("; ");
    }
    return summary.toString();
  }

  /**
   * Compares every shard's log on every region with the leader's, record by record, from the
   * highest start position of the regions to the leader's durable position; the cluster must be
   * converged (every region applied the leader's durable position).
   */
  void checkLogs() {
    for (int shard = 0; shard < cluster.config().shards(); shard++) {
      RegionProcess leader = process(cluster.leaderOf(io.tidaldb.api.ShardId.of(shard)));
      long committed = leader.shardLog(shard).durablePosition();
      long start = 0;
      for (RegionId region : cluster.regions()) {
        start = Math.max(start, process(region).shardLog(shard).startPosition());
      }
      List<String> expected = records(leader.shardLog(shard), start, committed);
      for (RegionId region : cluster.regions()) {
        RegionProcess n = process(region);
        if (n == leader) {
          continue;
        }
        ShardLog log = n.shardLog(shard);
        if (log.durablePosition() < committed) {
          violation(
              region
                  + " has shard "
                  + shard
                  + " durable to "
                  + log.durablePosition()
                  + " only, leader "
                  + leader.region()
                  + " to "
                  + committed);
          continue;
        }
        List<String> actual = records(log, start, committed);
        compared += actual.size();
        if (!actual.equals(expected)) {
          violation(
              region
                  + "'s log of shard "
                  + shard
                  + " differs from leader "
                  + leader.region()
                  + "'s below "
                  + committed
                  + ": "
                  + firstDifference(expected, actual));
        }
      }
    }
  }

  /** Returns how many follower log records were compared with the leader's. */
  long recordsCompared() {
    return compared;
  }

  /** Returns every violation described (the first {@value #MAX_DESCRIBED}) and how many. */
  List<String> violations() {
    List<String> all = new ArrayList<>(violations);
    if (count > violations.size()) {
      all.add("... " + (count - violations.size()) + " more");
    }
    return all;
  }

  private void violation(String what) {
    count++;
    if (violations.size() < MAX_DESCRIBED) {
      violations.add(what);
    }
  }

  private RegionProcess process(RegionId region) {
    return (RegionProcess) cluster.node(region);
  }

  /** Reads a log's records in {@code [from, to)}, each as one line of its fields. */
  private static List<String> records(ShardLog log, long from, long to) {
    List<String> out = new ArrayList<>();
    if (from >= to) {
      return out;
    }
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor r = batch.records();
        while (r.next()) {
          if (r.position() < from) {
            continue;
          }
          if (r.position() >= to) {
            return out;
          }
          out.add(describe(batch.epoch(), r));
        }
      }
    }
    return out;
  }

  private static String describe(long epoch, RecordCursor r) {
    String head = r.position() + " e" + epoch + " k" + r.kind() + " s" + r.seriesId();
    if (r.kind() == WalRecordKind.DEFINE) {
      return head + " " + r.tenantName() + "/" + r.typeName();
    }
    if (r.kind() == WalRecordKind.COMPACT) {
      return head + " compact<=" + r.cutOffEpoch() + " " + Long.toHexString(r.closedDigest());
    }
    String session =
        r.kind() == WalRecordKind.SIGNAL_S
            ? " session "
                + Long.toHexString(r.session())
                + " seq "
                + r.seq()
                + " acked<"
                + r.ackedBelow()
                + " hash "
                + Integer.toHexString(r.payloadHash())
            : "";
    return head
        + session
        + " "
        + r.entity()
        + " "
        + r.weight()
        + " "
        + r.eventTimeMillis()
        + " "
        + r.hlc()
        + " "
        + r.origin();
  }

  private static String firstDifference(List<String> expected, List<String> actual) {
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      if (!expected.get(i).equals(actual.get(i))) {
        return "record " + i + ": leader [" + expected.get(i) + "], here [" + actual.get(i) + "]";
      }
    }
    return expected.size() + " records at the leader, " + actual.size() + " here";
  }

  /** Describes each region's positions of every shard, for a failure message. */
  static String positions(SimulatedCluster cluster) {
    StringBuilder b = new StringBuilder();
    for (RegionId region : cluster.regions()) {
      RegionProcess n = (RegionProcess) cluster.node(region);
      b.append(region).append(":");
      for (ShardStatus s :
          n.statusOrNull() == null ? List.<ShardStatus>of() : n.statusOrNull().shards()) {
        b.append(" [d")
            .append(s.durablePosition())
            .append(" a")
            .append(s.appliedPosition())
            .append(']');
      }
      b.append("; ");
    }
    return b.toString();
  }
}
