package io.tidaldb.replication.node;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.replication.leadership.LeadershipConfig;
import io.tidaldb.replication.shipping.ShippingConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * One region's replication settings.
 *
 * @param self this region, one of {@code regions}
 * @param regions every region of the cluster, in the same order everywhere
 * @param directory where each shard's epoch and vote are kept ({@code epoch-NNNN.dat})
 * @param heartbeatInterval how often a leader heartbeats
 * @param electionTimeout silence after which a follower runs for leader and a leader steps down
 * @param durabilityTimeout how long a QUORUM or ALL wait lasts before it fails
 * @param shipping the WAL shippers' settings; their in-flight age bound is lowered to half the
 *     election timeout if it is longer, so that a follower's acknowledgements renew the lease in
 *     time
 * @param idlePark how long the replication thread parks when it found no work and nothing woke it
 * @param pauseThreshold a gap between two rounds of the replication thread longer than this counts
 *     as a pause of this region (GC, CPU starvation, a stopped process), after which failure
 *     detectors restart and a leader's lease gets a grace instead of acting on silence that was
 *     this region's own; {@link Duration#ZERO} turns this off (a test's manual clock, whose jumps
 *     are meant to fire timeouts)
 */
public record ReplicationConfig(
    RegionId self,
    List<RegionId> regions,
    Path directory,
    Duration heartbeatInterval,
    Duration electionTimeout,
    Duration durabilityTimeout,
    ShippingConfig shipping,
    Duration idlePark,
    Duration pauseThreshold) {
  /** 5 s: what a QUORUM or ALL wait lasts by default. */
  public static final Duration DEFAULT_DURABILITY_TIMEOUT = Duration.ofSeconds(5);

  /**
   * 1 ms: the replication thread's park when idle. Events wake it sooner (a shard's log made
   * batches durable, a control frame arrived), so this bounds only how late timers fire.
   */
  public static final Duration DEFAULT_IDLE_PARK = Duration.ofMillis(1);

  /** 50 ms: a longer gap between two rounds of the replication thread is a pause. */
  public static final Duration DEFAULT_PAUSE_THRESHOLD = Duration.ofMillis(50);

  /** Checks every value. */
  public ReplicationConfig {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(shipping, "shipping");
    regions = List.copyOf(regions);
    if (!regions.contains(self)) {
      throw new InvalidArgumentException("regions", regions, "must contain this region " + self);
    }
    if (new HashSet<>(regions).size() != regions.size()) {
      throw new InvalidArgumentException("regions", regions, "must not repeat a region");
    }
    positive("heartbeatInterval", heartbeatInterval);
    positive("durabilityTimeout", durabilityTimeout);
    positive("idlePark", idlePark);
    if (pauseThreshold == null || pauseThreshold.isNegative()) {
      throw new InvalidArgumentException("pauseThreshold", pauseThreshold, "must be >= 0");
    }
    if (electionTimeout == null
        || electionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new InvalidArgumentException(
          "electionTimeout",
          electionTimeout,
          "must be at least twice the heartbeat interval " + heartbeatInterval);
    }
    long halfElection = electionTimeout.toNanos() / 2;
    if (shipping.maxInFlightNanos() > halfElection) {
      shipping = shipping.withMaxInFlightNanos(halfElection); // acks must renew the lease in time
    }
  }

  /**
   * Returns the settings with every default: 50 ms heartbeats, 200 ms election timeout, 5 s
   * durability timeout, {@link ShippingConfig#DEFAULTS}, 1 ms idle park, 50 ms pause threshold.
   *
   * @param self this region
   * @param regions every region
   * @param directory where epochs are kept
   * @return the settings
   */
  public static ReplicationConfig defaults(RegionId self, List<RegionId> regions, Path directory) {
    return new ReplicationConfig(
        self,
        regions,
        directory,
        Duration.ofNanos(LeadershipConfig.DEFAULT_HEARTBEAT_INTERVAL_NANOS),
        Duration.ofNanos(LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS),
        DEFAULT_DURABILITY_TIMEOUT,
        ShippingConfig.DEFAULTS,
        DEFAULT_IDLE_PARK,
        DEFAULT_PAUSE_THRESHOLD);
  }

  /**
   * Returns a copy with other leadership timings.
   *
   * @param heartbeat the heartbeat interval
   * @param election the election timeout
   * @return the copy
   */
  public ReplicationConfig withTimings(Duration heartbeat, Duration election) {
    return new ReplicationConfig(
        self,
        regions,
        directory,
        heartbeat,
        election,
        durabilityTimeout,
        shipping,
        idlePark,
        pauseThreshold);
  }

  /**
   * Returns a copy with another durability timeout.
   *
   * @param timeout the timeout
   * @return the copy
   */
  public ReplicationConfig withDurabilityTimeout(Duration timeout) {
    return new ReplicationConfig(
        self,
        regions,
        directory,
        heartbeatInterval,
        electionTimeout,
        timeout,
        shipping,
        idlePark,
        pauseThreshold);
  }

  /**
   * Returns a copy with other shipping settings.
   *
   * @param settings the shippers' settings
   * @return the copy
   */
  public ReplicationConfig withShipping(ShippingConfig settings) {
    return new ReplicationConfig(
        self,
        regions,
        directory,
        heartbeatInterval,
        electionTimeout,
        durabilityTimeout,
        settings,
        idlePark,
        pauseThreshold);
  }

  /**
   * Returns a copy with another pause threshold.
   *
   * @param threshold the threshold, {@link Duration#ZERO} to turn pause detection off
   * @return the copy
   */
  public ReplicationConfig withPauseThreshold(Duration threshold) {
    return new ReplicationConfig(
        self,
        regions,
        directory,
        heartbeatInterval,
        electionTimeout,
        durabilityTimeout,
        shipping,
        idlePark,
        threshold);
  }

  /**
   * Returns the leadership settings of one shard. The region list is rotated by the shard, so that
   * region {@code shard mod n} draws the earliest election slot and usually leads the shard: the
   * leaders (and their work) spread over the regions instead of piling onto the first one. The
   * rotation is the same in every region.
   *
   * @param shard the shard
   * @return the settings
   */
  LeadershipConfig leadership(int shard) {
    List<RegionId> rotated = new ArrayList<>(regions.size());
    for (int i = 0; i < regions.size(); i++) {
      rotated.add(regions.get((shard + i) % regions.size()));
    }
    return new LeadershipConfig(
        rotated,
        self,
        heartbeatInterval.toNanos(),
        electionTimeout.toNanos(),
        31L * shard + self.value());
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isZero() || value.isNegative()) {
      throw new InvalidArgumentException(name, value, "must be > 0");
    }
  }
}
