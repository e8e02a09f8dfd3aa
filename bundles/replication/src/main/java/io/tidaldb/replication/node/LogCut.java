package io.tidaldb.replication.node;

import io.tidaldb.api.replication.ReplicaState;
import java.util.concurrent.Executor;

/**
 * One shard's log cut ({@link ReplicaState#truncateLog}), run off the replication thread: the store
 * writes a whole snapshot under the shard's locks, which can take long, and on the replication
 * thread (which also handles every received frame of the region) it stalled every shard of the
 * region: heartbeats, votes, acks, so its leaders failed over meanwhile. The epoch sync starts the
 * cut and polls for its outcome on later rounds; the executor wakes the replication thread when a
 * cut ends.
 *
 * <p>Replicated batches: the replication thread appends them, and only while the sync is synced; a
 * cut starts only from a sync that waited for a quiet log (every appended batch durable) and has
 * not been synced since, so no batch is appended or pending while the store cuts.
 *
 * <p>Not thread-safe: the replication thread calls {@link #start}, {@link #inFlight} and {@link
 * #poll}; the outcome is handed over through a volatile field.
 */
final class LogCut {
  /** How a cut ended: the records removed, or the failure. */
  record Outcome(long position, long removed, Throwable failure) {}

  private final int shard;
  private final Executor cutter;
  private volatile Outcome outcome;
  private boolean inFlight;

  LogCut(int shard, Executor cutter) {
    this.shard = shard;
    this.cutter = cutter;
  }

  /** Whether a cut was started and its outcome not yet polled. */
  boolean inFlight() {
    return inFlight;
  }

  /** Starts cutting the log at {@code position} for the leader of {@code fenceEpoch}. */
  void start(ReplicaState store, long position, long fenceEpoch) {
    outcome = null;
    inFlight = true;
    try {
      cutter.execute(() -> outcome = run(store, position, fenceEpoch));
    } catch (RuntimeException e) {
      inFlight = false; // the executor is shut down: the node is closing
      throw e;
    }
  }

  /** Returns the outcome of the cut in flight once it has ended (once), else null. */
  Outcome poll() {
    Outcome o = outcome;
    if (o != null) {
      outcome = null;
      inFlight = false;
    }
    return o;
  }

  private Outcome run(ReplicaState store, long position, long fenceEpoch) {
    try {
      return new Outcome(position, store.truncateLog(shard, position, fenceEpoch), null);
    } catch (RuntimeException | Error e) {
      return new Outcome(position, 0, e);
    }
  }
}
