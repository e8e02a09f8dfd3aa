package io.tidaldb.reconcile;

import io.tidaldb.api.RegionId;
import java.time.Duration;
import java.util.List;

/**
 * What one {@link Reconciliation#reconcileAll()} did: the sessions with every peer, summed (round
 * trips: the most any session took).
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
    long statesRejected) {
  /** Copies the lists. */
  public ReconcileReport {
    peers = List.copyOf(peers);
    failed = List.copyOf(failed);
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
            + " trips, %d states sent, %d received, %d merged, %d rejected",
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
        statesRejected);
  }
}
