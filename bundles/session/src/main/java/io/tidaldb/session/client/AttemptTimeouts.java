package io.tidaldb.session.client;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The attempt timeouts of one {@link SessionClient}: one slot per seq a session may have unsettled
 * ({@link Session#MAX_IN_FLIGHT}, slot {@code seq & (MAX_IN_FLIGHT - 1)}: the seqs unsettled at
 * once are consecutive, and a write's attempts run one after another, so a slot has one live entry
 * at a time; an attempt of a write that ended while the attempt was starting leaves a later seq's
 * entry in place), and one sweep scheduled on the client's {@link RetryScheduler} at the earliest
 * due entry. Starting an attempt's timeout is a slot write and a read of the sweep's time, ending
 * it a compare-and-set of its slot: nothing locked, one small object allocated. A task per attempt
 * on a {@code ScheduledThreadPoolExecutor} (the client's timer before this class) cost every write
 * the executor queue's lock twice, once to schedule and once to cancel with the reply, contended
 * between the writers and the store's completion threads: 110 ns of CPU per write in the profile of
 * bench/RESULTS.md §33.
 *
 * <p>The sweep fires every entry due at or before its run, then schedules the next sweep at the
 * earliest entry left. An entry due before the scheduled sweep (the first after an idle spell, or a
 * retry's shorter timeout near the write's deadline) schedules a sweep of its own at its due time,
 * so every timeout fires when the scheduler runs the task scheduled for it, as a task per attempt
 * did. A start that races with a sweep is seen by the sweep's scan or sees the sweep's unarmed
 * state and schedules one (both sides write, then read, volatile fields).
 *
 * <p>If the scheduler refuses a sweep (the client's own executor is shut down by {@code close()}),
 * the entries that sweep was for run without a timeout; the store's own waits bound their attempts.
 *
 * <p>Thread-safe.
 */
final class AttemptTimeouts {
  /** A started timeout: {@code onTimeout} runs at {@code dueNanos} unless the entry is ended. */
  static final class Entry {
    final long seq;
    final long dueNanos;
    final Runnable onTimeout;

    Entry(long seq, long dueNanos, Runnable onTimeout) {
      this.seq = seq;
      this.dueNanos = dueNanos;
      this.onTimeout = onTimeout;
    }
  }

  private static final int SLOTS = Session.MAX_IN_FLIGHT;
  private static final long UNARMED = Long.MAX_VALUE;

  private final RetryScheduler scheduler;
  private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);
  private final Object lock = new Object();
  private volatile long armedAt = UNARMED; // written under lock: the next sweep's due time

  AttemptTimeouts(RetryScheduler scheduler) {
    this.scheduler = scheduler;
  }

  /**
   * Starts the timeout of the attempt of {@code seq} now running: {@code onTimeout} runs once at or
   * after {@code dueNanos} on the scheduler's clock unless {@link #end} comes first.
   *
   * @return the entry, to end it with
   */
  Entry start(long seq, long dueNanos, Runnable onTimeout) {
    Entry e = new Entry(seq, dueNanos, onTimeout);
    int i = slot(seq);
    while (true) {
      Entry held = slots.get(i);
      if (held != null && held.seq > seq) {
        // a later seq's attempt holds the slot, so this seq has settled: its write ended while
        // this attempt was starting (a late answer of the attempt before), and the attempt will
        // find it done; taking the slot would drop that later attempt's timeout
        return e;
      }
      if (slots.compareAndSet(i, held, e)) {
        break;
      }
    }
    if (dueNanos < armedAt) {
      arm(dueNanos);
    }
    return e;
  }

  /** Ends a timeout that has not fired (the attempt was answered or given up). */
  void end(long seq, Entry e) {
    if (e != null) {
      slots.compareAndSet(slot(seq), e, null);
    }
  }

  /** Returns the entries not yet ended or fired (tests). */
  int live() {
    int n = 0;
    for (int i = 0; i < SLOTS; i++) {
      if (slots.get(i) != null) {
        n++;
      }
    }
    return n;
  }

  private static int slot(long seq) {
    return (int) (seq & (SLOTS - 1));
  }

  /** Schedules a sweep at {@code dueNanos} unless one is scheduled at or before it. */
  private void arm(long dueNanos) {
    synchronized (lock) {
      if (dueNanos >= armedAt) {
        return;
      }
      armedAt = dueNanos;
      try {
        scheduler.schedule(Math.max(0, dueNanos - scheduler.nanoTime()), this::sweep);
      } catch (RuntimeException closed) { // the client is closed: the store's waits bound it
        armedAt = UNARMED;
      }
    }
  }

  private void sweep() {
    synchronized (lock) {
      armedAt = UNARMED; // a start from now on schedules a sweep if this scan misses it
    }
    long now = scheduler.nanoTime();
    long next = UNARMED;
    List<Entry> due = null;
    for (int i = 0; i < SLOTS; i++) {
      Entry e = slots.get(i);
      if (e == null) {
        continue;
      }
      if (e.dueNanos <= now) {
        if (slots.compareAndSet(i, e, null)) { // not ended meanwhile: fires once
          if (due == null) {
            due = new ArrayList<>();
          }
          due.add(e);
        }
      } else if (e.dueNanos < next) {
        next = e.dueNanos;
      }
    }
    if (next != UNARMED) {
      arm(next);
    }
    if (due != null) {
      for (Entry e : due) {
        e.onTimeout.run();
      }
    }
  }
}
