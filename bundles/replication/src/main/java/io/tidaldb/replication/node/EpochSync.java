package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.shipping.FollowerDb;
import io.tidaldb.replication.wire.Frame;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A follower's epoch sync with a new leader (the leader-epoch rule of Kafka's KIP-101, iterated as
 * in KIP-279): wait until the log is quiet, ask the leader where the epoch {@code e} of the last
 * local batch ends in its log (EPOCH_END_REQUEST, repeated every heartbeat interval until
 * answered); the leader answers with the largest epoch {@code f <= e} of its log and where that
 * ends. If {@code f == e}, keep the log below {@code min(durable, leader's end)}: both logs hold
 * {@code e} from the same first position, so that is where they part. If {@code f < e}, this log
 * may not hold {@code f} at all (the leader's epochs between two of ours): every local record from
 * the end of our largest epoch {@code <= f} on is of an epoch in {@code (f, e]}, which the leader
 * never had, so keep below our end of {@code f} (an epoch change, hence a batch boundary; not below
 * the leader's end, which need not be one here) and ask again with the new last epoch; each such
 * round cuts, so the sync ends, and it ends at the true divergence point. Cuts go through {@link
 * ReplicaState#truncateLog} (state kept). Then acknowledge the HWM with the leader's epoch, which
 * makes the leader start shipping at that HWM. Batches are taken only once {@link #synced()}.
 *
 * <p>Not thread-safe: the replica's monitor guards every method except {@link #synced()} and {@link
 * #batchAccepted()}, which the delivery thread calls under the {@code feedLock} that a cut also
 * holds.
 */
final class EpochSync {
  private static final Logger LOG = LoggerFactory.getLogger(EpochSync.class);

  private enum Phase {
    NONE,
    WAIT_QUIET,
    REQUESTED,
    SYNCED
  }

  private final int shard;
  private final ReplicationConfig config;
  private final ShardLog log;
  private final Supplier<ReplicaState> state;
  private final FollowerDb feedLock;
  private final ControlFrames frames;
  private volatile boolean synced;
  private volatile long batchesSinceSync;
  private Phase phase = Phase.NONE;
  private long epoch;
  private long requestedLastEpoch;
  private long lastRequestNanos;
  private boolean answered;
  private long answerFoundEpoch;
  private long answerEnd;
  private boolean waitingForStoreLogged;

  EpochSync(
      int shard,
      ReplicationConfig config,
      ShardLog log,
      Supplier<ReplicaState> state,
      FollowerDb feedLock,
      ControlFrames frames) {
    this.shard = shard;
    this.config = config;
    this.log = log;
    this.state = state;
    this.feedLock = feedLock;
    this.frames = frames;
  }

  /** Starts syncing with the leader of {@code leaderEpoch}. */
  void begin(long leaderEpoch) {
    synced = false;
    phase = Phase.WAIT_QUIET;
    epoch = leaderEpoch;
    answered = false;
    batchesSinceSync = 0;
  }

  /** Stops following (this region leads, or no leader is known). */
  void stop() {
    synced = false;
    phase = Phase.NONE;
  }

  /** Stops taking batches until the sync is redone (the store was detached). */
  void pause() {
    if (phase == Phase.SYNCED || phase == Phase.REQUESTED) {
      synced = false;
      phase = Phase.WAIT_QUIET;
    }
  }

  /** Whether batches from the leader are taken. Any thread. */
  boolean synced() {
    return synced;
  }

  /** Counts a batch taken from the leader (under the feed lock). */
  void batchAccepted() {
    batchesSinceSync++;
  }

  /** Does the next step towards being synced with {@code leader}; returns the work done. */
  int step(RegionId leader, long nowNanos) {
    if (leader == null || phase == Phase.NONE || phase == Phase.SYNCED) {
      return 0;
    }
    if (phase == Phase.WAIT_QUIET) {
      if (log.nextPosition() != log.durablePosition()) {
        return 0;
      }
      phase = Phase.REQUESTED;
      requestedLastEpoch = log.lastEpoch();
      answered = false;
      request(leader, nowNanos);
      return 1;
    }
    if (!answered) {
      if (nowNanos - lastRequestNanos >= config.heartbeatInterval().toNanos()) {
        request(leader, nowNanos);
        return 1;
      }
      return 0;
    }
    return finish(leader);
  }

  /** Takes the leader's EPOCH_END answer, if it answers the pending request. */
  void onAnswer(RegionId from, RegionId leader, Frame f) {
    if (phase == Phase.REQUESTED && from.equals(leader) && f.epoch() == epoch) {
      answered = true;
      answerFoundEpoch = f.epochEndFoundEpoch();
      answerEnd = f.epochEndPosition();
    }
  }

  /**
   * On the leader's heartbeat: the sync ack may have been lost, so send it again until batches
   * flow.
   */
  void onLeaderHeartbeat(RegionId leader) {
    if (synced && batchesSinceSync == 0) {
      frames.ack(leader, epoch, log.durablePosition());
    }
  }

  private void request(RegionId leader, long nowNanos) {
    lastRequestNanos = nowNanos;
    frames.epochEndRequest(leader, epoch, requestedLastEpoch);
  }

  private int finish(RegionId leader) {
    long durable = log.durablePosition();
    boolean exact = answerFoundEpoch == requestedLastEpoch;
    long keep = exact ? Math.min(durable, answerEnd) : log.endOfEpoch(answerFoundEpoch);
    if (keep < durable) {
      if (!cut(leader, keep)) {
        return 0;
      }
      if (!exact) {
        phase = Phase.WAIT_QUIET; // ask again with the new last epoch (KIP-279)
        return 1;
      }
    }
    waitingForStoreLogged = false;
    feedLock.onSynced();
    phase = Phase.SYNCED;
    synced = true;
    frames.ack(leader, epoch, log.durablePosition());
    LOG.info(
        "region {} follows {} on shard {} in epoch {} from position {}",
        config.self(),
        leader,
        shard,
        epoch,
        log.durablePosition());
    return 1;
  }

  /** Cuts the log at {@code cut} through the store; false if it must be tried again later. */
  private boolean cut(RegionId leader, long cut) {
    ReplicaState store = state.get();
    if (store == null) {
      if (!waitingForStoreLogged) {
        waitingForStoreLogged = true;
        LOG.warn(
            "shard {}: must cut the log at {} to follow {} in epoch {}; waiting for the store",
            shard,
            cut,
            leader,
            epoch);
      }
      return false;
    }
    try {
      long removed;
      synchronized (feedLock) {
        removed = store.truncateLog(shard, cut, epoch);
      }
      LOG.warn(
          "shard {}: cut {} records at position {} that the log of {} (epoch {}) does not have;"
              + " their effect stays in this region's state",
          shard,
          removed,
          cut,
          leader,
          epoch);
      return true;
    } catch (TidalException e) {
      LOG.error("shard {}: cannot cut the log at {}: {}; retrying", shard, cut, e.getMessage());
      phase = Phase.WAIT_QUIET;
      return false;
    }
  }
}
