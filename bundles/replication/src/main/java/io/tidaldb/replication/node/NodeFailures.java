package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.support.errors.Backoff;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * How one region's replication threads fail, in one place: every failure of a background loop is
 * counted per cause and logged once ({@link ErrorCounters}, then a summary at most every {@value
 * #SUMMARY_EVERY_SECONDS} s); a shard whose round on the replication thread throws is retried with
 * exponential back-off ({@value #BACKOFF_MIN_MILLIS} ms doubling to {@value #BACKOFF_MAX_MILLIS}
 * ms) while the other shards go on; a thread that dies ({@link ThreadDeaths}) is counted, logged,
 * and for the replication thread the region stands aside from every shard (the reaction given at
 * construction), so that it never goes on answering {@code checkLeader} from the state a dead
 * thread left.
 *
 * <p>Thread-safe, except {@link #work}, which only the replication thread calls.
 */
final class NodeFailures {
  static final long BACKOFF_MIN_MILLIS = 1;
  static final long BACKOFF_MAX_MILLIS = 1_000;
  static final long SUMMARY_EVERY_SECONDS = 10;

  private static final Logger LOG = LoggerFactory.getLogger(NodeFailures.class);

  private final LongSupplier clock;
  private final ErrorCounters errors;
  private final Backoff[] backoffs;
  private final AtomicLong workFailures = new AtomicLong();
  private final AtomicLong deaths = new AtomicLong();
  private final ThreadDeaths fatal;
  private final ThreadDeaths counted;

  /**
   * Creates the failure handling of one region.
   *
   * @param self the region
   * @param shards the shard count
   * @param clock the monotonic time in nanoseconds
   * @param standAside what the region does when its replication thread dies
   */
  NodeFailures(
      RegionId self, int shards, LongSupplier clock, BiConsumer<Thread, Throwable> standAside) {
    this.clock = clock;
    this.errors =
        new ErrorCounters(
            LOG,
            "replication of " + self,
            Level.ERROR,
            TimeUnit.SECONDS.toNanos(SUMMARY_EVERY_SECONDS));
    this.backoffs = new Backoff[shards];
    for (int i = 0; i < shards; i++) {
      backoffs[i] =
          new Backoff(
              TimeUnit.MILLISECONDS.toNanos(BACKOFF_MIN_MILLIS),
              TimeUnit.MILLISECONDS.toNanos(BACKOFF_MAX_MILLIS));
    }
    this.fatal =
        new ThreadDeaths(
            errors,
            clock,
            "region " + self + " steps down from every shard and stands aside until restarted",
            (t, e) -> {
              deaths.incrementAndGet();
              standAside.accept(t, e);
            });
    this.counted =
        new ThreadDeaths(
            errors,
            clock,
            "its task is lost (a forward's origin times out); the pool starts another thread",
            (t, e) -> deaths.incrementAndGet());
  }

  /** A thread whose death makes the region stand aside (the replication thread). */
  Thread essential(String name, Runnable body) {
    return fatal.daemon(name, body);
  }

  /** A factory of pool threads whose death is counted and logged once per cause (cut, forward). */
  ThreadFactory pool(String prefix, boolean numbered) {
    return counted.factory(prefix, numbered);
  }

  /**
   * Runs one round of a shard on the replication thread, unless it is backing off after failures; a
   * RuntimeException is counted, logged once per cause, and backs the shard off.
   *
   * @return the work done
   */
  int work(ShardReplica shard, long nowNanos) {
    Backoff backoff = backoffs[shard.shard()];
    if (!backoff.ready(nowNanos)) {
      return 0;
    }
    try {
      int work = shard.doWork(nowNanos);
      backoff.succeeded();
      return work;
    } catch (RuntimeException e) {
      workFailures.incrementAndGet();
      long wait = backoff.failed(nowNanos);
      errors.record(
          e,
          nowNanos,
          "shard "
              + shard.shard()
              + ": a round of the replication thread failed ("
              + backoff.failures()
              + " in a row, next try in "
              + TimeUnit.NANOSECONDS.toMillis(wait)
              + " ms): "
              + e);
      return 0;
    }
  }

  /**
   * Counts a failure of a background task that goes on (a received frame, a forward reply).
   *
   * @param failure what was thrown
   * @param detail what failed, with the values involved
   */
  void failed(Throwable failure, String detail) {
    errors.record(failure, clock.getAsLong(), detail + ": " + failure);
  }

  /** Returns how many rounds of a shard failed on the replication thread. */
  long workFailures() {
    return workFailures.get();
  }

  /** Returns how many of the region's replication threads died. */
  long deaths() {
    return deaths.get();
  }

  /** Returns every failure counted (rounds, tasks, thread deaths). */
  long total() {
    return errors.total();
  }

  /** Returns how many failure lines were logged (first of each cause, summaries). */
  long linesLogged() {
    return errors.linesLogged();
  }
}
