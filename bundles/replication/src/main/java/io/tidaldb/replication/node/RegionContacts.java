package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When this region last received a valid frame from each region of the cluster: what {@code
 * tidal:regions} shows as "last heard". One slot per region of the configuration, written by the
 * transport's delivery threads (a plain volatile store per frame, no allocation), read by any
 * thread.
 */
final class RegionContacts {
  private static final long NEVER = Long.MIN_VALUE;

  private final RegionId self;
  private final List<RegionId> regions;
  private final AtomicLongArray lastNanos;

  /**
   * Creates the table.
   *
   * @param self this region
   * @param regions every region of the cluster
   */
  RegionContacts(RegionId self, List<RegionId> regions) {
    this.self = self;
    this.regions = List.copyOf(regions);
    this.lastNanos = new AtomicLongArray(this.regions.size());
    for (int i = 0; i < this.regions.size(); i++) {
      lastNanos.set(i, NEVER);
    }
  }

  /**
   * Records a frame from {@code from} (a region of the cluster, already checked).
   *
   * @param from the sender
   * @param nowNanos the monotonic time
   */
  void heard(RegionId from, long nowNanos) {
    int i = regions.indexOf(from);
    if (i >= 0) {
      lastNanos.lazySet(i, nowNanos);
    }
  }

  /**
   * Returns the time since the last frame from {@code region}.
   *
   * @param region a region
   * @param nowNanos the monotonic time
   * @return nanoseconds, 0 for this region, -1 if never heard or not a region of the cluster
   */
  long ageNanos(RegionId region, long nowNanos) {
    if (self.equals(region)) {
      return 0;
    }
    int i = regions.indexOf(region);
    long last = i < 0 ? NEVER : lastNanos.get(i);
    return last == NEVER ? -1 : Math.max(0, nowNanos - last);
  }
}
