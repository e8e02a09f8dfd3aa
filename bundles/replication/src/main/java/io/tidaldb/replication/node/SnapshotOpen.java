package io.tidaldb.replication.node;

import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.ShardSnapshot;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Opens a shard's snapshot for a follower behind the log ({@link ReplicaState#openSnapshot}) off
 * the replication thread, on the region's cut thread: the store may write a whole snapshot first.
 * The owner polls the outcome on later rounds. Closing before the outcome is taken closes the
 * snapshot that arrives later, so a transfer abandoned meanwhile leaks no file handle.
 *
 * <p>Thread-safety: the owner calls {@link #start}, {@link #poll} and {@link #close}; the cut
 * thread hands the outcome over with one compare-and-set.
 */
final class SnapshotOpen {
  /** How an open ended: the snapshot, or why there is none (exactly one is non-null). */
  record Outcome(ShardSnapshot snapshot, String failure) {}

  private static final Object CLOSED = new Object();

  private final int shard;
  private final Executor cutter;
  private final Supplier<ReplicaState> store;
  private AtomicReference<Object> outcome; // null while in flight; an Outcome; CLOSED

  SnapshotOpen(int shard, Executor cutter, Supplier<ReplicaState> store) {
    this.shard = shard;
    this.cutter = cutter;
    this.store = store;
  }

  /**
   * Starts opening; a previous open not yet taken is closed.
   *
   * @return false if the cut executor refused the task (the node is closing)
   */
  boolean start() {
    close();
    AtomicReference<Object> slot = new AtomicReference<>();
    outcome = slot;
    try {
      cutter.execute(() -> handOver(slot, open()));
      return true;
    } catch (RuntimeException e) {
      outcome = null;
      return false;
    }
  }

  /** Returns the outcome once the open has ended (once), else null. */
  Outcome poll() {
    AtomicReference<Object> slot = outcome;
    if (slot == null || !(slot.get() instanceof Outcome o)) {
      return null;
    }
    outcome = null;
    return o;
  }

  /** Abandons an open in flight or not taken yet: its snapshot is closed. */
  void close() {
    AtomicReference<Object> slot = outcome;
    outcome = null;
    if (slot != null && slot.getAndSet(CLOSED) instanceof Outcome o && o.snapshot() != null) {
      o.snapshot().close();
    }
  }

  private Outcome open() {
    ReplicaState s = store.get();
    if (s == null) {
      return new Outcome(null, "no store is attached");
    }
    try {
      Optional<ShardSnapshot> opened = s.openSnapshot(shard);
      return opened
          .map(snap -> new Outcome(snap, null))
          .orElseGet(() -> new Outcome(null, "the store ships no snapshot"));
    } catch (RuntimeException | Error e) {
      return new Outcome(null, "opening a snapshot failed: " + e);
    }
  }

  private static void handOver(AtomicReference<Object> slot, Outcome o) {
    if (!slot.compareAndSet(null, o) && o.snapshot() != null) {
      o.snapshot().close(); // abandoned meanwhile
    }
  }
}
