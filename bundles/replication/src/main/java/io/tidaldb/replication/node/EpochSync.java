package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.shipping.FollowerDb;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.support.errors.Backoff;
import io.tidaldb.support.errors.ErrorCounters;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

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
 * <p>A cut runs off the replication thread ({@link LogCut}): the shard waits in {@code CUTTING} and
 * its later rounds poll the cut's outcome, then go on (ask again, or ack), while every other
 * shard's heartbeats, votes and acks keep flowing. A sync restarted or stopped meanwhile goes on
 * once the cut has ended; {@link #cutInFlight()} keeps the region from starting to lead until then.
 *
 * <p>Not thread-safe: the replication thread, which also appends the leader's batches, calls every
 * method, so whether a batch is taken ({@link #synced()}) is decided in one order with the sync's
 * steps.
 */
final class EpochSync {
  private static final Logger LOG = LoggerFactory.getLogger(EpochSync.class);

  /** The wait before retrying a failed cut, doubling up to {@link #CUT_RETRY_MAX_MILLIS}. */
  static final long CUT_RETRY_MIN_MILLIS = 10;

  static final long CUT_RETRY_MAX_MILLIS = 10_000;

  private enum Phase {
    NONE,
    WAIT_QUIET,
    REQUESTED,
    CUTTING,
    SYNCED
  }

  private final int shard;
  private final ReplicationConfig config;
  private final ShardLog log;
  private final Supplier<ReplicaState> state;
  private final FollowerDb follower;
  private final ControlFrames frames;
  private final LogCut cut;
  private final Backoff cutRetry =
      new Backoff(
          TimeUnit.MILLISECONDS.toNanos(CUT_RETRY_MIN_MILLIS),
          TimeUnit.MILLISECONDS.toNanos(CUT_RETRY_MAX_MILLIS));
  private final ErrorCounters cutFailures;
  private boolean synced;
  private long batchesSinceSync;
  private Phase phase = Phase.NONE;
  private long epoch;
  private long requestedLastEpoch;
  private long lastRequestNanos;
  private boolean answered;
  private long answerFoundEpoch;
  private long answerEnd;
  private boolean waitingForStoreLogged;
  private boolean cutExact;

  EpochSync(
      int shard,
      ReplicationConfig config,
      ShardLog log,
      Supplier<ReplicaState> state,
      FollowerDb follower,
      ControlFrames frames,
      Executor cutter) {
    this.shard = shard;
    this.config = config;
    this.log = log;
    this.state = state;
    this.follower = follower;
    this.frames = frames;
    this.cut = new LogCut(shard, cutter);
    this.cutFailures =
        new ErrorCounters(
            LOG,
            "region " + config.self() + " shard " + shard,
            Level.ERROR,
            TimeUnit.SECONDS.toNanos(NodeFailures.SUMMARY_EVERY_SECONDS));
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
    if (phase == Phase.SYNCED || phase == Phase.REQUESTED || phase == Phase.CUTTING) {
      synced = false;
      phase = Phase.WAIT_QUIET;
    }
  }

  /** Whether batches from the leader are taken. */
  boolean synced() {
    return synced;
  }

  /**
   * The log was replaced by a snapshot of the leader's log (snapshot catch-up) while synced:
   * acknowledges its new HWM, and again on the leader's heartbeats until batches flow, like the
   * sync's own ack.
   */
  void snapshotInstalled(RegionId leader) {
    batchesSinceSync = 0;
    frames.ack(leader, epoch, log.durablePosition());
  }

  /**
   * Counts a batch of the leader appended to the log. Only an appended one ends the repeats of the
   * sync's ACK ({@link #onLeaderHeartbeat}): from then on {@link FollowerDb} acknowledges the
   * leader on its heartbeats. A batch refused as a gap must not: the leader may have no shipper for
   * this region (an EPOCH_END_REQUEST repeated before the answer arrived reached it after the
   * sync's ACK and ended the shipper that ACK started), ignores the resend requests, and only a new
   * ACK starts one (the data-path simulation's seed 5649: the follower never caught up).
   */
  void batchAppended() {
    batchesSinceSync++;
  }

  /** Whether a log cut has not ended yet (the region must not start to lead meanwhile). */
  boolean cutInFlight() {
    return cut.inFlight();
  }

  /** Returns how many cuts of the log failed (each cause logged once). */
  long cutFailures() {
    return cutFailures.total();
  }

  /** Returns how many lines the failed cuts logged. */
  long cutFailureLines() {
    return cutFailures.linesLogged();
  }

  /** Does the next step towards being synced with {@code leader}; returns the work done. */
  int step(RegionId leader, long nowNanos) {
    if (cut.inFlight()) {
      LogCut.Outcome o = cut.poll();
      return o == null ? 0 : afterCut(leader, o, nowNanos);
    }
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
    return finish(leader, nowNanos);
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
   * On the leader's heartbeat: the sync ack may have been lost, or the shipper it started ended, so
   * send it again until a batch is appended ({@link #batchAppended}).
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

  private int finish(RegionId leader, long nowNanos) {
    long durable = log.durablePosition();
    boolean exact = answerFoundEpoch == requestedLastEpoch;
    long keep = exact ? Math.min(durable, answerEnd) : log.endOfEpoch(answerFoundEpoch);
    if (keep < durable) {
      return cutRetry.ready(nowNanos) ? startCut(leader, keep, exact) : 0;
    }
    return synced(leader);
  }

  private int synced(RegionId leader) {
    follower.onSynced();
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

  /** Starts cutting the log at {@code keep} through the store, unless none is attached yet. */
  private int startCut(RegionId leader, long keep, boolean exact) {
    ReplicaState store = state.get();
    if (store == null) {
      if (!waitingForStoreLogged) {
        waitingForStoreLogged = true;
        LOG.warn(
            "shard {}: must cut the log at {} to follow {} in epoch {}; waiting for the store",
            shard,
            keep,
            leader,
            epoch);
      }
      return 0;
    }
    waitingForStoreLogged = false;
    phase = Phase.CUTTING;
    cutExact = exact;
    cut.start(store, keep, epoch);
    return 1;
  }

  /**
   * Goes on once the cut has ended: ask again (KIP-279), ack, or retry a failed cut after a
   * back-off (each cause logged once: a store that cannot write its snapshot fails every cut
   * alike).
   */
  private int afterCut(RegionId leader, LogCut.Outcome o, long nowNanos) {
    if (o.failure() != null) {
      long wait = cutRetry.failed(nowNanos);
      cutFailures.record(
          o.failure(),
          nowNanos,
          "cannot cut the log at "
              + o.position()
              + " to follow "
              + leader
              + " in epoch "
              + epoch
              + " ("
              + cutRetry.failures()
              + " in a row, next try in "
              + TimeUnit.NANOSECONDS.toMillis(wait)
              + " ms): "
              + o.failure());
    } else {
      cutRetry.succeeded();
      LOG.warn(
          "shard {}: cut {} records at position {} that the log of {} (epoch {}) does not have;"
              + " their effect stays in this region's state",
          shard,
          o.removed(),
          o.position(),
          leader,
          epoch);
    }
    if (phase != Phase.CUTTING) {
      return 1; // the sync was restarted or stopped meanwhile: it goes on from its new phase
    }
    if (o.failure() != null || !cutExact || leader == null) {
      phase = Phase.WAIT_QUIET; // ask again with the new last epoch (KIP-279), or cut again
      return 1;
    }
    return synced(leader);
  }
}
