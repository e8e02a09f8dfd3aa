package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region's replication over its {@link WriteAheadLog} and a {@link Transport}: a {@link
 * ShardReplica} per shard, driven by one replication thread ({@code tidal-replication-<region>})
 * and by the frames the transport delivers. Implements the {@link Replication} contract its store
 * consults, including write forwarding ({@link ForwardOrigin} here, {@link ForwardLeader} with its
 * {@code tidal-forward-<region>} threads at the leader). Plain Java; the DS component in {@code
 * io.tidaldb.replication.component} and the test kit both build it.
 *
 * <p>Failures of its threads ({@link NodeFailures}): a shard round that throws on the replication
 * thread is counted, logged once per cause and retried with exponential back-off while the other
 * shards go on; a frame whose handling throws is counted the same way and dropped; if the
 * replication thread dies, the region steps down from every shard it leads, stops running for
 * leader and following, and says why in each shard's {@link ShardReplicationStatus#problem()} until
 * the node is restarted; a cut or forward thread that dies is counted and logged once per cause,
 * and its pool starts another.
 */
public final class ReplicationNode implements Replication, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicationNode.class);
  private static final long JOIN_MILLIS = 5_000;
  private static final long EXPIRE_FORWARDS_NANOS = 5_000_000L;

  /** The most frames one round of the replication thread takes from the inbox. */
  static final int DRAIN_LIMIT = 1_024;

  /** How many transfer requests may wait for the replication thread. */
  private static final int TRANSFER_QUEUE = 64;

  /** A leadership transfer asked for through the API, on its way to the replication thread. */
  private record TransferRequest(int shard, RegionId to, CompletableFuture<Void> future) {}

  private final Inbox<TransferRequest> transfers = new Inbox<>(TRANSFER_QUEUE);

  private final ReplicationConfig config;
  private final SizeLimits limits;
  private final LongSupplier clock;
  private final WriteAheadLog wal;
  private final ShardReplica[] shards;
  private final TransportEndpoint endpoint;
  private final ThreadLocal<FrameDecoder> decoders;
  private final FrameInbox inbox = new FrameInbox();
  private final StatusRequests statuses;
  private final AtomicReference<ReplicaState> state = new AtomicReference<>();
  private final DropCounters drops;
  private final SnapshotCounters snapshots;
  private final ForwardOrigin forwards;
  private final ForwardLeader forwarded;
  private final Thread agent;
  private final ExecutorService cuts; // null when a simulation runs the cuts (see forSimulation)
  private final PauseLog pauses;
  private final NodeFailures failures;
  private final RegionContacts contacts;
  private volatile boolean running = true;
  private volatile boolean started;
  private volatile boolean shardsClosed;
  private long lastExpire; // owner only, like the rest of a round's state
  private long lastRound;

  /**
   * Opens the region's endpoint on {@code transport} and starts replicating every shard of {@code
   * wal}: each shard starts as a follower with no known leader, at its saved epoch.
   *
   * @param config the settings
   * @param wal this region's log
   * @param transport the transport between regions
   * @param clock the monotonic time in nanoseconds ({@code System::nanoTime} outside tests)
   * @throws StorageException if the epoch directory cannot be created or an epoch file is corrupt
   * @throws InvalidArgumentException if a size limit does not fit another ({@link SizeLimits}): the
   *     transport's frames cannot carry a full WAL batch or the largest forward frame, or the inbox
   *     cannot hold a full received batch
   */
  public ReplicationNode(
      ReplicationConfig config, WriteAheadLog wal, Transport transport, LongSupplier clock) {
    this(config, wal, transport, clock, null);
  }

  /**
   * Builds a node whose replication thread is never started, for a deterministic simulation that
   * drives it: the caller becomes the owner of every shard by calling {@link #runRound} (one
   * iteration of the replication thread's loop), and log cuts run on {@code cutter}, which the
   * simulation runs as scheduled events. Everything else is the production node.
   *
   * @param cutter runs the shards' log cuts ({@link LogCut}) instead of {@code tidal-cut-<region>}
   */
  static ReplicationNode forSimulation(
      ReplicationConfig config,
      WriteAheadLog wal,
      Transport transport,
      LongSupplier clock,
      Executor cutter) {
    return new ReplicationNode(config, wal, transport, clock, Objects.requireNonNull(cutter));
  }

  private ReplicationNode(
      ReplicationConfig config,
      WriteAheadLog wal,
      Transport transport,
      LongSupplier clock,
      Executor simulationCutter) {
    Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.wal = Objects.requireNonNull(wal, "wal");
    this.limits = SizeLimits.check(wal, transport);
    // Shippers encode any batch this region's log writes (before, a full batch did not fit).
    // Snapshot chunks fit the transport's frames (and the decoders' body bound) too.
    int chunkRoom =
        transport.maxFrameBytes()
            - FrameDescriptor.HEADER_LENGTH
            - FrameDescriptor.SNAPSHOT_CHUNK_FIXED_BODY_LENGTH;
    this.config =
        config.withShipping(
            config
                .shipping()
                .withMaxBatchBytes(Math.toIntExact(limits.writeBatchBytes()))
                .withSnapshotChunkBytes(
                    Math.min(config.shipping().snapshotChunkBytes(), chunkRoom)));
    try {
      Files.createDirectories(config.directory());
    } catch (IOException e) {
      throw new StorageException("cannot create epoch directory " + config.directory(), e);
    }
    this.drops = new DropCounters(config.self());
    this.snapshots = new SnapshotCounters(config.self());
    int maxFrameBytes = transport.maxFrameBytes();
    // One decoder per delivery thread: the SPI allows a thread per sending region.
    this.decoders = ThreadLocal.withInitial(() -> new FrameDecoder(maxFrameBytes));
    this.shards = new ShardReplica[wal.shardCount()];
    this.statuses = new StatusRequests(config.self(), shards, clock, this::wake);
    this.pauses = new PauseLog(config.self());
    this.contacts = new RegionContacts(config.self(), config.regions());
    this.failures = new NodeFailures(config.self(), shards.length, clock, this::threadDied);
    boolean simulated = simulationCutter != null;
    this.cuts =
        simulated
            ? null
            : Executors.newSingleThreadExecutor(failures.pool("tidal-cut-" + config.self(), false));
    Executor cutRunner = simulated ? simulationCutter : cuts;
    Executor cutter = task -> cutRunner.execute(() -> runCut(task));
    // Frames that arrive before the constructor ends are dropped (see onFrame): senders resend.
    TransportEndpoint raw =
        transport.open(config.self(), Transport.REPLICATION_CHANNEL, this::onFrame);
    WatchedEndpoint watched = new WatchedEndpoint(raw);
    this.endpoint = watched;
    this.forwards =
        new ForwardOrigin(
            config.self(),
            config.regions(),
            raw, // its own UNREACHABLE sends are handled there, not reported
            drops,
            config.durabilityTimeout().toNanos(),
            shards,
            transport.maxFrameBytes(),
            this::wake,
            this::acceptHeld);
    watched.onUnreachable(forwards::linkDown);
    this.forwarded =
        new ForwardLeader(
            config.self(),
            endpoint,
            state::get,
            failures,
            (shard, signal, durability, session, part) ->
                part != null
                    ? forwards.offerPart(shard, part, durability, session, clock.getAsLong())
                    : forwards.offer(shard, signal, durability, session, clock.getAsLong()),
            // twice an origin's request lifetime: a copy comes no later in practice
            2 * (config.durabilityTimeout().toNanos() + ForwardOrigin.MARGIN_NANOS));
    try {
      long now = clock.getAsLong();
      for (int i = 0; i < shards.length; i++) {
        shards[i] =
            new ShardReplica(
                i,
                this.config,
                wal.shard(i),
                endpoint,
                state::get,
                drops,
                inbox,
                this::wake,
                forwards,
                cutter,
                limits,
                snapshots,
                now);
      }
    } catch (RuntimeException e) {
      if (cuts != null) {
        cuts.shutdown();
      }
      forwarded.close();
      endpoint.close();
      throw e;
    }
    this.agent = failures.essential("tidal-replication-" + config.self(), this::run);
    this.lastExpire = clock.getAsLong();
    this.lastRound = lastExpire;
    if (!simulated) {
      agent.start();
    }
    for (int i = 0; i < shards.length; i++) {
      wal.shard(i).setDurabilityListener(durable -> wake());
    }
    started = true;
    LOG.info(
        "replication of {} started: {} shards, regions {}, transport {}",
        config.self(),
        shards.length,
        config.regions(),
        transport.name());
  }

  @Override
  public RegionId region() {
    return config.self();
  }

  @Override
  public List<RegionId> regions() {
    return config.regions();
  }

  @Override
  public void checkLeader(int shard) {
    replica(shard).checkLeader();
  }

  @Override
  public long checkLeaderEpoch(int shard) {
    return replica(shard).checkLeader();
  }

  @Override
  public CompletableFuture<Void> whenStored(int shard, long position, Durability level) {
    Objects.requireNonNull(level, "level");
    return replica(shard).whenStored(position, level, clock.getAsLong());
  }

  /**
   * {@inheritDoc} Here: the time since this region last held everything the shard's leader had made
   * durable when it sent a heartbeat (the follower's log synced with the leader's and durable
   * through the heartbeat's HWM), so a read within {@code maxLag} misses at most what the leader
   * made durable in that time; 0 while this region leads and takes writes.
   */
  @Override
  public long leaderContactAgeNanos(int shard) {
    return replica(shard).leaderContactAgeNanos(clock.getAsLong());
  }

  @Override
  public long regionContactAgeNanos(RegionId region) {
    return contacts.ageNanos(region, clock.getAsLong());
  }

  @Override
  public long retainFrom(int shard) {
    return replica(shard).retainFrom();
  }

  @Override
  public CompletableFuture<SignalAck> forward(int shard, Signal signal, Durability durability) {
    return forward(shard, signal, durability, null);
  }

  @Override
  public CompletableFuture<SignalAck> forward(
      int shard, Signal signal, Durability durability, SessionSeq session) {
    if (shard < 0 || shard >= shards.length) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException("shard", shard, "must be 0.." + (shards.length - 1)));
    }
    return forwards.offer(shard, signal, durability, session, clock.getAsLong());
  }

  @Override
  public CompletableFuture<SignalAck> forwardPart(
      int shard, List<Signal> signals, Durability durability, SessionSeq session) {
    if (shard < 0 || shard >= shards.length) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException("shard", shard, "must be 0.." + (shards.length - 1)));
    }
    return forwards.offerPart(shard, signals, durability, session, clock.getAsLong());
  }

  /**
   * {@inheritDoc} Completed on the replication thread when the shard's replica learns, loses or
   * replaces its leader, enters a new epoch, or starts taking writes as leader.
   */
  @Override
  public CompletableFuture<Void> leaderChange(int shard) {
    return replica(shard).leaderChange();
  }

  /**
   * {@inheritDoc} The request is handed to the replication thread, which starts the transfer at its
   * next round; the future completes on that thread, so its dependent stages must not block.
   */
  @Override
  public CompletableFuture<Void> transferLeadership(int shard, RegionId to) {
    if (shard < 0 || shard >= shards.length) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException("shard", shard, "must be 0.." + (shards.length - 1)));
    }
    if (to == null || !config.regions().contains(to)) {
      return CompletableFuture.failedFuture(
          new InvalidArgumentException("to", to, "must be one of " + config.regions()));
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    if (!agent.isAlive() || !transfers.offer(new TransferRequest(shard, to, future))) {
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "the replication thread "
                  + agent.getName()
                  + (agent.isAlive() ? " has " + TRANSFER_QUEUE + " transfers waiting" : " ended"),
              false,
              config.self()));
    }
    wake();
    return future;
  }

  @Override
  public void attach(ReplicaState store) {
    Objects.requireNonNull(store, "store");
    if (!state.compareAndSet(null, store) && state.get() != store) {
      throw new InvalidArgumentException(
          "store", store, "another store is attached to the replication of " + config.self());
    }
  }

  @Override
  public void detach(ReplicaState store) {
    state.compareAndSet(store, null);
  }

  /** Returns how many FORWARD copies were answered with an earlier copy's outcome (tests). */
  long forwardDuplicates() {
    return forwarded.duplicates();
  }

  /** See {@link StatusRequests#ask}: the replication thread answers. */
  @Override
  public List<ShardReplicationStatus> status() {
    return statuses.ask(agent);
  }

  /**
   * Reports this region's replication metrics: per shard the epoch, whether this region leads, each
   * other region's lag (records and seconds, as {@link #status()} gives them), elections,
   * leaderships won and lost (step-downs), leases lost and transfers; per node the dropped frames
   * by cause and the snapshot catch-ups. The leadership counters are read without a lock (metrics
   * may lag the replication thread by a few increments).
   *
   * @param sink where to report them
   */
  public void collectMetrics(MetricsSink sink) {
    ReplicationMetrics.collect(sink, config.self(), status(), shards, this);
  }

  /**
   * Returns how many received frames were dropped for a cause.
   *
   * @param cause the cause
   * @return the count
   */
  public long dropped(NodeDrop cause) {
    return drops.count(cause);
  }

  /**
   * Returns how often a snapshot catch-up event happened in this region, over every shard (for
   * {@link SnapshotEvent#BYTES_SENT} and {@link SnapshotEvent#BYTES_RESENT}, how many bytes).
   *
   * @param event the event
   * @return the count
   */
  public long snapshotEvents(SnapshotEvent event) {
    return snapshots.total(event);
  }

  /**
   * Returns how many times this region found that batches cannot be shipped between it and another
   * region whose limits they exceed (each logged once at WARN; see {@code ShardReplicationStatus}'s
   * problem).
   *
   * @return the count over every shard
   */
  public long batchSizeMismatches() {
    long n = 0;
    for (ShardReplica s : shards) {
      n += s.sizeMismatches();
    }
    return n;
  }

  /**
   * Returns how many pauses of the replication thread were detected and forgiven (see {@link
   * ReplicationConfig#pauseThreshold}).
   *
   * @return the count
   */
  public long pausesForgiven() {
    return pauses.count();
  }

  /**
   * Returns how many rounds of a shard failed on the replication thread (each cause logged once;
   * the shard backs off, see {@link NodeFailures}).
   *
   * @return the count
   */
  public long workFailures() {
    return failures.workFailures();
  }

  /**
   * Returns how many of this region's replication threads died; the region stands aside from every
   * shard when its replication thread dies.
   *
   * @return the count
   */
  public long threadDeaths() {
    return failures.deaths();
  }

  /**
   * Returns how many failure lines this region's replication logged: the first of each cause and at
   * most one summary per cause and interval, however often they fail.
   *
   * @return the count
   */
  public long failureLinesLogged() {
    return failures.linesLogged();
  }

  /** Stops the replication thread, steps down from every shard and closes the endpoint. */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    for (int i = 0; i < shards.length; i++) {
      wal.shard(i).setDurabilityListener(null);
    }
    LockSupport.unpark(agent);
    try {
      agent.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (cuts != null) {
      cuts.shutdown(); // a cut still running ends on its own (not interrupted mid-snapshot)
    }
    forwards.close("the replication of region " + config.self() + " is closed");
    forwarded.close();
    if (agent.isAlive()) {
      LOG.warn(
          "{} did not stop within {} ms; its shards step down when it does", agent, JOIN_MILLIS);
    } else if (!shardsClosed) {
      statuses.ownerEnded();
      closeShards(); // the thread died before: its shards are this thread's now
    }
    endpoint.close();
    LOG.info("replication of {} closed", config.self());
  }

  private ShardReplica replica(int shard) {
    if (shard < 0 || shard >= shards.length) {
      throw new InvalidArgumentException("shard", shard, "must be 0.." + (shards.length - 1));
    }
    return shards[shard];
  }

  /**
   * A frame arrived (a delivery thread): decoded once here, then FORWARD goes to the {@link
   * ForwardLeader}, and every other frame, FORWARD_REPLY and WAL batches included, copied, to the
   * {@link FrameInbox} that the replication thread drains. Never waits and never touches shard
   * state.
   */
  private void onFrame(RegionId from, ByteBuffer frame) {
    if (!running || !started) {
      return;
    }
    Frame f;
    try {
      f = decoders.get().decode(frame.duplicate());
    } catch (InvalidArgumentException e) {
      drops.drop(NodeDrop.MALFORMED, from, e.getMessage());
      return;
    }
    if (f.sender() != from.value()
        || !config.regions().contains(from)
        || from.equals(config.self())) {
      drops.drop(NodeDrop.UNKNOWN_SENDER, from, f + "; regions are " + config.regions());
      return;
    }
    if (f.shard() >= shards.length) {
      drops.drop(
          NodeDrop.UNKNOWN_SHARD, from, f + " names shard " + f.shard() + " of " + shards.length);
      return;
    }
    long now = clock.getAsLong();
    contacts.heard(from, now);
    if (f.type() == FrameDescriptor.FORWARD
        || f.type() == FrameDescriptor.FORWARD_SESSION
        || f.type() == FrameDescriptor.FORWARD_PART) {
      forwarded.onForward(from, f, shards[f.shard()], now);
    } else {
      enqueue(from, f, now);
    }
  }

  private void enqueue(RegionId from, Frame f, long nowNanos) {
    NodeDrop refused = inbox.offer(from, f, nowNanos);
    if (refused == null) {
      wake();
    } else {
      drops.drop(
          refused,
          from,
          f
              + ": "
              + inbox.size()
              + " frames and "
              + inbox.batchBytes()
              + " bytes of batches wait for the replication thread");
    }
  }

  /** Handles one frame from the inbox (replication thread); a failure is counted, not thrown. */
  private void handle(RegionId from, Frame f, long receivedNanos) {
    try {
      if (f.type() == FrameDescriptor.FORWARD_REPLY) {
        forwards.onReply(from, f);
      } else {
        shards[f.shard()].onFrame(from, f, receivedNanos);
      }
    } catch (RuntimeException x) {
      failures.failed(x, "handling " + f + " from " + from + " failed; the frame is dropped");
    }
  }

  /**
   * The replication thread died (logged once by {@link NodeFailures}): nothing drives the shards'
   * leadership or appends what the leaders ship any more, so the region stands aside from every
   * shard instead of answering {@code checkLeader} from a dead state.
   */
  private void threadDied(Thread thread, Throwable cause) {
    String why = "thread " + thread.getName() + " died of " + cause + "; restart the replication";
    long now = clock.getAsLong();
    for (ShardReplica s : shards) {
      if (s != null) {
        s.threadDied(why, now);
      }
    }
    forwards.close("region " + config.self() + ": " + why); // on the dying owner itself
  }

  /** Stores here a write held for a leadership transfer that gave up (replication thread). */
  private CompletableFuture<SignalAck> acceptHeld(ForwardRequests.Forward r) {
    return forwarded.acceptHere(r);
  }

  /** Runs a shard's log cut on {@code tidal-cut-<region>}, then wakes the replication thread. */
  private void runCut(Runnable cut) {
    try {
      cut.run();
    } finally {
      wake();
    }
  }

  /**
   * Unparks the replication thread: a shard's log made batches durable (a leader ships them at once
   * instead of at its next idle look, a follower acknowledges them) or has room for a held batch,
   * or a frame arrived. Any thread; cheap when the thread is running (it only leaves a permit).
   */
  private void wake() {
    LockSupport.unpark(agent);
  }

  /** Steps down from every shard and fails their pending waits (the shards' owner). */
  private void closeShards() {
    shardsClosed = true;
    for (ShardReplica s : shards) {
      s.close();
    }
  }

  private void run() {
    try {
      loop();
    } finally {
      if (!running) {
        closeShards(); // closing: the owner steps its shards down itself
      }
    }
  }

  private void loop() {
    long park = config.idlePark().toNanos();
    lastExpire = clock.getAsLong();
    lastRound = lastExpire;
    while (running) {
      if (runRound() == 0) {
        LockSupport.parkNanos(park);
      }
    }
  }

  /**
   * One round of the replication thread (its owner): drains the inbox, then forwards, statuses and
   * transfers, expires forwards, and runs every shard's {@code doWork(now)}. The replication thread
   * runs it in its loop and parks when it returns 0; a simulation built by {@link #forSimulation}
   * calls it itself.
   *
   * @return the work done, 0 when idle
   */
  int runRound() {
    long pauseThreshold = config.pauseThreshold().toNanos();
    int work = 0;
    long now = clock.getAsLong();
    if (pauseThreshold > 0 && now - lastRound > pauseThreshold) {
      pauses.paused(now - lastRound, now);
      for (ShardReplica s : shards) {
        s.onPause(now);
      }
    }
    lastRound = now;
    work += inbox.drain(this::handle, DRAIN_LIMIT);
    work += forwards.doWork(); // after the replies and leader changes the frames brought
    work += statuses.answer();
    work +=
        transfers.drain(
            t -> shards[t.shard()].transferLeadership(t.to(), t.future(), clock.getAsLong()),
            TRANSFER_QUEUE);
    if (now - lastExpire >= EXPIRE_FORWARDS_NANOS) {
      lastExpire = now;
      work += forwards.expire(now);
    }
    for (ShardReplica s : shards) {
      work += failures.work(s, now);
    }
    return work;
  }

  /**
   * Returns the epoch in which this region's leadership state machine leads {@code shard}, or -1
   * (the owner; a simulation's check that no epoch has two leaders).
   */
  long leaderEpochOf(int shard) {
    return replica(shard).leaderEpoch();
  }
}
