package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.ShardReplicationStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads leaders and positions off the running regions, without waiting. A region that crashes while
 * it is read counts as not running. Thread-safe (reads only).
 */
final class ClusterProbe {
  private final List<RegionProcess> nodes;

  ClusterProbe(List<RegionProcess> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Returns a leader of {@code shard} that accepts writes now, as any region names it, or null. */
  RegionId writableLeader(int shard) {
    for (RegionProcess n : nodes) {
      ShardReplicationStatus s = replicationStatus(n, shard);
      if (s != null && s.leader().isPresent() && acceptsWrites(s.leader().get(), shard)) {
        return s.leader().get();
      }
    }
    return null;
  }

  /**
   * Returns the leader of {@code shard} that a majority of the running regions name and that
   * accepts writes now, or null.
   */
  RegionId agreedLeader(int shard) {
    int running = 0;
    Map<RegionId, Integer> votes = new HashMap<>();
    for (RegionProcess n : nodes) {
      ShardReplicationStatus s = replicationStatus(n, shard);
      if (s == null) {
        continue;
      }
      running++;
      s.leader().ifPresent(l -> votes.merge(l, 1, Integer::sum));
    }
    for (Map.Entry<RegionId, Integer> e : votes.entrySet()) {
      if (e.getValue() * 2 > running && acceptsWrites(e.getKey(), shard)) {
        return e.getKey();
      }
    }
    return null;
  }

  /** Returns whether {@code region} runs and leads {@code shard} with writes accepted. */
  boolean acceptsWrites(RegionId region, int shard) {
    RegionProcess n = node(region);
    if (n == null || !n.isRunning()) {
      return false;
    }
    try {
      n.replication().checkLeader(shard);
      return true;
    } catch (UnavailableException e) { // NotLeaderException, or crashed meanwhile
      return false;
    }
  }

  /** Returns a shard's positions in a region's store, or null if the region is not running. */
  ShardStatus shardStatus(RegionProcess n, int shard) {
    StoreStatus s = n.statusOrNull();
    return s == null ? null : s.shards().get(shard);
  }

  /** Returns the running regions. */
  List<RegionProcess> running() {
    return nodes.stream().filter(RegionProcess::isRunning).toList();
  }

  RegionProcess node(RegionId region) {
    for (RegionProcess n : nodes) {
      if (n.region().equals(region)) {
        return n;
      }
    }
    return null;
  }

  /** Describes how every region sees {@code shard}, for failure messages. */
  String describe(int shard) {
    StringBuilder b = new StringBuilder("shard ").append(shard).append(':');
    for (RegionProcess n : nodes) {
      b.append(' ').append(n.region()).append('=');
      ShardReplicationStatus r = replicationStatus(n, shard);
      ShardStatus s = shardStatus(n, shard);
      if (r == null || s == null) {
        b.append("[not running]");
        continue;
      }
      b.append('[')
          .append(r.role())
          .append(" epoch ")
          .append(r.epoch())
          .append(", leader ")
          .append(r.leader().map(RegionId::toString).orElse("unknown"))
          .append(", durable ")
          .append(s.durablePosition())
          .append(", applied ")
          .append(s.appliedPosition())
          .append(']');
    }
    return b.toString();
  }

  /**
   * Why the running regions' logs of {@code shard} are not yet known equal to the leader's, or
   * null: each must follow {@code leader} in the leader's epoch, and the leader must have heard
   * each one's log reach {@code durable}. An applied position equal to the leader's is not enough:
   * a deposed leader's uncut suffix may be as long as the new leader's log (a region that has not
   * synced yet still holds it, and its effect, until its cut).
   */
  String syncProblem(RegionId leader, int shard, long durable) {
    RegionProcess ln = node(leader);
    ShardReplicationStatus l = ln == null ? null : replicationStatus(ln, shard);
    if (l == null) {
      return "leader " + leader + " of shard " + shard + " stopped";
    }
    for (RegionProcess n : running()) {
      if (n.region().equals(leader)) {
        continue;
      }
      ShardReplicationStatus s = replicationStatus(n, shard);
      if (s == null) {
        continue; // crashed meanwhile: no longer running
      }
      if (s.epoch() != l.epoch() || !s.leader().equals(Optional.of(leader))) {
        return n.region()
            + " is in epoch "
            + s.epoch()
            + " with leader "
            + s.leader()
            + " on shard "
            + shard
            + ", not "
            + leader
            + "'s epoch "
            + l.epoch();
      }
      for (ShardReplicationStatus.RegionProgress p : l.regions()) {
        if (p.region().equals(n.region()) && p.hwm() != durable) {
          return "leader "
              + leader
              + " has heard "
              + n.region()
              + "'s log of shard "
              + shard
              + " reach "
              + p.hwm()
              + ", not "
              + durable;
        }
      }
    }
    return null;
  }

  private static ShardReplicationStatus replicationStatus(RegionProcess n, int shard) {
    if (!n.isRunning()) {
      return null;
    }
    try {
      return n.replication().status().get(shard);
    } catch (UnavailableException e) {
      return null; // crashed meanwhile
    }
  }
}
