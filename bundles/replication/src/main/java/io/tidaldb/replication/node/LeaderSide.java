package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.api.replication.ShardReplicationStatus.SnapshotProgress;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.leadership.ShardLeadership;
import io.tidaldb.replication.shipping.QuorumTracker;
import io.tidaldb.replication.shipping.WalShipper;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader side of one shard of one region: the {@link QuorumTracker}, one {@link WalShipper} per
 * synced follower (started by that follower's first ACK of the epoch), one {@link SnapshotShipper}
 * per follower behind the log's start (snapshot catch-up: its {@link WalShipper} stopped at {@link
 * WalShipper.State#BELOW_LOG_START}; once the follower installed the snapshot, a new shipper
 * continues from its position), and the durable timeline that turns a follower's HWM into a lag in
 * milliseconds.
 *
 * <p>Threads: owned by the region's replication thread, like its {@link ShardReplica}, except
 * {@link #ready}, {@link #leadingEpoch}, {@link #whenStored} and {@link #retainFrom}, which store
 * threads call: they read what the owner publishes in volatile fields (the store may hold its own
 * locks, so they never wait). A durability wait that is not met already is handed to the owner
 * through a bounded inbox ({@link #WAIT_QUEUE}); the owner registers it with the tracker and
 * completes it, so its dependent stages run on the replication thread and must not block.
 */
final class LeaderSide {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderSide.class);
  private static final long EXPIRE_EVERY_NANOS = 5_000_000L;

  /** How many durability waits of one shard may wait for the replication thread to take them. */
  static final int WAIT_QUEUE = 8_192;

  /** A store thread's wait for a record to reach a level, on its way to the owner. */
  private record StoredWait(
      QuorumTracker tracker,
      long position,
      Durability level,
      long startNanos,
      CompletableFuture<Void> future) {}

  private final int shard;
  private final ReplicationConfig config;
  private final ShardLog log;
  private final TransportEndpoint endpoint;
  private final Map<RegionId, WalShipper> shippers = new LinkedHashMap<>();
  private final Map<RegionId, SnapshotShipper> transfers = new LinkedHashMap<>();
  private final Supplier<ReplicaState> store;
  private final Executor cutter;
  private final SnapshotCounters snapshots;
  private final Map<RegionId, Long> followerLimits = new HashMap<>();
  private final DurableTimeline timeline = new DurableTimeline(4096);
  private final Inbox<StoredWait> waits = new Inbox<>(WAIT_QUEUE);
  private final Runnable wake;
  private volatile boolean ready;
  private volatile boolean paused; // a leadership transfer runs: no new writes
  private volatile long leadingEpoch = ShardLog.ANY_EPOCH;
  private volatile QuorumTracker tracker;

  /** See {@link #retainFrom}; recomputed by every leading round of {@link #doWork}. */
  private volatile long retainFrom = Long.MAX_VALUE;

  private long lastExpireNanos;

  LeaderSide(
      int shard,
      ReplicationConfig config,
      ShardLog log,
      TransportEndpoint endpoint,
      Runnable wake) {
    this(
        shard,
        config,
        log,
        endpoint,
        wake,
        () -> null,
        Runnable::run,
        new SnapshotCounters(config.self()));
  }

  LeaderSide(
      int shard,
      ReplicationConfig config,
      ShardLog log,
      TransportEndpoint endpoint,
      Runnable wake,
      Supplier<ReplicaState> store,
      Executor cutter,
      SnapshotCounters snapshots) {
    this.shard = shard;
    this.config = config;
    this.log = log;
    this.endpoint = endpoint;
    this.wake = wake;
    this.store = store;
    this.cutter = cutter;
    this.snapshots = snapshots;
  }

  /**
   * Starts accepting writes as leader of {@code epoch}: raises the log's epoch, starts a tracker.
   * The caller checked that the log holds no pending replicated batch.
   */
  void activate(long epoch) {
    paused = false;
    // Raises the log's epoch and opens its fence for appends checked in this epoch, in one step.
    log.startLeading(epoch);
    QuorumTracker t = new QuorumTracker(shard, config.regions(), config.self());
    t.onLeaderDurable(log.durablePosition());
    tracker = t;
    leadingEpoch = epoch;
    ready = true;
    LOG.info(
        "region {} leads shard {} in epoch {} from position {}",
        config.self(),
        shard,
        epoch,
        log.durablePosition());
  }

  /** Returns the quorum position as the tracker last published it, or -1 when not leading. */
  long quorumReached() {
    QuorumTracker t = tracker;
    return ready && t != null ? t.reached(Durability.QUORUM) : -1;
  }

  /** Whether this region leads the shard and accepts local writes. */
  boolean ready() {
    return ready;
  }

  /**
   * Returns the epoch this region leads in, or {@link ShardLog#ANY_EPOCH} when it does not; the
   * store fences its appends with it (the log refuses them once this leadership ends).
   */
  long leadingEpoch() {
    return ready && !paused ? leadingEpoch : ShardLog.ANY_EPOCH;
  }

  /** Whether this region leads and accepts local writes (not during a leadership transfer). */
  boolean acceptsWrites() {
    return ready && !paused;
  }

  /**
   * Stops taking new writes while a leadership transfer runs (owner): the log's fence refuses every
   * append from now on, so the log cannot grow past what the target catches up to; the tracker,
   * shippers and pending waits go on.
   */
  void pauseWrites() {
    if (ready && !paused) {
      paused = true;
      log.stopLeading();
    }
  }

  /** Takes writes again after a transfer gave up while this region still leads (owner). */
  void resumeWrites() {
    if (paused) {
      paused = false;
      if (ready) {
        log.startLeading(leadingEpoch);
      }
    }
  }

  /** Whether writes are paused for a leadership transfer. */
  boolean paused() {
    return paused;
  }

  /** Whether anything of a leadership is left to stop (a tracker, shippers, accepted writes). */
  boolean active() {
    return ready || tracker != null || !shippers.isEmpty() || !transfers.isEmpty();
  }

  /**
   * One leading round: feeds the tracker the durable position, runs every shipper and renews the
   * lease from their acknowledgements, recomputes {@link #retainFrom} and expires due waits.
   *
   * @return the work done
   */
  int doWork(long nowNanos, ShardLeadership leadership) {
    QuorumTracker t = tracker;
    if (!ready || t == null) {
      return 0;
    }
    int work = 0;
    long durable = log.durablePosition();
    t.onLeaderDurable(durable);
    timeline.record(durable, nowNanos);
    for (WalShipper s : shippers.values()) {
      work += s.doWork(nowNanos);
      leadership.onFollowerProgress(s.follower(), s.ackedSentNanos());
      if (s.state() == WalShipper.State.BELOW_LOG_START && !transfers.containsKey(s.follower())) {
        transfers.put(s.follower(), newTransfer(s.follower(), s.followerHwm()));
        work++;
      }
    }
    long quorum = t.reached(Durability.QUORUM);
    for (SnapshotShipper transfer : transfers.values()) {
      work += transfer.doWork(nowNanos, quorum);
    }
    retainFrom = lowestFollowerNeed(durable);
    if (nowNanos - lastExpireNanos >= EXPIRE_EVERY_NANOS) {
      lastExpireNanos = nowNanos;
      t.expire(nowNanos);
    }
    return work;
  }

  /**
   * See {@link io.tidaldb.api.replication.Replication#whenStored}; any thread, never waits. A level
   * already reached completes at once; otherwise the wait goes to the owner, which registers it
   * with the tracker this call read (if that leadership ended meanwhile, the tracker fails it at
   * once) and completes it.
   */
  CompletableFuture<Void> whenStored(long position, Durability level, long nowNanos) {
    QuorumTracker t = tracker;
    if (!ready || t == null) {
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "region "
                  + config.self()
                  + " stopped leading shard "
                  + shard
                  + " before position "
                  + position
                  + " reached "
                  + level
                  + "; the record may still be replicated, or be cut by the next leader",
              true,
              config.self()));
    }
    if (t.reached(level) > position
        || (level == Durability.LOCAL && log.durablePosition() > position)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    if (!waits.offer(new StoredWait(t, position, level, nowNanos, future))) {
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "region "
                  + config.self()
                  + " shard "
                  + shard
                  + ": replication wait queue full ("
                  + WAIT_QUEUE
                  + " waits); position "
                  + position
                  + " is in this leader's log and may still reach "
                  + level,
              true,
              config.self()));
    }
    wake.run();
    return future;
  }

  /**
   * Registers the durability waits that store threads handed over (owner only, every round whatever
   * the shard's state, so that a wait handed over after a step-down fails at once).
   *
   * @return how many
   */
  int drainWaits() {
    return waits.drain(this::register, WAIT_QUEUE);
  }

  private void register(StoredWait w) {
    QuorumTracker t = w.tracker();
    if (t == tracker) {
      t.onLeaderDurable(log.durablePosition());
    }
    t.await(
        w.position(), w.level(), w.startNanos(), config.durabilityTimeout().toNanos(), w.future());
  }

  /**
   * Handles a follower's ACK: the first one of the leader's epoch from a synced follower starts its
   * shipper; later ones advance it and the tracker. Only acks sent in this leader's epoch count
   * (Raft's rule): a follower that acks in a newer epoch has voted there, possibly for a leader
   * without the batch, which it may then cut; an older epoch's ack is a stale message.
   *
   * @return false if this region does not lead, or the ack is of another epoch (the frame is then
   *     dropped by the caller)
   */
  boolean onAck(RegionId from, long ackEpoch, long hwm, long leaderEpoch) {
    QuorumTracker t = tracker;
    if (!ready || t == null || ackEpoch != leaderEpoch) {
      return false;
    }
    WalShipper shipper = shippers.get(from);
    if (shipper == null) {
      if (hwm > log.durablePosition()) {
        return true; // not a synced follower's ack
      }
      WalShipper started = new WalShipper(log, from, endpoint, hwm, config.shipping());
      started.limitBatchBytes(followerLimits.getOrDefault(from, Long.MAX_VALUE));
      shippers.put(from, started);
    } else {
      SnapshotShipper transfer = transfers.get(from);
      if (transfer != null && hwm >= transfer.position()) {
        caughtUp(from, hwm, true); // installed; its SNAPSHOT_ACK was lost
      } else {
        shipper.onAck(ackEpoch, hwm);
      }
    }
    t.onFollowerHwm(from, hwm);
    return true;
  }

  /**
   * The follower syncs again (it asked where an epoch ends: restarted, or a new leader's first
   * contact): its shipper ends, so that its next ACK starts a new shipper at the position it
   * reports, also one below what it acknowledged before. A region that lost its data (wiped, its
   * disk replaced) reports less than it once acknowledged, and the old shipper would keep treating
   * that ack as stale and resending from the old position (a wiped region never caught up). What
   * the tracker counted stays: those positions were durable on a majority when counted. Owner.
   */
  void onFollowerSync(RegionId follower) {
    WalShipper old = shippers.remove(follower);
    if (old != null) {
      old.close();
    }
    // a snapshot transfer to it goes on: it resumes from what the follower reports it holds
  }

  private SnapshotShipper newTransfer(RegionId follower, long fromPosition) {
    return new SnapshotShipper(
        shard,
        follower,
        leadingEpoch,
        fromPosition,
        endpoint,
        config.shipping(),
        new SnapshotOpen(shard, cutter, store),
        snapshots,
        config.electionTimeout().toNanos());
  }

  /**
   * Handles a follower's SNAPSHOT_ACK (owner): once it reports the snapshot installed, the transfer
   * ends and a new {@link WalShipper} ships from the snapshot's position.
   *
   * @return false if this region does not lead in that epoch or no transfer to {@code from} runs
   *     (the caller drops the frame)
   */
  boolean onSnapshotAck(
      RegionId from,
      long ackEpoch,
      long leaderEpoch,
      long position,
      long received,
      byte status,
      byte reason,
      long nowNanos) {
    SnapshotShipper transfer = transfers.get(from);
    if (!ready || ackEpoch != leaderEpoch || transfer == null) {
      return false;
    }
    if (transfer.onAck(position, received, status, reason, nowNanos)) {
      caughtUp(from, position, false);
    }
    return true;
  }

  /**
   * The follower installed a snapshot covering {@code position}: ship the log from there. {@code
   * byAck}: learned from its ACK, its SNAPSHOT_ACK having been lost.
   */
  private void caughtUp(RegionId follower, long position, boolean byAck) {
    SnapshotShipper transfer = transfers.remove(follower);
    if (transfer != null) {
      if (byAck) {
        transfer.installedByAck();
      }
      transfer.close();
    }
    WalShipper old = shippers.remove(follower);
    if (old != null) {
      old.close();
    }
    WalShipper started = new WalShipper(log, follower, endpoint, position, config.shipping());
    started.limitBatchBytes(followerLimits.getOrDefault(follower, Long.MAX_VALUE));
    shippers.put(follower, started);
  }

  /**
   * Ships {@code follower} no batch larger than {@code bytes}, header included (what it said it
   * takes, in a LIMITS frame); kept for its later shippers.
   */
  void limitFollower(RegionId follower, long bytes) {
    followerLimits.put(follower, bytes);
    WalShipper shipper = shippers.get(follower);
    if (shipper != null) {
      shipper.limitBatchBytes(bytes);
    }
  }

  /** Handles a follower's RESEND_REQUEST. */
  void onResendRequest(RegionId from, long epoch, long fromPosition) {
    WalShipper shipper = shippers.get(from);
    if (shipper != null) {
      shipper.onResendRequest(epoch, fromPosition);
    }
  }

  /**
   * Adds a row per region to {@code progress} (HWM, lag in records and ms) if leading.
   *
   * @return whether it did
   */
  boolean addProgress(List<RegionProgress> progress, long nowNanos) {
    QuorumTracker t = tracker;
    if (!ready || t == null) {
      return false;
    }
    long own = log.durablePosition();
    for (RegionId r : config.regions()) {
      long hwm = r.equals(config.self()) ? own : Math.max(0, t.durable(r));
      SnapshotShipper transfer = transfers.get(r);
      Optional<SnapshotProgress> catchUp =
          Optional.ofNullable(transfer == null ? null : transfer.progress());
      progress.add(
          new RegionProgress(
              r, hwm, Math.max(0, own - hwm), timeline.lagMillis(hwm, nowNanos), catchUp));
    }
    return true;
  }

  /**
   * Returns the lowest position of this shard's log to keep for regions behind (see {@link
   * io.tidaldb.api.replication.Replication#retainFrom}); {@link Long#MAX_VALUE} unless leading.
   * Lock-free.
   */
  long retainFrom() {
    return ready ? retainFrom : Long.MAX_VALUE;
  }

  /** Stops accepting writes and shipping, and fails every pending durability wait. */
  void stepDown(String reason) {
    retainFrom = Long.MAX_VALUE;
    if (!active()) {
      return;
    }
    ready = false;
    paused = false;
    log.stopLeading(); // from here on no append checked in this leadership is taken
    QuorumTracker t = tracker;
    tracker = null;
    for (WalShipper s : shippers.values()) {
      s.close();
    }
    shippers.clear();
    for (SnapshotShipper transfer : transfers.values()) {
      transfer.close(); // abandoned: its snapshot is closed
    }
    transfers.clear();
    if (t != null) {
      int failed = t.failAll(reason);
      LOG.info(
          "region {} stops leading shard {}: {} ({} durability waits failed)",
          config.self(),
          shard,
          reason,
          failed);
    }
  }

  /**
   * Returns the lowest log position a follower may still need: the lowest acknowledged HWM of the
   * synced followers, or everything for a follower not synced yet (down, or not heard from since
   * this region leads), bounded by {@code ShippingConfig#maxRetainedRecords} behind {@code
   * durable}; and, unbounded, no more than the position of a snapshot being shipped (the follower
   * continues from there once it installed it).
   */
  private long lowestFollowerNeed(long durable) {
    long need = durable;
    long snapshotNeed = Long.MAX_VALUE;
    for (RegionId region : config.regions()) {
      if (!region.equals(config.self())) {
        WalShipper s = shippers.get(region);
        need = Math.min(need, s == null ? 0 : s.followerHwm());
        SnapshotShipper transfer = transfers.get(region);
        if (transfer != null) {
          snapshotNeed = Math.min(snapshotNeed, transfer.position());
        }
      }
    }
    return Math.min(Math.max(need, durable - config.shipping().maxRetainedRecords()), snapshotNeed);
  }
}
