package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.replication.leadership.FileEpochStore;
import io.tidaldb.replication.leadership.LeadershipListener;
import io.tidaldb.replication.leadership.LeadershipState;
import io.tidaldb.replication.leadership.ShardLeadership;
import io.tidaldb.replication.leadership.ShardLogReplicaLog;
import io.tidaldb.replication.shipping.FollowerDb;
import io.tidaldb.replication.shipping.QuorumTracker;
import io.tidaldb.replication.shipping.WalShipper;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.LeadershipFrames;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard of one region's replication: its {@link ShardLeadership}, and depending on the role
 * either the {@link LeaderSide} ({@link QuorumTracker}, one {@link WalShipper} per synced follower)
 * or the follower side ({@link FollowerDb} behind the epoch sync).
 *
 * <p>Becoming leader of epoch {@code E}: wait until the log holds no pending replicated batch,
 * raise the log's epoch to {@code E}, then accept local writes ({@link #checkLeader}); a synced
 * follower's first ACK of epoch {@code E} starts its {@link WalShipper}. Following a leader: the
 * {@link EpochSync} (cut the local log where the leader's log diverges, then ack); batches are
 * taken only from the known leader and only once synced.
 *
 * <p>Threads: one owner, the region's replication thread, calls {@link #doWork}, {@link #onFrame}
 * (frames come through the region's {@link FrameInbox}), {@link #status}, {@link #onPause}, {@link
 * #threadDied} and {@link #close} ({@link OwnerCheck} asserts it), and appends the leader's batches
 * here ({@link ShardLog#tryAppendReplicated}, which never waits) and sends the ACKs. Store and
 * forwarding threads call {@link #checkLeader}, {@link #leads}, {@link #knownLeader}, {@link
 * #epoch}, {@link #retainFrom} and {@link #whenStored}, which read what the owner publishes in
 * volatile fields and hand waits over (the WAL's fenced append decides). A log cut runs on the
 * region's cut thread ({@link LogCut}), holding nothing of this.
 */
final class ShardReplica implements LeadershipListener {
  private static final Logger LOG = LoggerFactory.getLogger(ShardReplica.class);

  private final int shard;
  private final ReplicationConfig config;
  private final ShardLog log;
  private final TransportEndpoint endpoint;
  private final Supplier<ReplicaState> state;
  private final DropCounters drops;
  private final FrameInbox inbox;
  private final ArrayDeque<FrameInbox.Event> batches = new ArrayDeque<>();
  private final ShardLeadership leadership;
  private final LeadershipFrames frames;
  private final FollowerDb follower;
  private final ControlFrames control;
  private final EpochSync sync;
  private final LeaderSide leaderSide;
  private final ForwardOrigin forwards;
  private final ShipLimits shipLimits;
  private final FrameChecks checks;
  private final OwnerCheck owner;
  private final TransferHold transfer;
  private final SnapshotReceiver snapshot;
  private final KnownCommit commits;
  private volatile RegionId leader;
  private volatile long epoch;
  private volatile boolean electionHold; // see holdsWrites
  private volatile CompletableFuture<Void> leaderChange = new CompletableFuture<>();
  private long electionHoldUntil;
  private long lastNowNanos;
  private long leaderHwmHeard;

  /**
   * When this region last held everything its leader announced durable in a heartbeat (its log
   * synced with the leader's and durable through the announced HWM); valid once {@link #caughtUp}.
   */
  private volatile long caughtUpNanos;

  private volatile boolean caughtUp;
  private long leaderHwmEpoch = -1;
  private long pendingLeaderEpoch = -1;
  private String logStopped; // why the shard stands aside (its log or a thread stopped)

  ShardReplica(
      int shard,
      ReplicationConfig config,
      ShardLog log,
      TransportEndpoint endpoint,
      Supplier<ReplicaState> state,
      DropCounters drops,
      FrameInbox inbox,
      Runnable wake,
      ForwardOrigin forwards,
      Executor cutter,
      SizeLimits limits,
      long nowNanos) {
    this(
        shard,
        config,
        log,
        endpoint,
        state,
        drops,
        inbox,
        wake,
        forwards,
        cutter,
        limits,
        new SnapshotCounters(config.self()),
        nowNanos);
  }

  ShardReplica(
      int shard,
      ReplicationConfig config,
      ShardLog log,
      TransportEndpoint endpoint,
      Supplier<ReplicaState> state,
      DropCounters drops,
      FrameInbox inbox,
      Runnable wake,
      ForwardOrigin forwards,
      Executor cutter,
      SizeLimits limits,
      SnapshotCounters snapshots,
      long nowNanos) {
    this.shard = shard;
    this.config = config;
    this.log = log;
    this.endpoint = endpoint;
    this.state = state;
    this.drops = drops;
    this.inbox = inbox;
    this.owner = new OwnerCheck("shard " + shard + " of region " + config.self());
    this.forwards = forwards;
    this.commits = new KnownCommit(config.self(), shard, state);
    this.frames = new LeadershipFrames(shard, endpoint, commits::known);
    this.follower = new FollowerDb(log, endpoint);
    this.control = new ControlFrames(shard, endpoint);
    this.checks = new FrameChecks(shard, log, drops);
    this.sync = new EpochSync(shard, config, log, state, follower, control, cutter);
    this.leaderSide = new LeaderSide(shard, config, log, endpoint, wake, state, cutter, snapshots);
    this.snapshot = new SnapshotReceiver(shard, endpoint, log, state, cutter, snapshots);
    this.shipLimits = new ShipLimits(config.self(), shard, limits, control);
    this.leadership =
        new ShardLeadership(
            shard,
            config.leadership(shard),
            new ShardLogReplicaLog(log),
            new FileEpochStore(config.directory(), shard),
            frames,
            this,
            nowNanos);
    this.leadership.setReturnToPreferred(true);
    this.leadership.setLinkStatus(endpoint::connected); // polled each round: a crashed leader
    this.transfer = new TransferHold(config.self(), shard, config.electionTimeout().toNanos());
    this.epoch = leadership.epoch();
    follower.enterEpoch(epoch);
  }

  /**
   * Does what time demands; returns the amount of work done (0 when idle). Without an attached
   * store the shard neither leads nor follows: it stops heartbeating (so another region takes over
   * after the election timeout), steps down, and takes no batches, because nobody would apply them
   * (a store recovering from the log must not race with replicated appends).
   */
  int doWork(long nowNanos) {
    assert owner.check();
    lastNowNanos = nowNanos;
    if (electionHold && nowNanos - electionHoldUntil >= 0) {
      electionHold = false; // no leader within an election timeout: forwards fail again
    }
    int work = leaderSide.drainWaits() + appendBatches();
    if (logStopped != null || standAsideIfLogStopped(nowNanos)) {
      return work;
    }
    work += follower.flushAcks();
    if (state.get() == null) {
      detached();
      return work;
    }
    work += leadership.doWork(nowNanos);
    if (pendingLeaderEpoch >= 0) {
      work += activateLeader();
    }
    work += leaderSide.doWork(nowNanos, leadership);
    work += knownCommit();
    work += transfer.step(leadership, leaderSide, leader, nowNanos);
    work += snapshotInstall();
    if (!snapshot.installing()) {
      work += sync.step(leader, nowNanos); // an install replaces the log: sync after it
    }
    if (sync.synced()) {
      control.answered(); // no request outstanding: a later EPOCH_END is unsolicited
    }
    return work;
  }

  /**
   * Raises the shard's known commit from the leader's quorum position or, synced as a follower,
   * from the durable position below the leader's announced commit; tells the store (see {@link
   * KnownCommit}).
   */
  private int knownCommit() {
    if (leaderSide.ready()) {
      commits.onQuorum(leaderSide.reached(Durability.QUORUM), leaderSide.reached(Durability.ALL));
    } else if (sync.synced()) {
      commits.onDurable(log.durablePosition());
    }
    return commits.tell();
  }

  /**
   * Once the shard's log has stopped (a write, fsync or listener failure: it can make nothing
   * durable again until it is reopened), steps down, stops running for leader and following, and
   * says why once in the log and from then on in {@link #status}.
   *
   * @return whether the log has stopped
   */
  private boolean standAsideIfLogStopped(long nowNanos) {
    Optional<StorageException> failure = log.failure();
    if (failure.isEmpty()) {
      return false;
    }
    String why = "WAL stopped: " + failure.get().getMessage();
    LOG.error(
        "{} shard {}: {}; stepping down, not running for leader and not acknowledging while it is"
            + " stopped",
        config.self(),
        shard,
        why);
    standAside(why, "the WAL of region " + config.self() + " stopped", nowNanos);
    return true;
  }

  /**
   * Stands aside for good because the region's replication thread died (the node logged it): steps
   * down, stops running for leader and following, and says why in {@link #status}. Called by the
   * dying replication thread's uncaught-exception handler, still its owner.
   *
   * @param why the thread and its cause
   * @param nowNanos the monotonic time
   */
  void threadDied(String why, long nowNanos) {
    assert owner.check();
    if (logStopped == null) {
      standAside(why, "region " + config.self() + ": " + why, nowNanos);
    }
  }

  private void standAside(String why, String stepDownReason, long nowNanos) {
    logStopped = why;
    electionHold = false;
    leadership.setEligible(false, nowNanos);
    stepDownLeader(stepDownReason);
    sync.stop();
    snapshot.abandon();
  }

  /**
   * Tells the shard's leadership that the replication thread was paused until {@code nowNanos}; see
   * {@link ShardLeadership#onLocalPause}.
   */
  void onPause(long nowNanos) {
    assert owner.check();
    leadership.onLocalPause(nowNanos);
  }

  /**
   * Handles a frame of this shard that arrived from {@code from} (the replication thread, which
   * drains the region's {@link FrameInbox}), once its epoch and fields make sense ({@link
   * FrameChecks}).
   *
   * @param f the decoded frame, detached from the transport's buffer ({@link Frame#copy})
   */
  void onFrame(RegionId from, Frame f, long nowNanos) {
    assert owner.check();
    lastNowNanos = nowNanos;
    if (!checks.epoch(from, f, epoch) || !checks.fields(from, f)) {
      if (FrameInbox.holdsBytes(f)) {
        inbox.batchDone(f);
      }
      return;
    }
    switch (f.type()) {
      case FrameDescriptor.SNAPSHOT_OFFER -> onSnapshotOffer(from, f);
      case FrameDescriptor.SNAPSHOT_CHUNK -> onSnapshotChunk(from, f);
      case FrameDescriptor.SNAPSHOT_ACK -> onSnapshotAck(from, f, nowNanos);
      case FrameDescriptor.WAL_BATCH -> onWalBatch(from, f, nowNanos);
      case FrameDescriptor.ACK -> onAck(from, f, nowNanos);
      case FrameDescriptor.RESEND_REQUEST -> onResendRequest(from, f);
      case FrameDescriptor.EPOCH_END_REQUEST -> onEpochEndRequest(from, f);
      case FrameDescriptor.EPOCH_END -> onEpochEnd(from, f);
      case FrameDescriptor.LIMITS -> onLimits(from, f);
      default -> onLeadershipFrame(from, f, nowNanos);
    }
  }

  /**
   * Throws unless this region leads the shard and accepts local writes; returns the epoch it leads
   * in, which fences the store's appends (see {@link ShardLog#startLeading}).
   */
  long checkLeader() {
    long leading = leaderSide.leadingEpoch();
    if (leading == ShardLog.ANY_EPOCH) {
      throw new NotLeaderException(config.self(), shard, epoch, Optional.ofNullable(leader));
    }
    return leading;
  }

  /**
   * Returns whether this region leads the shard and accepts local writes (not while its leadership
   * transfers).
   */
  boolean leads() {
    return leaderSide.acceptsWrites();
  }

  /**
   * Returns whether writes of the shard are held (any thread): refused writes are then held by the
   * forwarding path rather than failed, and sent to the leader once one is known. They are held
   * while a leadership transfer runs (see {@link TransferHold}) and, for at most one election
   * timeout, from the moment this region loses its leader (an election it takes part in, a
   * transfer's included) until a leader accepting writes is known: at another region, or here once
   * this region's leadership is active.
   */
  boolean holdsWrites() {
    return transfer.holding() || electionHold;
  }

  /**
   * Starts handing the shard's leadership to {@code to}; see {@link
   * io.tidaldb.api.replication.Replication#transferLeadership}. Owner only.
   */
  int transferLeadership(RegionId to, CompletableFuture<Void> future, long nowNanos) {
    assert owner.check();
    return transfer.request(to, future, leadership, leaderSide, nowNanos);
  }

  /** Returns the shard's leader as this region knows it, or null during an election. */
  RegionId knownLeader() {
    return leader;
  }

  /** Returns the latest epoch this region knows for the shard. */
  long epoch() {
    return epoch;
  }

  /**
   * Returns the future the next change of this shard's leadership completes (any thread); see
   * {@link io.tidaldb.api.replication.Replication#leaderChange}.
   */
  CompletableFuture<Void> leaderChange() {
    return leaderChange;
  }

  /** Completes the writers' leader change future and hands out a fresh one (owner). */
  private void leaderChanged() {
    CompletableFuture<Void> changed = leaderChange;
    leaderChange = new CompletableFuture<>();
    changed.complete(null);
  }

  /** See {@link io.tidaldb.api.replication.Replication#whenStored}. */
  CompletableFuture<Void> whenStored(long position, Durability level, long nowNanos) {
    return leaderSide.whenStored(position, level, nowNanos);
  }

  /**
   * Returns how stale this region's copy of the shard may be (any thread): 0 while it leads and
   * takes writes; else the time since it last held everything its leader had made durable when it
   * sent a heartbeat (see {@link #onLeadershipFrame}), or -1 if it never did since it started.
   */
  long leaderContactAgeNanos(long nowNanos) {
    if (leads()) {
      return 0;
    }
    return caughtUp ? Math.max(0, nowNanos - caughtUpNanos) : -1;
  }

  /** Returns this shard's replication status as this region knows it. */
  ShardReplicationStatus status(long nowNanos) {
    assert owner.check();
    Role role =
        switch (leadership.state()) {
          case LEADER -> Role.LEADER;
          case CANDIDATE -> Role.CANDIDATE;
          default -> Role.FOLLOWER;
        };
    List<RegionProgress> progress = new ArrayList<>();
    if (!leaderSide.addProgress(progress, nowNanos)) {
      long own = log.durablePosition();
      long head = Math.max(own, leaderHwmHeard);
      progress.add(
          new RegionProgress(
              config.self(), own, head - own, 0, Optional.ofNullable(snapshot.progress())));
    }
    return new ShardReplicationStatus(
        shard,
        leadership.epoch(),
        role,
        Optional.ofNullable(leader),
        progress,
        Optional.ofNullable(problem()));
  }

  /** Returns why this region cannot take its full part in the shard, or null. */
  private String problem() {
    String stopped = logStopped;
    String limits = shipLimits.problem();
    if (stopped == null || limits == null) {
      return stopped == null ? limits : stopped;
    }
    return stopped + "; " + limits;
  }

  /** Returns the leadership's counters (plain longs of the replication thread, read racily). */
  io.tidaldb.replication.leadership.LeadershipCounters leadershipCounters() {
    return leadership.counters();
  }

  /** Returns how many batch size mismatches with other regions this shard found. */
  long sizeMismatches() {
    return shipLimits.mismatches();
  }

  /** Stops shipping and fails pending waits (the node closes). */
  void close() {
    assert owner.check();
    stepDownLeader("the replication of region " + config.self() + " is closing");
    transfer.fail("the replication of region " + config.self() + " is closing");
    snapshot.abandon(); // a snapshot being received leaves no trace
    leaderSide.drainWaits(); // waits handed over meanwhile fail now, not at their timeout
  }

  @Override
  public void onBecomeLeader(long newEpoch) {
    if (logStopped == null) {
      // won, not yet taking writes (activateLeader waits for a quiet log): forwards that reach
      // this region meanwhile, and its own writers, are held, not refused naming this region;
      // published before this region names itself leader (see ForwardLeader#onForward)
      electionHold = true;
      electionHoldUntil = lastNowNanos + config.electionTimeout().toNanos();
    }
    epoch = newEpoch;
    leader = config.self();
    commits.leaderChanged();
    sync.stop();
    snapshot.abandon();
    pendingLeaderEpoch = newEpoch;
  }

  @Override
  public void onBecomeFollower(RegionId newLeader, long newEpoch) {
    stepDownLeader("region " + newLeader + " leads epoch " + newEpoch);
    epoch = newEpoch;
    leader = newLeader;
    // forwards go to the new leader; cleared only after the leader is published, so a writer that
    // sees the hold gone reads the leader again and finds it (ForwardRequests#offer)
    electionHold = false;
    commits.leaderChanged(); // its commit counts once synced with it
    sync.begin(newEpoch); // a sink being received stays: its leader's offer resumes it
    shipLimits.tellLeader(newLeader, newEpoch, true);
    leaderChanged();
  }

  /**
   * Fences the acknowledgements of older epochs before the leadership compares the log for a vote:
   * see {@link FollowerDb#enterEpoch}.
   */
  @Override
  public void onEpochRaised(long newEpoch) {
    follower.enterEpoch(newEpoch);
    commits.leaderChanged();
    // every change of leader passes here (a new epoch learned, or this region's own candidacy):
    // forwards sent to the leader of an older epoch get no reply
    forwards.leaderChanged(
        shard, "region " + config.self() + " entered epoch " + newEpoch + " (was " + epoch + ")");
  }

  @Override
  public void onLeaderLost() {
    RegionId lost = leader;
    if (logStopped == null) {
      // writers wait for the next leader, at most one election timeout; published before this
      // region stops taking writes or forgets its leader (see ForwardLeader#onForward)
      electionHold = true;
      electionHoldUntil = lastNowNanos + config.electionTimeout().toNanos();
    }
    stepDownLeader("leader of epoch " + leadership.epoch() + " lost");
    leader = null;
    commits.leaderChanged();
    sync.stop(); // a sink being received stays: the same leader's offer resumes it
    // Forwards sent to the lost leader stay pending: a lost leader is only suspected (this
    // region's pre-vote round after its silence changes no epoch, and the others may still hear
    // it), so its reply may still come. They fail when an epoch is entered (onEpochRaised), when
    // the link to it is cut, or at their deadline.
    LOG.debug("{} shard {}: lost {} as leader of epoch {}", config.self(), shard, lost, epoch);
    leaderChanged();
  }

  private void detached() {
    if (leaderSide.active() || pendingLeaderEpoch >= 0) {
      stepDownLeader("the store of region " + config.self() + " is detached");
      pendingLeaderEpoch = leadership.state() == LeadershipState.LEADER ? leadership.epoch() : -1;
    }
    sync.pause(); // sync again once a store is attached
    snapshot.abandon(); // the sink belongs to the store that was detached
  }

  private int activateLeader() {
    if (log.nextPosition() != log.durablePosition()) {
      return 0; // replicated batches still pending: the log takes one feed at a time
    }
    if (sync.cutInFlight() || snapshot.installing()) {
      return 0; // a cut or snapshot install as a follower has not ended: lead once it has
    }
    long e = pendingLeaderEpoch;
    pendingLeaderEpoch = -1;
    if (leadership.state() != LeadershipState.LEADER || leadership.epoch() != e) {
      return 0;
    }
    commits.leading(log.durablePosition()); // quiet: the epoch's first record goes there
    leaderSide.activate(e);
    electionHold = false; // held writes are stored here now
    leaderChanged(); // writers waiting for a leader append here now
    return 1;
  }

  /** See {@link LeaderSide#retainFrom}. */
  long retainFrom() {
    return leaderSide.retainFrom();
  }

  private void stepDownLeader(String reason) {
    pendingLeaderEpoch = -1;
    leaderSide.stepDown(reason);
    shipLimits.stoppedLeading();
  }

  /**
   * A WAL batch arrived: a batch from the known leader counts as its sign of life; the batch joins
   * the shard's queue and is appended in arrival order ({@link #appendBatches}).
   */
  private void onWalBatch(RegionId from, Frame f, long nowNanos) {
    if (!checks.batchEpoch(from, f.epoch(), epoch)) {
      inbox.batchDone(f);
      return;
    }
    if (from.equals(leader)) {
      leadership.onLeaderTraffic(from, nowNanos);
    }
    batches.add(new FrameInbox.Event(from, f, nowNanos));
    appendBatches();
  }

  /**
   * Appends the batches received, oldest first, until the log cannot take one yet ({@link
   * ShardLog#BUSY}): that one stays at the head and is offered again on the next round (the log's
   * durability listener wakes the replication thread once it has room). Whether a batch is taken is
   * decided now, at its append, so a vote or a new leader handled before it always counts.
   *
   * @return how many batches left the queue
   */
  private int appendBatches() {
    int work = 0;
    for (FrameInbox.Event head = batches.peek(); head != null; head = batches.peek()) {
      if (!appendFromLeader(head.from(), head.frame())) {
        return work;
      }
      batches.poll();
      inbox.batchDone(head.frame());
      work++;
    }
    return work;
  }

  /**
   * Appends a batch received from {@code from} if it is the known leader and the epoch sync is
   * done.
   *
   * @return false if the log cannot take it yet (hold it), true if it was appended or dropped
   */
  private boolean appendFromLeader(RegionId from, Frame f) {
    long frameEpoch = f.epoch();
    if (logStopped != null) {
      drops.drop(NodeDrop.LOG_STOPPED, from, describe(frameEpoch) + ": " + logStopped);
      return true;
    }
    if (!from.equals(leader)) {
      drops.drop(NodeDrop.NOT_FROM_LEADER, from, describe(frameEpoch) + "; leader is " + leader);
      return true;
    }
    if (!sync.synced() || snapshot.installing()) {
      // resent from our HWM once we ack
      drops.drop(NodeDrop.NOT_SYNCED, from, describe(frameEpoch));
      return true;
    }
    long next = log.nextPosition();
    if (!follower.onWalBatch(from, frameEpoch, f.walBatch())) {
      return false;
    }
    if (log.nextPosition() != next) {
      sync.batchAppended(); // a batch refused (a gap) does not end the sync's ACK repeats
    }
    return true;
  }

  private String describe(long frameEpoch) {
    return "WAL_BATCH of shard " + shard + " in epoch " + frameEpoch;
  }

  /**
   * The replication thread has ended (died or stopped): from now on any thread may read this shard
   * (its status) or close it; nothing else changes it.
   */
  void ownerEnded() {
    owner.retire();
  }

  /**
   * Returns the epoch this region leads the shard in as its leadership state machine sees it
   * (elected, whether or not it takes writes yet), or -1. Owner only.
   */
  long leaderEpoch() {
    assert owner.check();
    return leadership.state() == LeadershipState.LEADER ? leadership.epoch() : -1;
  }

  /** Returns the shard index. */
  int shard() {
    return shard;
  }

  private void onAck(RegionId from, Frame f, long nowNanos) {
    if (leaderSide.ready() && !checks.withinLog(from, f, f.ackHwm(), NodeDrop.ACK_BEYOND_LOG)) {
      return;
    }
    if (!leaderSide.onAck(from, f.epoch(), f.ackHwm(), leadership.epoch())) {
      drops.drop(NodeDrop.NOT_LEADING, from, f.toString());
      return;
    }
    // a transfer's target may have caught up; so may the preferred region
    leadership.onFollowerHwm(from, f.epoch(), f.ackHwm(), nowNanos);
  }

  private void onResendRequest(RegionId from, Frame f) {
    if (leaderSide.ready()
        && !checks.withinLog(from, f, f.resendFrom(), NodeDrop.RESEND_BEYOND_LOG)) {
      return;
    }
    leaderSide.onResendRequest(from, f.epoch(), f.resendFrom());
  }

  /** A leader offers a snapshot: taken only from the known leader, in its epoch. */
  private void onSnapshotOffer(RegionId from, Frame f) {
    if (fromLeaderForSnapshot(from, f)) {
      snapshot.onOffer(
          from,
          f.epoch(),
          f.snapshotOfferPosition(),
          f.snapshotOfferLastEpoch(),
          f.snapshotOfferSize());
    }
  }

  private void onSnapshotChunk(RegionId from, Frame f) {
    try {
      if (fromLeaderForSnapshot(from, f)) {
        snapshot.onChunk(
            from,
            f.epoch(),
            f.snapshotChunkPosition(),
            f.snapshotChunkOffset(),
            f.snapshotChunkBytes());
      }
    } finally {
      inbox.batchDone(f);
    }
  }

  private boolean fromLeaderForSnapshot(RegionId from, Frame f) {
    if (logStopped != null) {
      drops.drop(NodeDrop.LOG_STOPPED, from, f + ": " + logStopped);
      return false;
    }
    if (!from.equals(leader) || f.epoch() != epoch || leaderSide.active()) {
      drops.drop(
          NodeDrop.NOT_FROM_LEADER, from, f + "; leader is " + leader + " of epoch " + epoch);
      return false;
    }
    return true;
  }

  private void onSnapshotAck(RegionId from, Frame f, long nowNanos) {
    if (!leaderSide.onSnapshotAck(
        from,
        f.epoch(),
        leadership.epoch(),
        f.snapshotAckPosition(),
        f.snapshotAckReceived(),
        f.snapshotAckStatus(),
        f.snapshotAckReason(),
        nowNanos)) {
      drops.drop(NodeDrop.NOT_LEADING, from, f.toString());
    }
  }

  /**
   * Starts a received snapshot's install once the log is quiet and no cut runs, and once it is
   * installed acknowledges the new HWM to the leader like after a sync.
   */
  private int snapshotInstall() {
    boolean quiet =
        batches.isEmpty()
            && log.nextPosition() == log.durablePosition()
            && !sync.cutInFlight()
            && pendingLeaderEpoch < 0
            && !leaderSide.active();
    SnapshotReceiver.Installed done = snapshot.doWork(quiet, leader, epoch);
    if (done == SnapshotReceiver.Installed.NONE) {
      return 0;
    }
    follower.onSynced(); // the log's last epoch and position changed
    commits.leaderChanged(); // the leader's commit counts again from its next heartbeat
    if (done == SnapshotReceiver.Installed.REPORTED && sync.synced()) {
      sync.snapshotInstalled(leader);
    } else if (leader != null && !leader.equals(config.self())) {
      sync.begin(epoch); // an answer computed for the former log must not be used
    }
    return 1;
  }

  private void onEpochEndRequest(RegionId from, Frame f) {
    if (!leaderSide.ready() || f.epoch() != leadership.epoch()) {
      // answered only by an active leader of the asked epoch; the follower asks again
      drops.drop(NodeDrop.NOT_LEADING, from, f.toString());
      return;
    }
    leaderSide.onFollowerSync(from);
    long end = log.endOfEpoch(f.epochEndRequestLastEpoch());
    long found;
    if (end == 0) {
      found = 0;
    } else if (end == log.durablePosition()) {
      found = log.lastEpoch(); // the record below the end is the log's last (also after a reset)
    } else if (end <= log.startPosition()) {
      // the record below the end was trimmed: its epoch is unknown here. Epoch 0 makes the
      // follower keep nothing it cannot prove; it is then caught up from a snapshot.
      found = 0;
    } else {
      found = epochOfRecord(end - 1);
    }
    control.epochEnd(from, leadership.epoch(), found, end);
  }

  private void onLimits(RegionId from, Frame f) {
    long accept = f.limitsAcceptBatchBytes();
    boolean leading = leadership.state() == LeadershipState.LEADER;
    if (shipLimits.onLimits(
        from, accept, f.limitsWriteBatchBytes(), leading, leader, leadership.epoch())) {
      leaderSide.limitFollower(from, accept);
    }
  }

  private void onEpochEnd(RegionId from, Frame f) {
    if (logStopped != null) {
      return; // the sync stopped with the log; nothing is cut or acknowledged
    }
    if (!checks.epochEnd(from, f, leader, epoch, control.asked(), leaderHwmHeard, leaderHwmEpoch)) {
      return;
    }
    sync.onAnswer(from, leader, f);
  }

  private void onLeadershipFrame(RegionId from, Frame f, long nowNanos) {
    frames.dispatch(from, f, leadership, nowNanos);
    if (f.type() == FrameDescriptor.HEARTBEAT && from.equals(leader)) {
      leaderHwmHeard = f.heartbeatLeaderHwm();
      leaderHwmEpoch = f.epoch();
      sync.onLeaderHeartbeat(from);
      if (sync.synced()
          && logStopped == null
          && f.epoch() == leadership.epoch()
          && log.durablePosition() >= leaderHwmHeard) {
        caughtUpNanos = nowNanos; // durable here means applied by the store (bounded staleness)
        caughtUp = true;
      }
      if (sync.synced() && batches.isEmpty() && logStopped == null) {
        follower.onLeaderHeartbeat(from, leaderHwmHeard);
      }
      if (sync.synced() && logStopped == null && f.epoch() == leadership.epoch()) {
        // synced with this leader in its epoch: its log is a prefix of the leader's
        commits.onLeaderCommit(
            Math.min(f.heartbeatCommit(), leaderHwmHeard), log.durablePosition());
      }
      shipLimits.tellLeader(from, f.epoch(), false);
    }
  }

  private long epochOfRecord(long position) {
    try (WalReader reader = log.openReader(position)) {
      WalBatch batch = reader.next();
      return batch == null ? log.lastEpoch() : batch.epoch();
    }
  }
}
