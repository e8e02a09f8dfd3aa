package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The cluster's waits by condition: a leader per shard, one region catching up, every region
 * converged (logs only, or logs and then reconciled states). Each polls {@link ClusterProbe} with a
 * short park until its {@link Deadline}, then throws a {@link ClusterTimeoutException} naming what
 * it saw last.
 */
final class ClusterWaits {
  private final ClusterProbe probe;
  private final int shards;

  ClusterWaits(ClusterProbe probe, int shards) {
    this.probe = probe;
    this.shards = shards;
  }

  /** Returns whether every shard has an agreed leader that accepts writes. */
  boolean hasLeader() {
    for (int shard = 0; shard < shards; shard++) {
      if (probe.agreedLeader(shard) == null) {
        return false;
      }
    }
    return true;
  }

  Duration awaitLeaders(Deadline deadline) {
    while (!hasLeader()) {
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "not every shard has a leader after " + deadline.timeout() + ": " + describeAll());
      }
      deadline.park();
    }
    return deadline.elapsed();
  }

  RegionId awaitLeader(int shard, Deadline deadline) {
    for (RegionId leader = probe.agreedLeader(shard); ; leader = probe.agreedLeader(shard)) {
      if (leader != null) {
        return leader;
      }
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "shard "
                + shard
                + " has no leader after "
                + deadline.timeout()
                + ": "
                + probe.describe(shard));
      }
      deadline.park();
    }
  }

  /** Waits until {@code node} has applied what each shard's leader had durable at the start. */
  void awaitApplied(RegionProcess node, Deadline deadline) {
    long[] target = new long[shards];
    for (int shard = 0; shard < shards; shard++) {
      target[shard] = leaderDurable(shard, deadline);
    }
    for (int shard = 0; shard < shards; shard++) {
      while (true) {
        ShardStatus s = probe.shardStatus(node, shard);
        if (s != null && s.appliedPosition() >= target[shard]) {
          break;
        }
        if (deadline.expired()) {
          throw new ClusterTimeoutException(
              node.region()
                  + " has not applied shard "
                  + shard
                  + " up to the leader's durable position "
                  + target[shard]
                  + " within "
                  + deadline.timeout()
                  + " (applied "
                  + (s == null ? "n/a, region not running" : s.appliedPosition())
                  + "); "
                  + probe.describe(shard));
        }
        deadline.park();
      }
    }
  }

  /** Waits until every running region applied each leader's durable position, twice in a row. */
  void awaitConvergence(Deadline deadline) {
    long[] previous = null;
    String problem = "not polled";
    while (true) {
      long[] positions = new long[shards];
      problem = convergenceProblem(positions);
      if (problem == null) {
        if (Arrays.equals(previous, positions)) {
          return;
        }
        previous = positions;
      } else {
        previous = null;
      }
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "cluster not converged within "
                + deadline.timeout()
                + ": "
                + (problem == null ? "positions still moving" : problem));
      }
      deadline.park();
    }
  }

  /**
   * Waits for the logs ({@link #awaitConvergence}), then reconciles every running region with the
   * others and compares their states ({@link ClusterStates#stateProblem}); all again until the
   * states are equal or the deadline passes.
   */
  void awaitFullConvergence(Deadline deadline, ClusterStates states) {
    while (true) {
      awaitConvergence(deadline);
      ClusterReconcileReport report = states.reconcileAll(deadline);
      String problem = states.stateProblem();
      if (problem == null && convergenceProblem(new long[shards]) == null) {
        return;
      }
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "cluster states not converged within "
                + deadline.timeout()
                + ": "
                + (problem == null ? "logs moved after reconciling" : problem)
                + "; last reconciliation: "
                + report);
      }
      deadline.park();
    }
  }

  /**
   * Waits for the logs ({@link #awaitConvergence}), then compares the states ({@link
   * ClusterStates#stateProblem}) without reconciling; all again until the states are equal (and the
   * logs did not move meanwhile) or the deadline passes. What reconciles is the regions' own
   * triggers (periodic sessions, retries after a heal).
   */
  void awaitStateConvergence(Deadline deadline, ClusterStates states) {
    while (true) {
      awaitConvergence(deadline);
      String problem = states.stateProblem();
      if (problem == null && convergenceProblem(new long[shards]) == null) {
        return;
      }
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "cluster states not converged by the regions' own reconciliation within "
                + deadline.timeout()
                + ": "
                + (problem == null ? "logs moved while states were compared" : problem));
      }
      deadline.park();
    }
  }

  /** Returns null and fills {@code positions} if converged, else what is not. */
  private String convergenceProblem(long[] positions) {
    List<RegionProcess> running = probe.running();
    for (int shard = 0; shard < shards; shard++) {
      RegionId leader = probe.agreedLeader(shard);
      if (leader == null) {
        return "shard " + shard + " has no agreed leader; " + probe.describe(shard);
      }
      ShardStatus l = probe.shardStatus(probe.node(leader), shard);
      if (l == null) {
        return "leader " + leader + " of shard " + shard + " stopped";
      }
      positions[shard] = l.durablePosition();
      String synced = probe.syncProblem(leader, shard, l.durablePosition());
      if (synced != null) {
        return synced + "; " + probe.describe(shard);
      }
      for (RegionProcess n : running) {
        ShardStatus s = probe.shardStatus(n, shard);
        if (s == null || s.appliedPosition() != l.durablePosition()) {
          return n.region()
              + " applied shard "
              + shard
              + " to "
              + (s == null ? "n/a" : s.appliedPosition())
              + " but leader "
              + leader
              + " has it durable to "
              + l.durablePosition()
              + "; "
              + probe.describe(shard);
        }
      }
    }
    return null;
  }

  private long leaderDurable(int shard, Deadline deadline) {
    while (true) {
      RegionId leader = awaitLeader(shard, deadline);
      ShardStatus s = probe.shardStatus(probe.node(leader), shard);
      if (s != null) {
        return s.durablePosition();
      }
      deadline.park(); // the leader crashed meanwhile: ask again
    }
  }

  private String describeAll() {
    StringBuilder b = new StringBuilder();
    for (int shard = 0; shard < shards; shard++) {
      b.append(shard == 0 ? "" : "; ").append(probe.describe(shard));
    }
    return b.toString();
  }
}
