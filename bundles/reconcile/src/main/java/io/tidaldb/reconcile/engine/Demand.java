package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.reconcile.CompactionReport;
import io.tidaldb.reconcile.ReconcileReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One {@code reconcileAll()}: waits for a session with every peer, then for the compaction round
 * after them ({@link Compactor}), then completes its report.
 */
final class Demand {
  final CompletableFuture<ReconcileReport> future = new CompletableFuture<>();
  private long requestedNanos;
  private final Set<RegionId> waiting;
  private final List<RegionId> done = new ArrayList<>();
  private final List<RegionId> failed = new ArrayList<>();
  private long bytesSent;
  private long bytesReceived;
  private int roundTrips;
  private long statesSent;
  private long statesReceived;
  private long merged;
  private long rejected;
  private ReconcileReport sessions;

  Demand(List<RegionId> peers) {
    this.waiting = new HashSet<>(peers);
  }

  /** Marks when the engine took the demand (its duration starts there). */
  void taken(long nowNanos) {
    requestedNanos = nowNanos;
  }

  /**
   * Adds an ended session.
   *
   * @return true once every peer's session has ended (then {@link #complete} is due)
   */
  boolean ended(InitiatorSession s, long nowNanos) {
    if (!waiting.remove(s.peer)) {
      return false;
    }
    (s.phase == InitiatorSession.Phase.DONE ? done : failed).add(s.peer);
    bytesSent += s.bytesSent;
    bytesReceived += s.bytesReceived;
    roundTrips = Math.max(roundTrips, s.roundTrips);
    statesSent += s.statesSent;
    statesReceived += s.statesReceived;
    merged += s.merged;
    rejected += s.rejected;
    if (waiting.isEmpty()) {
      sessionsEnded(nowNanos);
      return true;
    }
    return false;
  }

  /** Records the sessions' report (every peer's session ended, or there are no peers). */
  void sessionsEnded(long nowNanos) {
    sessions =
        new ReconcileReport(
            done,
            failed,
            Duration.ofNanos(nowNanos - requestedNanos),
            bytesSent,
            bytesReceived,
            roundTrips,
            statesSent,
            statesReceived,
            merged,
            rejected);
  }

  /** Completes the future with the sessions' report and the compaction round's. */
  void complete(CompactionReport compaction) {
    future.complete(sessions.withCompaction(compaction));
  }
}
