package io.tidaldb.support.errors;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Counts a background loop's failures per cause and logs them without flooding the log (in the
 * style of Agrona's {@code CountedErrorHandler}): the first failure of each cause is logged at the
 * given level with its detail and stack trace; later ones are counted, and at most once per summary
 * interval a line says how many more came and the last detail. A cause is a short key chosen by the
 * caller or derived from the failure ({@link #causeOf}: its class and the place it was thrown). At
 * most {@value #MAX_CAUSES} causes are kept apart; beyond that they share {@link #OTHER}.
 *
 * <p>Time is passed in. Thread-safe (failures are rare; the methods synchronise).
 */
public final class ErrorCounters {
  /** The most distinct causes counted apart. */
  public static final int MAX_CAUSES = 256;

  /** The cause that new causes share once {@value #MAX_CAUSES} are counted. */
  public static final String OTHER = "other causes";

  private static final class Count {
    long total;
    long unlogged;
    long lastLogNanos;
    String lastDetail;
  }

  private final Logger log;
  private final String owner;
  private final Level level;
  private final long summaryEveryNanos;
  private final Map<String, Count> counts = new HashMap<>();
  private long total;
  private long lines;

  /**
   * Creates counters.
   *
   * @param log where the lines go
   * @param owner what fails, named in every line (such as {@code replication of r1})
   * @param level the level of each cause's first line (ERROR or WARN); summaries are at WARN
   * @param summaryEveryNanos the least time between two summary lines of one cause
   */
  public ErrorCounters(Logger log, String owner, Level level, long summaryEveryNanos) {
    if (summaryEveryNanos <= 0) {
      throw new IllegalArgumentException(
          "summaryEveryNanos must be positive: " + summaryEveryNanos);
    }
    this.log = log;
    this.owner = owner;
    this.level = level;
    this.summaryEveryNanos = summaryEveryNanos;
  }

  /**
   * Counts a failure under the cause {@link #causeOf}{@code (failure)}.
   *
   * @param failure what was thrown
   * @param nowNanos the monotonic time
   * @param detail what failed, with the values involved
   * @return true if a line was logged for it (a cause's first failure, or a summary)
   */
  public boolean record(Throwable failure, long nowNanos, String detail) {
    return record(causeOf(failure), failure, nowNanos, detail);
  }

  /**
   * Counts a failure under {@code cause}.
   *
   * @param cause the cause key
   * @param failure what was thrown, or null
   * @param nowNanos the monotonic time
   * @param detail what failed, with the values involved
   * @return true if a line was logged for it (a cause's first failure, or a summary)
   */
  public synchronized boolean record(
      String cause, Throwable failure, long nowNanos, String detail) {
    total++;
    String key = counts.containsKey(cause) || counts.size() < MAX_CAUSES ? cause : OTHER;
    Count c = counts.computeIfAbsent(key, k -> new Count());
    c.total++;
    c.lastDetail = detail;
    if (c.total == 1) {
      c.lastLogNanos = nowNanos;
      lines++;
      log.atLevel(level)
          .setCause(failure)
          .log(
              "{}: {} ({}; later failures of this cause are counted and summarised at most every"
                  + " {} s)",
              owner,
              detail,
              key,
              TimeUnit.NANOSECONDS.toSeconds(summaryEveryNanos));
      return true;
    }
    c.unlogged++;
    if (nowNanos - c.lastLogNanos < summaryEveryNanos) {
      log.debug("{}: {} again ({}): {}", owner, key, c.total, detail);
      return false;
    }
    lines++;
    log.warn(
        "{}: {} failed {} more time(s) ({} in all); the last: {}",
        owner,
        key,
        c.unlogged,
        c.total,
        detail);
    c.unlogged = 0;
    c.lastLogNanos = nowNanos;
    return true;
  }

  /**
   * Returns how many failures were counted under a cause.
   *
   * @param cause the cause key
   * @return the count
   */
  public synchronized long count(String cause) {
    Count c = counts.get(cause);
    return c == null ? 0 : c.total;
  }

  /** Returns how many failures were counted in all. */
  public synchronized long total() {
    return total;
  }

  /** Returns how many lines were logged at the first level or as summaries. */
  public synchronized long linesLogged() {
    return lines;
  }

  /**
   * Returns the cause key of a failure: its class and the place it was thrown.
   *
   * @param failure the failure
   * @return the key
   */
  public static String causeOf(Throwable failure) {
    StackTraceElement[] trace = failure.getStackTrace();
    return failure.getClass().getName() + (trace.length > 0 ? " at " + trace[0] : "");
  }
}
