package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.reconcile.ReconcileReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one {@link SimulatedCluster#reconcileAll()} did: per running region its {@link
 * ReconcileReport} (a session with every other region, in parallel), the regions having run one
 * after another in configuration order, and the totals.
 *
 * @param duration from the first region's request until the last region's sessions ended
 * @param byRegion each running region's report, in the order they ran
 * @param skipped regions that did not run a session (down, crashed meanwhile, or without
 *     reconciliation because the transport does not carry its channel)
 * @since testkit 1.4.0
 */
public record ClusterReconcileReport(
    Duration duration, Map<RegionId, ReconcileReport> byRegion, List<RegionId> skipped) {
  /** Copies the map (keeping its order) and the list. */
  public ClusterReconcileReport {
    byRegion = Collections.unmodifiableMap(new LinkedHashMap<>(byRegion));
    skipped = List.copyOf(skipped);
  }

  /**
   * Returns the bytes sent over the reconciliation channel by every region (each frame counted
   * once, by its sender).
   *
   * @return the sum of every region's bytes sent
   */
  public long bytesExchanged() {
    return byRegion.values().stream().mapToLong(ReconcileReport::bytesSent).sum();
  }

  /**
   * Returns the round trips on the critical path: the regions ran one after another, each its
   * sessions in parallel, so the sum over the regions of the most a session of theirs took.
   *
   * @return the round trips
   */
  public int roundTrips() {
    return byRegion.values().stream().mapToInt(ReconcileReport::roundTrips).sum();
  }

  /**
   * Returns the entity states whose join changed a region's state.
   *
   * @return the sum of every region's merged states
   */
  public long statesMerged() {
    return byRegion.values().stream().mapToLong(ReconcileReport::statesMerged).sum();
  }

  /**
   * Returns the entity states sent, by every region.
   *
   * @return the sum of every region's states sent
   */
  public long statesSent() {
    return byRegion.values().stream().mapToLong(ReconcileReport::statesSent).sum();
  }

  /**
   * Returns the states a region rejected (failed validation, or series not defined there).
   *
   * @return the sum over the regions
   */
  public long statesRejected() {
    return byRegion.values().stream().mapToLong(ReconcileReport::statesRejected).sum();
  }

  /**
   * Returns the sessions that failed, as "initiator->peer".
   *
   * @return one entry per failed session; empty when every session completed
   */
  public List<String> failedSessions() {
    List<String> failed = new ArrayList<>();
    byRegion.forEach((r, rep) -> rep.failed().forEach(p -> failed.add(r + "->" + p)));
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
    byRegion.forEach((r, rep) -> b.append("\n  ").append(r).append(": ").append(rep));
    return b.toString();
  }
}
