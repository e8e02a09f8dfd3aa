package io.tidaldb.reconcile.engine;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of one region's reconciliation.
 *
 * @param region this region
 * @param regions every region of the cluster, this one included
 * @param interval time between periodic sessions with each peer; zero turns them off
 * @param sessionTimeout how long a session may take before it fails (and is retried)
 * @param retryInitial the first wait before a failed session is retried (doubling)
 * @param retryMax the longest wait between retries
 * @param maxFrameBytes the largest frame sent (the transport's limit or less)
 * @param compactEnabled whether this region, as a shard's leader, probes the other regions and
 *     compacts closed epochs after on-demand sessions and every {@code interval} (it answers other
 *     leaders' probes either way)
 * @param segmentMinEntities from how many entities of its own in a (shard, tenant) this region, as
 *     a session's initiator, compares a differing bucket's 64 segment digests instead of sending a
 *     fingerprint of every entity in it ({@link #DEFAULT_SEGMENT_MIN_ENTITIES}; below it a segment
 *     record's 256 bytes per bucket would cost more than the fingerprints)
 */
public record ReconcileConfig(
    RegionId region,
    List<RegionId> regions,
    Duration interval,
    Duration sessionTimeout,
    Duration retryInitial,
    Duration retryMax,
    int maxFrameBytes,
    boolean compactEnabled,
    int segmentMinEntities) {
  /** Frames are at most this long, whatever the transport carries. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 1 << 20;

  /**
   * The default of {@link #segmentMinEntities}: 64 entities per bucket on average, twice the bytes'
   * break-even (where a bucket's fingerprints, 8 bytes each, weigh what its segment record's 64
   * salted 32-bit digests do), since a session that only pulls needs a third round trip on the
   * segment path (bench/RESULTS.md §16).
   */
  public static final int DEFAULT_SEGMENT_MIN_ENTITIES = 65_536;

  /**
   * Validates the settings.
   *
   * @throws InvalidArgumentException naming the value that is out of range
   */
  public ReconcileConfig {
    regions = List.copyOf(regions);
    if (!regions.contains(region)) {
      throw new InvalidArgumentException("regions", regions, "must contain this region " + region);
    }
    if (interval.isNegative()) {
      throw new InvalidArgumentException("interval", interval, "must be >= 0 (0 turns it off)");
    }
    if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
      throw new InvalidArgumentException("session timeout", sessionTimeout, "must be > 0");
    }
    if (retryInitial.isNegative()
        || retryInitial.isZero()
        || retryMax.compareTo(retryInitial) < 0) {
      throw new InvalidArgumentException(
          "retry", retryInitial + ".." + retryMax, "must be positive and initial <= max");
    }
    if (maxFrameBytes < 4096) {
      throw new InvalidArgumentException("max frame bytes", maxFrameBytes, "must be >= 4096");
    }
    if (segmentMinEntities < 0) {
      throw new InvalidArgumentException(
          "segment min entities", segmentMinEntities, "must be >= 0");
    }
  }

  /**
   * Creates the settings with the default {@link #segmentMinEntities}.
   *
   * @param region this region
   * @param regions every region, this one included
   * @param interval time between periodic sessions; zero turns them off
   * @param sessionTimeout how long a session may take
   * @param retryInitial the first wait before a retry
   * @param retryMax the longest wait between retries
   * @param maxFrameBytes the largest frame sent
   * @param compactEnabled whether this region probes and compacts the shards it leads
   */
  public ReconcileConfig(
      RegionId region,
      List<RegionId> regions,
      Duration interval,
      Duration sessionTimeout,
      Duration retryInitial,
      Duration retryMax,
      int maxFrameBytes,
      boolean compactEnabled) {
    this(
        region,
        regions,
        interval,
        sessionTimeout,
        retryInitial,
        retryMax,
        maxFrameBytes,
        compactEnabled,
        DEFAULT_SEGMENT_MIN_ENTITIES);
  }

  /**
   * Creates the settings with compaction on.
   *
   * @param region this region
   * @param regions every region, this one included
   * @param interval time between periodic sessions; zero turns them off
   * @param sessionTimeout how long a session may take
   * @param retryInitial the first wait before a retry
   * @param retryMax the longest wait between retries
   * @param maxFrameBytes the largest frame sent
   */
  public ReconcileConfig(
      RegionId region,
      List<RegionId> regions,
      Duration interval,
      Duration sessionTimeout,
      Duration retryInitial,
      Duration retryMax,
      int maxFrameBytes) {
    this(region, regions, interval, sessionTimeout, retryInitial, retryMax, maxFrameBytes, true);
  }

  /**
   * Returns the defaults: a session with each peer every 5 s, 5 s deadline, retries from 50 ms to 5
   * s, frames up to 1 MiB, compaction on.
   *
   * @param region this region
   * @param regions every region, this one included
   * @return the settings
   */
  public static ReconcileConfig defaults(RegionId region, List<RegionId> regions) {
    return new ReconcileConfig(
        region,
        regions,
        Duration.ofSeconds(5),
        Duration.ofSeconds(5),
        Duration.ofMillis(50),
        Duration.ofSeconds(5),
        DEFAULT_MAX_FRAME_BYTES,
        true);
  }

  /** Returns these settings with another periodic interval. */
  public ReconcileConfig withInterval(Duration value) {
    return new ReconcileConfig(
        region,
        regions,
        value,
        sessionTimeout,
        retryInitial,
        retryMax,
        maxFrameBytes,
        compactEnabled,
        segmentMinEntities);
  }

  /** Returns these settings with another session deadline. */
  public ReconcileConfig withSessionTimeout(Duration value) {
    return new ReconcileConfig(
        region,
        regions,
        interval,
        value,
        retryInitial,
        retryMax,
        maxFrameBytes,
        compactEnabled,
        segmentMinEntities);
  }

  /** Returns these settings with another frame limit. */
  public ReconcileConfig withMaxFrameBytes(int value) {
    return new ReconcileConfig(
        region,
        regions,
        interval,
        sessionTimeout,
        retryInitial,
        retryMax,
        value,
        compactEnabled,
        segmentMinEntities);
  }

  /** Returns these settings with compaction on or off. */
  public ReconcileConfig withCompaction(boolean value) {
    return new ReconcileConfig(
        region,
        regions,
        interval,
        sessionTimeout,
        retryInitial,
        retryMax,
        maxFrameBytes,
        value,
        segmentMinEntities);
  }

  /**
   * Returns these settings with another threshold of the segment path ({@link
   * #segmentMinEntities}): 0 takes it for every (shard, tenant), {@code Integer.MAX_VALUE} for
   * none.
   */
  public ReconcileConfig withSegmentMinEntities(int value) {
    return new ReconcileConfig(
        region,
        regions,
        interval,
        sessionTimeout,
        retryInitial,
        retryMax,
        maxFrameBytes,
        compactEnabled,
        value);
  }

  /** Returns the other regions. */
  public List<RegionId> peers() {
    List<RegionId> peers = new ArrayList<>(regions);
    peers.remove(region);
    return peers;
  }
}
