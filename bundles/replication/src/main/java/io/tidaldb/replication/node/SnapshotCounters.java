package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts {@link SnapshotEvent}s of one region; {@link #problem} also logs the first of each event
 * at WARN with its values (later ones at DEBUG), so a transfer that fails over and over costs one
 * log line. Any thread.
 */
final class SnapshotCounters {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotCounters.class);

  private final RegionId self;
  private final AtomicLongArray counts = new AtomicLongArray(SnapshotEvent.values().length);

  SnapshotCounters(RegionId self) {
    this.self = self;
  }

  /** Counts an event. */
  void count(SnapshotEvent event) {
    counts.incrementAndGet(event.ordinal());
  }

  /** Adds {@code n} to an event's count (bytes). */
  void add(SnapshotEvent event, long n) {
    counts.addAndGet(event.ordinal(), n);
  }

  /** Counts a problem; logs it once per event at WARN. */
  void problem(SnapshotEvent event, int shard, String detail) {
    if (counts.getAndIncrement(event.ordinal()) == 0) {
      LOG.warn("{} shard {}: snapshot {}: {} (logged once)", self, shard, event, detail);
    } else {
      LOG.debug("{} shard {}: snapshot {}: {}", self, shard, event, detail);
    }
  }

  /** Logs a milestone (a transfer begun or done) at INFO and counts it. */
  void milestone(SnapshotEvent event, int shard, String detail) {
    counts.incrementAndGet(event.ordinal());
    LOG.info("{} shard {}: {}", self, shard, detail);
  }

  long total(SnapshotEvent event) {
    return counts.get(event.ordinal());
  }
}
