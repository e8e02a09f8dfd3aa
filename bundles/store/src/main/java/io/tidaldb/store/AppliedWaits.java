package io.tidaldb.store;

import io.tidaldb.api.UnavailableException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Readers of one shard waiting for its applied positions (the shard log's, the local stream's) to
 * pass a read token's position, woken by the threads that apply.
 *
 * <p>The appliers (the shard log's and the local log's commit threads, a cut, an install) call
 * {@link #advanced()} after they moved an applied position: a volatile read while nobody waits, a
 * {@code notifyAll} under this object's monitor while someone does; never an allocation. A waiter
 * counts itself in before it checks its condition, and an applier moves the position before it
 * reads the count, so a waiter either sees the new position or is notified of it.
 */
final class AppliedWaits {
  private final Object monitor = new Object();
  private final AtomicInteger waiters = new AtomicInteger();

  /** Wakes the waiters, if any, to check their condition again (any applying thread). */
  void advanced() {
    if (waiters.get() > 0) {
      synchronized (monitor) {
        monitor.notifyAll();
      }
    }
  }

  /**
   * Waits until {@code applied} holds or {@code deadlineNanos} passes on {@code nanoClock}.
   *
   * @return whether {@code applied} holds
   * @throws UnavailableException if the thread is interrupted (its interrupt flag is restored)
   */
  boolean await(BooleanSupplier applied, long deadlineNanos, LongSupplier nanoClock) {
    if (applied.getAsBoolean()) {
      return true;
    }
    waiters.incrementAndGet();
    try {
      synchronized (monitor) {
        while (!applied.getAsBoolean()) {
          long left = deadlineNanos - nanoClock.getAsLong();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(monitor, left);
        }
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(
          "interrupted while a read waited for its token's position", false, null);
    } finally {
      waiters.decrementAndGet();
    }
  }

  /** How many readers wait (tests). */
  int waiters() {
    return waiters.get();
  }
}
