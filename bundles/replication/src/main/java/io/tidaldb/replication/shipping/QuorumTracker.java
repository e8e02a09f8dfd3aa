package io.tidaldb.replication.shipping;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The leader's view of how far one shard is durable across regions: the leader's own durable
 * position plus each follower's acknowledged durable HWM. Positions are exclusive bounds (the next
 * position not yet durable), as in {@link io.tidaldb.api.wal.ShardLog#durablePosition()} and ACK
 * frames.
 *
 * <p>{@link #quorumPosition()} is the highest bound durable on a majority ({@code n / 2 + 1}) of
 * the configured regions, leader included; {@link #allPosition()} the bound durable on every
 * region. {@link #whenDurable} waits for one record to reach a level, with a deadline enforced by
 * {@link #expire(long)}: time is passed in, nothing here reads a clock. {@link #failAll} ends the
 * tracker (the leader stepped down): a wait added after it fails at once, so no waiter is left in a
 * tracker nobody drives any more.
 *
 * <p>Not thread-safe: one owner thread (the region's replication thread) calls every method, so a
 * wait's future and its dependent stages complete on that thread (they must not block). Only {@link
 * #reached} may be called from any thread: the owner publishes the three bounds after every change.
 */
public final class QuorumTracker {
  private final int shard;
  private final RegionId[] regions;
  private final int leaderIndex;
  private final int majority;
  private final long[] durable;
  private final long[] sorted;
  private final List<Waiter> waiters = new ArrayList<>();

  /** Set by {@link #failAll}: the tracker's leadership ended and every later wait fails at once. */
  private String closedReason;

  private volatile long localReached;
  private volatile long quorumReached;
  private volatile long allReached;

  private record Waiter(
      long position,
      Durability level,
      long deadlineNanos,
      long timeoutNanos,
      CompletableFuture<Void> future) {}

  /**
   * Creates a tracker for one shard.
   *
   * @param shard the shard, not negative
   * @param regions every configured region, leader included, without duplicates
   * @param leader the leading region, one of {@code regions}
   * @throws InvalidArgumentException if a value is out of range
   */
  public QuorumTracker(int shard, List<RegionId> regions, RegionId leader) {
    if (shard < 0) {
      throw new InvalidArgumentException("shard", shard, "must be >= 0");
    }
    if (regions.isEmpty() || regions.stream().distinct().count() != regions.size()) {
      throw new InvalidArgumentException("regions", regions, "must be non-empty and distinct");
    }
    this.shard = shard;
    this.regions = regions.toArray(new RegionId[0]);
    this.leaderIndex = regions.indexOf(Objects.requireNonNull(leader, "leader"));
    if (leaderIndex < 0) {
      throw new InvalidArgumentException("leader", leader, "must be one of " + regions);
    }
    this.majority = regions.size() / 2 + 1;
    this.durable = new long[regions.size()];
    this.sorted = new long[regions.size()];
  }

  /**
   * Returns how many regions make a majority.
   *
   * @return {@code n / 2 + 1}
   */
  public int majority() {
    return majority;
  }

  /**
   * Records the leader's own durable position (only raises it).
   *
   * @param position the leader's durable bound
   */
  public void onLeaderDurable(long position) {
    update(leaderIndex, position);
  }

  /**
   * Records a follower's acknowledged durable HWM (only raises it; a lower ack is stale).
   *
   * @param region the follower
   * @param hwm its durable bound
   * @throws InvalidArgumentException if the region is not configured
   */
  public void onFollowerHwm(RegionId region, long hwm) {
    int index = indexOf(region);
    if (index < 0) {
      throw new InvalidArgumentException(
          "ack region", region, "must be one of " + List.of(regions));
    }
    update(index, hwm);
  }

  /**
   * Returns the highest bound durable on a majority of regions, leader included.
   *
   * @return the quorum bound
   */
  public long quorumPosition() {
    System.arraycopy(durable, 0, sorted, 0, durable.length);
    Arrays.sort(sorted);
    return sorted[sorted.length - majority];
  }

  /**
   * Returns the bound durable on every region.
   *
   * @return the smallest durable bound
   */
  public long allPosition() {
    long min = Long.MAX_VALUE;
    for (long d : durable) {
      min = Math.min(min, d);
    }
    return min;
  }

  /**
   * Returns the bound a level has reached.
   *
   * @param level the durability level
   * @return the leader's bound for LOCAL, else the quorum or all bound
   */
  public long position(Durability level) {
    return switch (level) {
      case LOCAL -> durable[leaderIndex];
      case QUORUM -> quorumPosition();
      case ALL -> allPosition();
    };
  }

  /**
   * Returns a future completed once the record at {@code position} is durable at {@code level}, or
   * failed with {@link UnavailableException} by the first {@link #expire} at or after {@code
   * nowNanos + timeoutNanos}, or at once if {@link #failAll} ended the tracker (unless the level is
   * already reached).
   *
   * @param position the record's position
   * @param level the durability level
   * @param nowNanos the current time
   * @param timeoutNanos how long to wait at most, not negative
   * @return the future (already completed if the level is reached)
   */
  public CompletableFuture<Void> whenDurable(
      long position, Durability level, long nowNanos, long timeoutNanos) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    await(position, level, nowNanos, timeoutNanos, future);
    return future;
  }

  /**
   * Completes {@code future} once the record at {@code position} is durable at {@code level}, as
   * {@link #whenDurable} does with its own future.
   *
   * @param position the record's position
   * @param level the durability level
   * @param nowNanos the time the wait started
   * @param timeoutNanos how long to wait at most, not negative
   * @param future the future to complete
   */
  public void await(
      long position,
      Durability level,
      long nowNanos,
      long timeoutNanos,
      CompletableFuture<Void> future) {
    if (timeoutNanos < 0) {
      throw new InvalidArgumentException("timeoutNanos", timeoutNanos, "must be >= 0");
    }
    if (position(level) > position) {
      future.complete(null);
    } else if (closedReason == null) {
      waiters.add(new Waiter(position, level, nowNanos + timeoutNanos, timeoutNanos, future));
    } else {
      future.completeExceptionally(steppedDown(position, level, closedReason));
    }
  }

  /**
   * Returns the bound a level had reached when the owner last published it; any thread. A record
   * below it is durable at that level.
   *
   * @param level the durability level
   * @return the published bound
   */
  public long reached(Durability level) {
    return switch (level) {
      case LOCAL -> localReached;
      case QUORUM -> quorumReached;
      case ALL -> allReached;
    };
  }

  /**
   * Fails every wait whose deadline has passed.
   *
   * @param nowNanos the current time
   * @return how many waits failed
   */
  public int expire(long nowNanos) {
    List<Waiter> overdue = null;
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (nowNanos - w.deadlineNanos >= 0) {
        it.remove();
        if (overdue == null) {
          overdue = new ArrayList<>();
        }
        overdue.add(w);
      }
    }
    if (overdue == null) {
      return 0;
    }
    RegionId leader = regions[leaderIndex];
    for (Waiter w : overdue) {
      w.future.completeExceptionally(
          new UnavailableException(
              "shard "
                  + shard
                  + ": position "
                  + w.position
                  + " not durable at "
                  + w.level
                  + " within "
                  + w.timeoutNanos
                  + " ns (reached "
                  + position(w.level)
                  + "); the record is in the log of "
                  + leader
                  + " and may still be replicated",
              true,
              leader));
    }
    return overdue.size();
  }

  /**
   * Fails every pending wait and every later one (this region stopped leading the shard): each with
   * an {@link UnavailableException} saying that the leader stepped down and that the record may
   * still be replicated ({@link UnavailableException#mayBeStored()}, naming the leader).
   *
   * @param reason why, for the exception's message
   * @return how many waits failed
   */
  public int failAll(String reason) {
    closedReason = Objects.requireNonNull(reason, "reason");
    List<Waiter> failed = new ArrayList<>(waiters);
    waiters.clear();
    for (Waiter w : failed) {
      w.future.completeExceptionally(steppedDown(w.position, w.level, reason));
    }
    return failed.size();
  }

  private UnavailableException steppedDown(long position, Durability level, String reason) {
    RegionId leader = regions[leaderIndex];
    return new UnavailableException(
        "shard "
            + shard
            + ": position "
            + position
            + " not confirmed at "
            + level
            + ": leader "
            + leader
            + " stepped down ("
            + reason
            + "); the record is in the log of "
            + leader
            + " and may still be replicated, or be cut by the next leader",
        true,
        leader);
  }

  /**
   * Returns a region's durable position as last reported.
   *
   * @param region a region of the shard
   * @return its durable position, {@code -1} if the region is not one of the shard's
   */
  public long durable(RegionId region) {
    int i = indexOf(region);
    return i < 0 ? -1 : durable[i];
  }

  /**
   * Returns how many waits are pending.
   *
   * @return the count
   */
  public int pendingWaits() {
    return waiters.size();
  }

  private int indexOf(RegionId region) {
    for (int i = 0; i < regions.length; i++) {
      if (regions[i].equals(region)) {
        return i;
      }
    }
    return -1;
  }

  private void update(int index, long position) {
    if (position <= durable[index]) {
      return;
    }
    durable[index] = position;
    localReached = durable[leaderIndex];
    quorumReached = quorumPosition();
    allReached = allPosition();
    List<Waiter> reached = null;
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter w = it.next();
      if (position(w.level) > w.position) {
        it.remove();
        if (reached == null) {
          reached = new ArrayList<>();
        }
        reached.add(w);
      }
    }
    if (reached != null) {
      for (Waiter w : reached) {
        w.future.complete(null); // after the state changed: a dependent stage sees it all
      }
    }
  }
}
