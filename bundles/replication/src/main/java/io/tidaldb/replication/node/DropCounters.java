package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts dropped frames per {@link NodeDrop}; logs the first of each cause at WARN. */
final class DropCounters {
  private static final Logger LOG = LoggerFactory.getLogger(DropCounters.class);

  private final RegionId self;
  private final AtomicLongArray counts = new AtomicLongArray(NodeDrop.values().length);

  DropCounters(RegionId self) {
    this.self = self;
  }

  void drop(NodeDrop cause, RegionId from, String detail) {
    if (counts.getAndIncrement(cause.ordinal()) == 0) {
      LOG.warn(
          "{} dropped a frame from {}: {}: {} (logged once per cause)", self, from, cause, detail);
    } else {
      LOG.debug("{} dropped a frame from {}: {}: {}", self, from, cause, detail);
    }
  }

  long count(NodeDrop cause) {
    return counts.get(cause.ordinal());
  }
}
