package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the pauses of one region's replication thread and logs them: the first at once, then at
 * most one line per {@value #LOG_EVERY_SECONDS} s with how many came in between and the longest.
 */
final class PauseLog {
  private static final Logger LOG = LoggerFactory.getLogger(PauseLog.class);
  private static final long LOG_EVERY_SECONDS = 10;
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS);

  private final RegionId region;
  private final AtomicLong count = new AtomicLong();
  private long unlogged;
  private long longestUnloggedNanos;
  private long lastLogNanos;
  private boolean logged;

  PauseLog(RegionId region) {
    this.region = region;
  }

  /** Records a pause of {@code pausedNanos} that ended at {@code nowNanos} (one thread calls). */
  void paused(long pausedNanos, long nowNanos) {
    count.incrementAndGet();
    unlogged++;
    longestUnloggedNanos = Math.max(longestUnloggedNanos, pausedNanos);
    if (logged && nowNanos - lastLogNanos < LOG_EVERY_NANOS) {
      return;
    }
    LOG.info(
        "replication thread of {} was paused: {} pause(s), the longest {} ms (GC, CPU starvation"
            + " or a stopped process); failure detectors given a grace and leases extended instead of"
            + " acting on silence that was this region's own",
        region,
        unlogged,
        TimeUnit.NANOSECONDS.toMillis(longestUnloggedNanos));
    logged = true;
    lastLogNanos = nowNanos;
    unlogged = 0;
    longestUnloggedNanos = 0;
  }

  /** Returns how many pauses were recorded. */
  long count() {
    return count.get();
  }
}
