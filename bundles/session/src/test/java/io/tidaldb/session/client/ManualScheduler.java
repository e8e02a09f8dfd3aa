package io.tidaldb.session.client;

import java.util.PriorityQueue;

/**
 * A {@link RetryScheduler} on virtual time for tests: tasks run on the test's thread, in time order
 * (ties in scheduling order), when the test calls {@link #runUntilIdle}. Not thread-safe.
 */
final class ManualScheduler implements RetryScheduler {
  private record Task(long at, long order, Runnable run, boolean[] cancelled)
      implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      return at != o.at ? Long.compare(at, o.at) : Long.compare(order, o.order);
    }
  }

  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long order;
  private Runnable afterEachTask = () -> {};

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Cancellable schedule(long delayNanos, Runnable task) {
    if (delayNanos < 0) {
      throw new IllegalArgumentException("negative delay " + delayNanos);
    }
    boolean[] cancelled = {false};
    tasks.add(new Task(now + delayNanos, order++, task, cancelled));
    return () -> cancelled[0] = true;
  }

  /** Sets a check run after every task (invariants between steps). */
  void afterEachTask(Runnable check) {
    this.afterEachTask = check;
  }

  long nowMillis() {
    return now / 1_000_000;
  }

  /** Runs the tasks due within {@code nanos} from now, in time order; the clock ends there. */
  void runFor(long nanos) {
    long until = now + nanos;
    while (!tasks.isEmpty() && tasks.peek().at <= until) {
      Task t = tasks.poll();
      if (!t.cancelled[0]) {
        now = Math.max(now, t.at);
        t.run.run();
        afterEachTask.run();
      }
    }
    now = until;
  }

  /** Runs every task, advancing the clock, until none is left; returns how many ran. */
  int runUntilIdle() {
    int ran = 0;
    while (!tasks.isEmpty()) {
      Task t = tasks.poll();
      if (t.cancelled[0]) {
        continue;
      }
      now = Math.max(now, t.at);
      t.run.run();
      afterEachTask.run();
      if (++ran > 1_000_000) {
        throw new AssertionError("more than 1,000,000 tasks: a loop");
      }
    }
    return ran;
  }
}
