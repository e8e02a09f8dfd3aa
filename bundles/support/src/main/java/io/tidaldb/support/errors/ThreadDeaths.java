package io.tidaldb.support.errors;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The uncaught-exception handler of a component's long-lived threads: a thread that dies is counted
 * and logged once per cause in the component's {@link ErrorCounters} (naming the thread and what
 * its death means), then the component reacts (a WAL shard stops, a region steps down from its
 * shards). No thread of ours dies silently, and a pool whose workers keep dying does not flood the
 * log.
 */
public final class ThreadDeaths implements Thread.UncaughtExceptionHandler {
  private final ErrorCounters errors;
  private final LongSupplier clock;
  private final String consequence;
  private final BiConsumer<Thread, Throwable> reaction;

  /**
   * Creates a handler.
   *
   * @param errors where deaths are counted and logged
   * @param clock the monotonic time in nanoseconds
   * @param consequence what the death means, for the log line
   * @param reaction what the component does about it (runs on the dying thread), or null
   */
  public ThreadDeaths(
      ErrorCounters errors,
      LongSupplier clock,
      String consequence,
      BiConsumer<Thread, Throwable> reaction) {
    this.errors = errors;
    this.clock = clock;
    this.consequence = consequence;
    this.reaction = reaction;
  }

  @Override
  public void uncaughtException(Thread thread, Throwable failure) {
    try {
      errors.record(
          "thread died: " + ErrorCounters.causeOf(failure),
          failure,
          clock.getAsLong(),
          "thread " + thread.getName() + " died of " + failure + "; " + consequence);
    } finally {
      if (reaction != null) {
        reaction.accept(thread, failure);
      }
    }
  }

  /**
   * Creates a daemon thread with this handler.
   *
   * @param name the thread's name
   * @param body what it runs
   * @return the thread, not started
   */
  public Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.setUncaughtExceptionHandler(this);
    return t;
  }

  /**
   * Returns a factory of daemon threads with this handler, named {@code prefix} or {@code
   * prefix-<n>} from 1 if {@code numbered}.
   *
   * @param prefix the threads' name
   * @param numbered whether to number them
   * @return the factory
   */
  public ThreadFactory factory(String prefix, boolean numbered) {
    AtomicInteger n = new AtomicInteger();
    return r -> daemon(numbered ? prefix + "-" + n.incrementAndGet() : prefix, r);
  }
}
