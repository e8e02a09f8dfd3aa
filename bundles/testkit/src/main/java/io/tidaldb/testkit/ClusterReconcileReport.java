package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.reconcile.ReconcileReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link SimulatedCluster#reconcileAll()} did: its rounds, one after another, in each of
 * which one region ran a session with every other region in parallel ({@link ReconcileReport}), and
 * the totals.
 *
 * @param duration from the first round's request until the last round's sessions ended
 * @param rounds the rounds, in the order they ran
 * @param skipped regions that did not run a session (down, crashed meanwhile, or without
 *     reconciliation because the transport does not carry its channel)
 * @since testkit 1.4.0
 */
public record ClusterReconcileReport(
    Duration duration, List<Round> rounds, List<RegionId> skipped) {
  /**
   * One region's sessions with every other region, run in parallel.
   *
   * @param region the region that started them
   * @param report what they did
   */
  public record Round(RegionId region, ReconcileReport report) {}

  /** Copies the lists. */
  public ClusterReconcileReport {
    rounds = List.copyOf(rounds);
    skipped = List.copyOf(skipped);
  }

  /**
   * Returns the bytes sent over the reconciliation channel by every region (each frame counted
   * once, by its sender).
   *
   * @return the sum of every region's bytes sent
   */
  public long bytesExchanged() {
    return rounds.stream().map(Round::report).mapToLong(ReconcileReport::bytesSent).sum();
  }

  /**
   * Returns the round trips on the critical path: the rounds ran one after another, each its
   * sessions in parallel, so the sum over the rounds of the most a session of theirs took.
   *
   * @return the round trips
   */
  public int roundTrips() {
    return rounds.stream().map(Round::report).mapToInt(ReconcileReport::roundTrips).sum();
  }

  /**
   * Returns the entity states whose join changed a region's state.
   *
   * @return the sum of every region's merged states
   */
  public long statesMerged() {
    return rounds.stream().map(Round::report).mapToLong(ReconcileReport::statesMerged).sum();
  }

  /**
   * Returns the entity states sent, by every region.
   *
   * @return the sum of every region's states sent
   */
  public long statesSent() {
    return rounds.stream().map(Round::report).mapToLong(ReconcileReport::statesSent).sum();
  }

  /**
   * Returns the states a region rejected (failed validation, or series not defined there).
   *
   * @return the sum over the regions
   */
  public long statesRejected() {
    return rounds.stream().map(Round::report).mapToLong(ReconcileReport::statesRejected).sum();
  }

  /**
   * Returns the sessions that failed, as "initiator->peer".
   *
   * @return one entry per failed session; empty when every session completed
   */
  public List<String> failedSessions() {
    List<String> failed = new ArrayList<>();
    for (Round r : rounds) {
      r.report().failed().forEach(p -> failed.add(r.region() + "->" + p));
    }
    return failed;
  }

  @Override
  public String toString() {
    StringBuilder b =
        new StringBuilder(
            String.format(
                "cluster reconciliation: %.1f ms, %d KiB exchanged, %d round trips, %d states"
                    + " sent, %d merged, %d rejected",
                duration.toNanos() / 1e6,
                bytesExchanged() / 1024,
                roundTrips(),
                statesSent(),
                statesMerged(),
                statesRejected()));
    if (!failedSessions().isEmpty()) {
      b.append(", failed sessions ").append(failedSessions());
    }
    if (!skipped.isEmpty()) {
      b.append(", regions skipped ").append(skipped);
    }
    for (Round r : rounds) {
      b.append("\n  ").append(r.region()).append(": ").append(r.report());
    }
    return b.toString();
  }
}
