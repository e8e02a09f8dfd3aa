package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Repeated unplanned failovers under a QUORUM write load, the measurement behind the failover
 * target (the itest {@code FailoverTrialsIT} and the bench {@code FailoverBench} run this same
 * code). Writer threads write one new entity per signal at QUORUM through {@link
 * SimulatedCluster#writeSignal} the whole time. Each trial takes shard {@code i mod shards}, reads
 * its leader and epoch, crashes that region ({@code kill -9}, {@link SimulatedCluster#crash}) and
 * at once writes new entities of the shard at QUORUM until one is acknowledged: the failover is the
 * time from just before the crash until that acknowledgement (only a new leader can give it). A
 * trial whose crashed region turns out not to have led (leadership moved just before the crash: no
 * later epoch) is not counted and is run again. The crashed region is then restarted and the trial
 * waits until it has applied what the leaders had durable, and (at most {@value #SETTLE_MILLIS} ms)
 * until every shard is led by its preferred region again, so every trial crashes a leader in the
 * same steady state. At the end the writers stop, the cluster converges and every region's count of
 * every entity is read: an acknowledged entity not counted exactly once anywhere is lost, any
 * entity counted more than once is duplicated.
 *
 * <pre>{@code
 * FailoverReport r = FailoverTrials.run(cluster, 20, FailoverTrials.Options.defaults());
 * log.info(r.summary()); // failover over 20 trials: p50 ... ms, p99 ..., 0 acked lost
 * }</pre>
 */
public final class FailoverTrials {
  /** The longest wait for the leaders to return to their preferred regions between trials. */
  static final long SETTLE_MILLIS = 3_000;

  private static final long WARMUP_ACKS = 200;
  private static final long ACKS_BETWEEN = 50;
  private static final Duration CONVERGE = Duration.ofSeconds(60);

  /**
   * How the trials run.
   *
   * @param writers writer threads of the background load, at least 1
   * @param breakdown whether to poll the survivors during each failover for the times of its steps
   *     (see {@link FailoverTrial}); the polling costs the survivors a status request each per 0.5
   *     ms
   */
  public record Options(int writers, boolean breakdown) {
    /**
     * Validates.
     *
     * @throws InvalidArgumentException if {@code writers < 1}
     */
    public Options {
      if (writers < 1) {
        throw new InvalidArgumentException("writers", writers, "must be >= 1");
      }
    }

    /**
     * Returns two writers, no breakdown.
     *
     * @return the defaults
     */
    public static Options defaults() {
      return new Options(2, false);
    }

    /**
     * Returns these options with the step breakdown on or off.
     *
     * @param on whether to sample the steps
     * @return the copy
     */
    public Options withBreakdown(boolean on) {
      return new Options(writers, on);
    }
  }

  private FailoverTrials() {}

  /**
   * Runs {@code trials} failovers (see the class comment) and checks every write at the end.
   *
   * @param cluster a running cluster of at least three regions, on the system clock
   * @param trials how many failovers, at least 1
   * @param options writers and breakdown
   * @return the failovers and the exactly-once check
   * @throws ClusterTimeoutException if a failover, catch-up or the convergence does not happen
   *     within {@link ShardCrash#failoverTimeout} (three times for a failover)
   * @throws InvalidArgumentException for a null or out-of-range argument
   */
  public static FailoverReport run(SimulatedCluster cluster, int trials, Options options) {
    if (cluster == null || options == null) {
      throw new InvalidArgumentException("cluster and options", cluster, "must not be null");
    }
    if (trials < 1) {
      throw new InvalidArgumentException("trials", trials, "must be >= 1");
    }
    if (cluster.regions().size() < 3) {
      throw new InvalidArgumentException("regions", cluster.regions(), "must be at least 3");
    }
    Duration limit = ShardCrash.failoverTimeout(cluster);
    long started = System.nanoTime();
    cluster.awaitLeader(limit);
    List<FailoverTrial> done = new ArrayList<>();
    int unsettled = 0;
    TrialLoad load = new TrialLoad(cluster, options.writers());
    try {
      load.awaitMoreAcks(WARMUP_ACKS, limit);
      for (int attempt = 0; done.size() < trials; attempt++) {
        if (attempt >= 2 * trials + 5) {
          throw new ClusterTimeoutException(
              attempt + " crashes gave only " + done.size() + " failovers; " + done);
        }
        unsettled += settle(cluster, limit) ? 0 : 1;
        load.awaitMoreAcks(ACKS_BETWEEN, limit);
        trial(cluster, load, done.size() % cluster.config().shards(), options, limit)
            .ifPresent(done::add);
      }
    } finally {
      load.close();
    }
    cluster.awaitFullConvergence(CONVERGE);
    long[] check = load.check();
    return new FailoverReport(
        done,
        load.acked(),
        load.failed(),
        check[0],
        check[1],
        load.failures(),
        unsettled,
        Duration.ofNanos(System.nanoTime() - started));
  }

  private static Optional<FailoverTrial> trial(
      SimulatedCluster cluster, TrialLoad load, int shard, Options options, Duration limit) {
    RegionId leader = cluster.awaitLeader(ShardId.of(shard), limit);
    long epoch = epochOf(cluster, leader, shard);
    List<RegionNode> survivors = new ArrayList<>();
    for (RegionId r : cluster.regions()) {
      if (!r.equals(leader)) {
        survivors.add(cluster.node(r));
      }
    }
    FailoverSampler sampler =
        options.breakdown() ? FailoverSampler.start(survivors, shard, leader, epoch) : null;
    long crashed = System.nanoTime();
    long acked;
    long[] steps = new long[0];
    try {
      cluster.crash(leader);
      acked = probe(load, shard, limit.multipliedBy(3));
    } finally {
      if (sampler != null) {
        steps = stop(sampler);
      }
    }
    RegionId next = cluster.awaitLeader(ShardId.of(shard), limit);
    boolean real = epoch >= 0 && epochOf(cluster, next, shard) > epoch;
    cluster.restart(leader);
    cluster.awaitEventApplied(leader, cluster.nanoTime(), limit);
    if (!real) {
      return Optional.empty(); // leadership had moved: the crash hit a follower
    }
    return Optional.of(
        new FailoverTrial(
            shard,
            leader,
            epoch,
            Duration.ofNanos(acked - crashed),
            step(steps, 0, crashed),
            step(steps, 1, crashed),
            step(steps, 2, crashed),
            step(steps, 3, crashed)));
  }

  /** Writes new entities of the shard until one is acknowledged; returns when. */
  private static long probe(TrialLoad load, int shard, Duration limit) {
    Deadline deadline = Deadline.after(limit);
    while (!load.writeTo(shard)) {
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "no QUORUM write to shard " + shard + " acknowledged within " + limit + " of a crash");
      }
    }
    return System.nanoTime();
  }

  private static long[] stop(FailoverSampler sampler) {
    sampler.stop();
    return sampler.steps();
  }

  private static Optional<Duration> step(long[] steps, int i, long crashed) {
    if (steps.length <= i || steps[i] == FailoverSampler.UNSEEN) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, steps[i] - crashed)));
  }

  /**
   * Waits (bounded) until every shard is led by its preferred region, the first of its rotated
   * region list ({@code regions[shard mod n]}), to which leadership returns after a failover.
   *
   * @return whether they all were
   */
  private static boolean settle(SimulatedCluster cluster, Duration limit) {
    List<RegionId> regions = cluster.regions();
    long end = System.nanoTime() + SETTLE_MILLIS * 1_000_000;
    while (true) {
      boolean settled = true;
      for (int s = 0; s < cluster.config().shards() && settled; s++) {
        settled = cluster.awaitLeader(ShardId.of(s), limit).equals(regions.get(s % regions.size()));
      }
      if (settled) {
        return true;
      }
      if (System.nanoTime() - end >= 0) {
        return false;
      }
      LockSupport.parkNanos(5_000_000);
    }
  }

  private static long epochOf(SimulatedCluster cluster, RegionId region, int shard) {
    try {
      RegionNode n = cluster.node(region);
      return n.isRunning() ? n.replication().status().get(shard).epoch() : -1;
    } catch (UnavailableException e) {
      return -1; // crashed meanwhile
    }
  }
}
