package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * Watches the surviving regions of one shard after its leader crashed and notes, on {@link
 * System#nanoTime()}, when each step of the failover is first seen: a survivor stops naming the
 * crashed leader (its failure detector fired and it started a pre-vote round), a survivor enters a
 * higher epoch (a pre-vote majority let it run), a survivor leads that epoch (a vote majority, each
 * vote's epoch file saved), a survivor accepts writes (its epoch sync done and its log's epoch
 * raised). It asks each survivor's {@link Replication#status()} (answered by the replication
 * thread) and {@link Replication#checkLeaderEpoch} every {@value #POLL_NANOS} ns, so each time is
 * late by up to a poll and a status round trip. Runs on a thread of its own until the last step is
 * seen or it is {@linkplain #stop() stopped}.
 */
final class FailoverSampler {
  private static final long POLL_NANOS = 500_000L;
  static final long UNSEEN = -1;

  private final List<RegionNode> survivors;
  private final int shard;
  private final RegionId crashed;
  private final long epochBefore;
  private final Thread thread;
  private volatile boolean stopping;
  private volatile long detected = UNSEEN;
  private volatile long electing = UNSEEN;
  private volatile long elected = UNSEEN;
  private volatile long writable = UNSEEN;

  private FailoverSampler(List<RegionNode> survivors, int shard, RegionId crashed, long epoch) {
    this.survivors = List.copyOf(survivors);
    this.shard = shard;
    this.crashed = crashed;
    this.epochBefore = epoch;
    this.thread = new Thread(this::run, "failover-sampler-shard-" + shard);
    thread.setDaemon(true);
  }

  /** Starts sampling now: call right before the crash. */
  static FailoverSampler start(
      List<RegionNode> survivors, int shard, RegionId crashed, long epochBefore) {
    FailoverSampler s = new FailoverSampler(survivors, shard, crashed, epochBefore);
    s.thread.start();
    return s;
  }

  private void run() {
    while (!stopping && writable == UNSEEN) {
      sampleAll();
      LockSupport.parkNanos(POLL_NANOS);
    }
    sampleAll(); // a step that fell between the last poll and the stop is seen late, not lost
  }

  private void sampleAll() {
    for (RegionNode n : survivors) {
      sample(n);
    }
  }

  private void sample(RegionNode n) {
    ShardReplicationStatus s;
    long leading;
    try {
      Replication r = n.replication();
      s = r.status().get(shard);
      leading = leadingEpoch(r);
    } catch (UnavailableException e) {
      return; // a survivor that went down meanwhile
    }
    long now = System.nanoTime();
    if (detected == UNSEEN
        && (s.epoch() > epochBefore || !s.leader().equals(Optional.of(crashed)))) {
      detected = now;
    }
    if (electing == UNSEEN && s.epoch() > epochBefore) {
      electing = now;
    }
    if (elected == UNSEEN && s.epoch() > epochBefore && s.role() == Role.LEADER) {
      elected = now;
    }
    if (writable == UNSEEN && leading > epochBefore) {
      writable = now;
    }
  }

  private long leadingEpoch(Replication r) {
    try {
      return r.checkLeaderEpoch(shard);
    } catch (io.tidaldb.api.replication.NotLeaderException e) {
      return UNSEEN;
    }
  }

  /** Stops sampling and waits for the thread. */
  void stop() {
    stopping = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns the step times, {@link #UNSEEN} where a step was not seen. */
  long[] steps() {
    return new long[] {detected, electing, elected, writable};
  }
}
