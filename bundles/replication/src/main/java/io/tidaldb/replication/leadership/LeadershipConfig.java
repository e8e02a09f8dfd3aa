package io.tidaldb.replication.leadership;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of one region's {@link ShardLeadership}.
 *
 * <p>A follower starts an election after {@code electionTimeoutNanos} plus its jitter without a
 * heartbeat; the jitter lies in {@code [0, electionTimeoutNanos / 2)} and each region draws it from
 * its own slot of that range, so two regions never time out together. With the defaults (50 ms
 * heartbeat, 200 ms timeout) a failover completes well under 400 ms.
 *
 * @param regions every region that replicates the shard, in a fixed order, without duplicates
 * @param self this region, one of {@code regions}
 * @param heartbeatIntervalNanos how often the leader heartbeats, {@code > 0}
 * @param electionTimeoutNanos silence after which a follower elects and a leader steps down; at
 *     least twice the heartbeat interval
 * @param jitterSeed seed of the deterministic election jitter
 */
public record LeadershipConfig(
    List<RegionId> regions,
    RegionId self,
    long heartbeatIntervalNanos,
    long electionTimeoutNanos,
    long jitterSeed) {

  /** Default heartbeat interval: 50 ms. */
  public static final long DEFAULT_HEARTBEAT_INTERVAL_NANOS = 50_000_000L;

  /**
   * Default election timeout: 200 ms (250 ms before failover was measured under load, bench run L:
   * 200 ms raised no more unexplained epochs than 250 ms at the same load).
   */
  public static final long DEFAULT_ELECTION_TIMEOUT_NANOS = 200_000_000L;

  /**
   * How many heartbeat intervals (plus jitter) a region waits to retry a round that did not elect,
   * and gives its leader after its own pause before it runs.
   */
  public static final int RETRY_HEARTBEATS = 2;

  /** How many election timeouts a non-preferred region holds back at cold start. */
  public static final int COLD_START_GRACE_TIMEOUTS = 2;

  /**
   * Validates and copies the values.
   *
   * @throws InvalidArgumentException naming the first refused value
   */
  public LeadershipConfig {
    if (regions == null || regions.isEmpty()) {
      throw new InvalidArgumentException("regions", regions, "must name at least one region");
    }
    regions = List.copyOf(regions);
    if (new HashSet<>(regions).size() != regions.size()) {
      throw new InvalidArgumentException("regions", regions, "must not repeat a region");
    }
    if (self == null || !regions.contains(self)) {
      throw new InvalidArgumentException("self", self, "must be one of " + regions);
    }
    if (heartbeatIntervalNanos <= 0) {
      throw new InvalidArgumentException(
          "heartbeatIntervalNanos", heartbeatIntervalNanos, "must be > 0");
    }
    if (electionTimeoutNanos < 2 * heartbeatIntervalNanos) {
      throw new InvalidArgumentException(
          "electionTimeoutNanos",
          electionTimeoutNanos,
          "must be >= 2 * heartbeatIntervalNanos (" + 2 * heartbeatIntervalNanos + ")");
    }
  }

  /**
   * Returns a configuration with the default heartbeat interval and election timeout.
   *
   * @param regions every region of the shard
   * @param self this region
   * @param jitterSeed seed of the election jitter
   * @return the configuration
   */
  public static LeadershipConfig withDefaults(
      List<RegionId> regions, RegionId self, long jitterSeed) {
    return new LeadershipConfig(
        regions,
        self,
        DEFAULT_HEARTBEAT_INTERVAL_NANOS,
        DEFAULT_ELECTION_TIMEOUT_NANOS,
        jitterSeed);
  }

  /**
   * Returns the width of one election slot after the leader's link went down: {@link
   * #heartbeatIntervalNanos()} / 5 (10 ms at the defaults). The region after the leader runs its
   * pre-vote at once, the next one this much later, time for the first one's request to arrive.
   *
   * @return nanoseconds
   */
  public long linkLossSlotNanos() {
    return heartbeatIntervalNanos / 5;
  }

  /**
   * Returns the number of votes (including one's own) that elects, and of regions a leader must
   * hear to keep its lease (including itself).
   *
   * @return {@code regions.size() / 2 + 1}
   */
  public int majority() {
    return regions.size() / 2 + 1;
  }

  /**
   * Returns the position of a region in {@link #regions()}.
   *
   * @param region the region
   * @return its index, or {@code -1} when it is not configured
   */
  public int indexOf(RegionId region) {
    return regions.indexOf(Objects.requireNonNull(region, "region"));
  }

  /**
   * Returns how long, from its first round, a region that is not the shard's preferred leader (the
   * first of {@link #regions()}) and has never known a leader waits before it runs: {@value
   * #COLD_START_GRACE_TIMEOUTS} election timeouts, so the preferred region wins the cold start when
   * it is up.
   *
   * @return the grace in nanoseconds
   */
  public long coldStartGraceNanos() {
    return COLD_START_GRACE_TIMEOUTS * electionTimeoutNanos;
  }

  /**
   * Returns how long, plus its jitter, a region waits after starting a pre-vote round or an
   * election that did not elect before it tries again, and how long after its own pause it waits
   * for a sign of its leader before it runs: {@value #RETRY_HEARTBEATS} heartbeat intervals, enough
   * for the frames queued meanwhile and one more heartbeat (never more than the election timeout).
   *
   * @return the retry period in nanoseconds, without the jitter
   */
  public long retryNanos() {
    return Math.min(RETRY_HEARTBEATS * heartbeatIntervalNanos, electionTimeoutNanos);
  }
}
