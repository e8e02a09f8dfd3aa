package io.tidaldb.session.client;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * The clock and timer of a {@link SessionClient}: back-offs and attempt timeouts are scheduled
 * here, so that tests drive them with virtual time instead of sleeping. Implementations run each
 * task once, on any thread, not before its delay has passed on {@link #nanoTime()}.
 */
@ConsumerType
public interface RetryScheduler {

  /**
   * Returns the current time of this scheduler's clock.
   *
   * @return nanoseconds from an arbitrary origin
   */
  long nanoTime();

  /**
   * Runs a task once after a delay.
   *
   * @param delayNanos the delay, not negative
   * @param task the task
   * @return a handle that cancels the task if it has not run
   */
  Cancellable schedule(long delayNanos, Runnable task);

  /** A scheduled task that can be cancelled. */
  @ConsumerType
  interface Cancellable {
    /** Cancels the task if it has not run yet; does nothing otherwise. */
    void cancel();
  }

  /**
   * Returns a scheduler on {@link System#nanoTime()} that runs its tasks on an executor; the caller
   * shuts the executor down when done (a {@link SessionClient} built without a scheduler makes one
   * with {@link #newDaemonExecutor()} and shuts it down on {@code close()}).
   *
   * @param executor the executor that runs the tasks
   * @return the scheduler
   */
  static RetryScheduler of(ScheduledExecutorService executor) {
    return new RetryScheduler() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public Cancellable schedule(long delayNanos, Runnable task) {
        ScheduledFuture<?> f = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }
    };
  }

  /**
   * Creates the single daemon thread a {@link SessionClient} uses when given no scheduler; a
   * cancelled task leaves its queue at once.
   *
   * @return a new executor; shut it down when done
   */
  static ScheduledExecutorService newDaemonExecutor() {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "tidal-session-client-retries");
              t.setDaemon(true);
              return t;
            });
    // Every write schedules its attempt's timeout and cancels it when the answer comes: remove it
    // then, so the queue holds only live timeouts instead of every write of the last 10 s.
    executor.setRemoveOnCancelPolicy(true);
    return executor;
  }
}
