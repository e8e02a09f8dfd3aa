package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.replication.leadership.LeadershipState;
import io.tidaldb.replication.leadership.ShardLeadership;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of a leadership transfer of one shard (see {@link ShardLeadership#transferTo}):
 * the callers' futures, and the hold of writes. While the shard's leadership transfers, the leader
 * side takes no new writes ({@link LeaderSide#pauseWrites}: the log's fence refuses appends), and
 * {@link #holding()} tells the forwarding path to keep the writes refused meanwhile instead of
 * failing them: {@link ForwardOrigin} holds them until a leader other than this region is known
 * (they are then forwarded to it), or this region takes writes again because the transfer gave up
 * (they are then stored here), or the hold's deadline (two election timeouts from the start) passes
 * (they then fail with {@link NotLeaderException}, nothing stored).
 *
 * <p>Threads: owned by the region's replication thread; {@link #holding()} is read by store,
 * delivery and forwarding threads. The callers' futures complete on the owner, so their dependent
 * stages must not block.
 */
final class TransferHold {
  private static final Logger LOG = LoggerFactory.getLogger(TransferHold.class);

  private final RegionId self;
  private final int shard;
  private final long holdNanos;
  private final List<CompletableFuture<Void>> waiting = new ArrayList<>();
  private volatile boolean holding;
  private RegionId target;
  private long startNanos;
  private long holdUntilNanos;

  TransferHold(RegionId self, int shard, long electionTimeoutNanos) {
    this.self = self;
    this.shard = shard;
    this.holdNanos = 2 * electionTimeoutNanos;
  }

  /** Whether writes of the shard are held for a leadership transfer (any thread). */
  boolean holding() {
    return holding;
  }

  /** Starts a transfer asked for through the API, completing {@code future} when it ends. */
  int request(
      RegionId to,
      CompletableFuture<Void> future,
      ShardLeadership leadership,
      LeaderSide side,
      long nowNanos) {
    String refused = leadership.transferTo(to, nowNanos);
    if (refused != null) {
      future.completeExceptionally(
          leadership.state() == LeadershipState.LEADER
              ? new UnavailableException(
                  "cannot transfer shard " + shard + " to " + to + ": " + refused)
              : new NotLeaderException(self, shard, leadership.epoch(), leadership.leader()));
      return 1;
    }
    if (to.equals(self)) {
      future.complete(null); // it leads already
      return 1;
    }
    if (target != null && !target.equals(to)) {
      fail("superseded by a transfer to " + to);
    }
    waiting.add(future);
    return 1 + step(leadership, side, leadership.leader().orElse(null), nowNanos);
  }

  /**
   * One round: pauses writes once a transfer runs (an API one or the return to the preferred
   * region), and ends the hold once a leader other than this region is known, this region takes
   * writes again, or the hold's deadline passed.
   */
  int step(ShardLeadership leadership, LeaderSide side, RegionId leader, long nowNanos) {
    Optional<RegionId> running = leadership.transferTarget();
    if (running.isPresent()) {
      int work = 0;
      if (!holding || !running.get().equals(target)) {
        // the hold is published before writes pause: a thread that sees this region stop taking
        // writes then sees the hold, and holds a forward instead of refusing it (ForwardLeader)
        holding = true;
        target = running.get();
        startNanos = nowNanos;
        holdUntilNanos = nowNanos + holdNanos;
        work = 1;
      }
      if (!side.paused()) {
        side.pauseWrites();
      }
      return work;
    }
    int work = 0;
    if (side.paused() && leadership.state() == LeadershipState.LEADER) {
      side.resumeWrites(); // the transfer gave up: this region takes writes again
      work++;
    }
    if (!holding && waiting.isEmpty()) {
      return work;
    }
    if (leader != null && !leader.equals(self)) {
      if (leader.equals(target)) {
        LOG.info(
            "region {} shard {}: leadership transferred to {} in {} us",
            self,
            shard,
            leader,
            (nowNanos - startNanos) / 1_000);
        complete();
      } else {
        fail("region " + leader + " leads instead of " + target);
      }
      return work + 1;
    }
    if (leader != null && side.acceptsWrites()) {
      fail(
          "the transfer to "
              + target
              + " gave up after "
              + (nowNanos - startNanos) / 1_000_000
              + " ms (it did not catch up with this region's log or did not win in time);"
              + " region "
              + self
              + " still leads");
      return work + 1;
    }
    if (nowNanos - holdUntilNanos >= 0) {
      fail("no leader known " + holdNanos / 1_000_000 + " ms after the transfer to " + target);
      return work + 1;
    }
    return work;
  }

  /** Fails every waiting caller and ends the hold (the node closes, or the transfer failed). */
  void fail(String why) {
    holding = false;
    target = null;
    UnavailableException e =
        new UnavailableException("leadership transfer of shard " + shard + ": " + why);
    for (CompletableFuture<Void> f : waiting) {
      f.completeExceptionally(e);
    }
    waiting.clear();
  }

  private void complete() {
    holding = false;
    target = null;
    for (CompletableFuture<Void> f : waiting) {
      f.complete(null);
    }
    waiting.clear();
  }
}
