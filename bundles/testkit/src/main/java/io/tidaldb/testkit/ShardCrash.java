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
    Failover f = crashLeader(shard, cluster);
    if (restart) {
      cluster.restart(f.crashed());
    }
    return f.crashed();
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
    return crashLeader(shard, cluster).took();
  }

  /** A crash of a shard's leader and the failover that followed. */
  private record Failover(RegionId crashed, Duration took) {}

  /**
   * Crashes the leader of {@code shard} and waits for a leader of a later epoch. Leadership can
   * move between finding the leader and crashing it; then a follower was crashed and the shard's
   * leader, still running, is found again in the same epoch: that region is restarted and the
   * leader crashed again, so that what is returned is always a real failover.
   */
  private static Failover crashLeader(ShardId shard, SimulatedCluster cluster) {
    Duration timeout = failoverTimeout(cluster);
    Deadline deadline = Deadline.after(timeout.multipliedBy(3));
    while (true) {
      RegionId leader = cluster.awaitLeader(shard, timeout);
      long epoch = epochAt(cluster, leader, shard);
      long crashed = System.nanoTime();
      cluster.crash(leader);
      RegionId next = cluster.awaitLeader(shard, timeout);
      Duration took = Duration.ofNanos(System.nanoTime() - crashed);
      if (epoch >= 0 && epochAt(cluster, next, shard) > epoch) {
        return new Failover(leader, took);
      }
      cluster.restart(leader); // it no longer led when it was crashed: try again
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "shard "
                + shard
                + ": leadership moved away before every crash for "
                + timeout.multipliedBy(3));
      }
    }
  }

  /** Returns the epoch {@code region} is in for {@code shard}, or -1 if it is not running. */
  private static long epochAt(SimulatedCluster cluster, RegionId region, ShardId shard) {
    RegionNode node = cluster.node(region);
    if (!node.isRunning()) {
      return -1;
    }
    return node.replication().status().get(shard.value()).epoch();
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
