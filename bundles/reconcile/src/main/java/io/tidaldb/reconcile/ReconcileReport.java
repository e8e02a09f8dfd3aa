package io.tidaldb.reconcile;

import io.tidaldb.api.RegionId;
import java.time.Duration;
import java.util.List;

/**
 * What one {@link Reconciliation#reconcileAll()} did: the sessions with every peer, summed (round
 * trips: the most any session took), and the compaction probe that ran after them.
 *
 * @param peers the peers whose session completed
 * @param failed the peers whose session failed (unreachable, timed out, or bad input from them)
 * @param duration from the request until the last session ended
 * @param bytesSent bytes of the frames this region sent in the sessions
 * @param bytesReceived bytes of the frames it received in them
 * @param roundTrips the most round trips a session took (0 to 3)
 * @param statesSent entity states this region sent
 * @param statesReceived entity states it received
 * @param statesMerged states whose join changed a region's state (here or at the peer)
 * @param statesRejected states a region rejected (failed validation, or series not defined there)
 * @param compaction the compaction probe run after the sessions ({@link CompactionReport#NONE} if
 *     compaction is off); since 1.1
 */
public record ReconcileReport(
    List<RegionId> peers,
    List<RegionId> failed,
    Duration duration,
    long bytesSent,
    long bytesReceived,
    int roundTrips,
    long statesSent,
    long statesReceived,
    long statesMerged,
    long statesRejected,
    CompactionReport compaction) {
  /** Copies the lists. */
  public ReconcileReport {
    peers = List.copyOf(peers);
    failed = List.copyOf(failed);
    if (compaction == null) {
      compaction = CompactionReport.NONE;
    }
  }

  /**
   * Creates a report without compaction (the form of version 1.0).
   *
   * @param peers the peers whose session completed
   * @param failed the peers whose session failed
   * @param duration from the request until the last session ended
   * @param bytesSent bytes sent in the sessions
   * @param bytesReceived bytes received in them
   * @param roundTrips the most round trips a session took
   * @param statesSent entity states sent
   * @param statesReceived entity states received
   * @param statesMerged states whose join changed a region's state
   * @param statesRejected states a region rejected
   */
  public ReconcileReport(
      List<RegionId> peers,
      List<RegionId> failed,
      Duration duration,
      long bytesSent,
      long bytesReceived,
      int roundTrips,
      long statesSent,
      long statesReceived,
      long statesMerged,
      long statesRejected) {
    this(
        peers,
        failed,
        duration,
        bytesSent,
        bytesReceived,
        roundTrips,
        statesSent,
        statesReceived,
        statesMerged,
        statesRejected,
        CompactionReport.NONE);
  }

  /**
   * Returns this report with the compaction probe's outcome.
   *
   * @param value the compaction round run after the sessions
   * @return a copy
   * @since 1.1
   */
  public ReconcileReport withCompaction(CompactionReport value) {
    return new ReconcileReport(
        peers,
        failed,
        duration,
        bytesSent,
        bytesReceived,
        roundTrips,
        statesSent,
        statesReceived,
        statesMerged,
        statesRejected,
        value);
  }

  /**
   * Returns the bytes exchanged both ways.
   *
   * @return sent plus received
   */
  public long bytesExchanged() {
    return bytesSent + bytesReceived;
  }

  @Override
  public String toString() {
    return String.format(
        "reconciled with %s%s in %.1f ms: %d KiB exchanged (%d sent, %d received), %d round"
            + " trips, %d states sent, %d received, %d merged, %d rejected%s",
        peers,
        failed.isEmpty() ? "" : " (failed: " + failed + ")",
        duration.toNanos() / 1e6,
        bytesExchanged() / 1024,
        bytesSent,
        bytesReceived,
        roundTrips,
        statesSent,
        statesReceived,
        statesMerged,
        statesRejected,
        compaction.isEmpty() ? "" : "; compaction: " + compaction);
  }
}
