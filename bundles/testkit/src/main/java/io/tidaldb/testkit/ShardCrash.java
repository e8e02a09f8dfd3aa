package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import java.time.Duration;

/**
 * Crashes the region that leads a shard, the failover scenario of most replication tests. Waits
 * last at most {@link #failoverTimeout}; a region is crashed as {@link SimulatedCluster#crash}
 * does.
 */
public final class ShardCrash {
  /** The least time a failover wait lasts. */
  public static final Duration MIN_FAILOVER_TIMEOUT = Duration.ofSeconds(10);

  private ShardCrash() {}

  /**
   * Crashes the region currently leading {@code shard}; with {@code restart}, waits until another
   * region leads the shard and then restarts the crashed one (without waiting for it to catch up).
   *
   * @param shard the shard
   * @param cluster the cluster
   * @param restart whether to restart the crashed region once the shard failed over
   * @return the crashed region
   * @throws ClusterTimeoutException if the shard has no leader to crash, or no new one, in time
   */
  public static RegionId crash(ShardId shard, SimulatedCluster cluster, boolean restart) {
    requireCluster(cluster);
    Duration timeout = failoverTimeout(cluster);
    RegionId leader = cluster.awaitLeader(shard, timeout);
    cluster.crash(leader);
    if (restart) {
      cluster.awaitLeader(shard, timeout); // the crashed region cannot be it: it is not running
      cluster.restart(leader);
    }
    return leader;
  }

  /**
   * Crashes the region currently leading {@code shard} and measures the failover: the time from the
   * crash until a new leader accepts writes for the shard. The crashed region stays down; find it
   * with {@link RegionNode#isRunning()} and bring it back with {@link SimulatedCluster#restart}.
   *
   * @param shard the shard
   * @param cluster the cluster
   * @return the time from the crash to the new leader accepting writes
   * @throws ClusterTimeoutException if the shard has no leader to crash, or no new one, in time
   */
  public static Duration crashAndAwaitFailover(ShardId shard, SimulatedCluster cluster) {
    requireCluster(cluster);
    Duration timeout = failoverTimeout(cluster);
    RegionId leader = cluster.awaitLeader(shard, timeout);
    long crashed = System.nanoTime();
    cluster.crash(leader);
    cluster.awaitLeader(shard, timeout);
    return Duration.ofNanos(System.nanoTime() - crashed);
  }

  /**
   * Returns how long the failover waits last for {@code cluster}: 40 election timeouts, at least
   * {@link #MIN_FAILOVER_TIMEOUT}.
   *
   * @param cluster the cluster
   * @return the timeout
   */
  public static Duration failoverTimeout(SimulatedCluster cluster) {
    requireCluster(cluster);
    Duration scaled = cluster.config().election().multipliedBy(40);
    return scaled.compareTo(MIN_FAILOVER_TIMEOUT) > 0 ? scaled : MIN_FAILOVER_TIMEOUT;
  }

  private static void requireCluster(SimulatedCluster cluster) {
    if (cluster == null) {
      throw new InvalidArgumentException("cluster", null, "must not be null");
    }
  }
}
