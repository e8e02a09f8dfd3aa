package io.tidaldb.store;

import io.tidaldb.api.RegionId;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Completes the futures the store hands to its callers ({@code signalAsync}) on its own threads
 * ({@code tidal-ack-<region>-<n>}, {@value #THREADS} threads, {@value #QUEUE} queued), so that a
 * caller's continuation ({@code thenApply}, {@code thenAccept}, ...) never runs on a WAL commit
 * thread, whose every commit of the shard it would stall, nor on a transport delivery thread. The
 * queue is an array (no allocation per task beyond the future's own completion object). When it is
 * full or the store is closed, the completion runs on the thread that completed the source future:
 * counted ({@link #ranInline()}) and logged once. A task that throws ends its thread: counted
 * ({@link #threadDeaths()}), logged once per cause, and the pool starts another.
 *
 * <p>Thread-safe.
 */
final class AckExecutor implements Executor, AutoCloseable {
  static final int THREADS = 2;
  static final int QUEUE = 65_536;

  private static final Logger LOG = LoggerFactory.getLogger(AckExecutor.class);
  private static final long SUMMARY_SECONDS = 10;

  private final RegionId region;
  private final ThreadPoolExecutor executor;
  private final AtomicLong inline = new AtomicLong();
  private final ErrorCounters deaths;

  AckExecutor(RegionId region) {
    this.region = region;
    this.deaths =
        new ErrorCounters(
            LOG, "store of " + region, Level.ERROR, TimeUnit.SECONDS.toNanos(SUMMARY_SECONDS));
    RejectedExecutionHandler runInline =
        (task, pool) -> {
          if (inline.getAndIncrement() == 0) {
            LOG.warn(
                "store of {}: acknowledgement queue full ({} waiting) or closed; completing on the"
                    + " calling thread (logged once)",
                region,
                QUEUE);
          }
          task.run();
        };
    this.executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            new ThreadDeaths(
                    deaths,
                    System::nanoTime,
                    "a caller's continuation threw; the pool starts another thread",
                    null)
                .factory("tidal-ack-" + region, true),
            runInline);
  }

  @Override
  public void execute(Runnable command) {
    executor.execute(command);
  }

  /** Returns how many acknowledgement threads died (each cause logged once; replaced). */
  long threadDeaths() {
    return deaths.total();
  }

  /** Returns how many completions ran on the completing thread (queue full or closed). */
  long ranInline() {
    return inline.get();
  }

  /** Stops the threads after the queued completions ran (waits at most 1 s). */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
        LOG.warn("store of {}: acknowledgement continuations still busy after 1 s", region);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
