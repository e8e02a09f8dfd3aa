package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.*;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.support.errors.ErrorCounters;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * One region's reconciliation (anti-entropy) with the other regions: sessions of at most three
 * round trips ({@link InitiatorSession}, {@link Responder}; frames in {@link
 * ReconcileFrameDescriptor}) that compare {@link ReconcileState} digests top-down and exchange only
 * the states of entities that differ. Plain Java, driven by {@link #doWork(long)} on one thread
 * ({@link ReconcileLoop} runs it as {@code tidal-reconcile-<region>}); frames arrive through {@link
 * #onFrame} on any thread (copied into an inbox, never waiting) and leave through the {@link
 * Sender}.
 *
 * <p>Triggers per peer: periodically ({@link ReconcileConfig#interval()}), on heal (after a session
 * failed because the peer was unreachable, silent past the deadline or sent bad input, a new one is
 * tried with back-off, and at once when a frame from it arrives), and on demand ({@link
 * #reconcileAll()}). Bad input is counted per {@link BadInput} cause and logged once per cause;
 * nothing of a bad message is merged, and sessions with the other peers go on.
 *
 * <p>Compaction of closed epochs ({@link Compactor}): after the sessions of each {@link
 * #reconcileAll()} and every interval, the shards this region leads are probed with the other
 * regions and compacted where every region holds the same closed entries; this region answers the
 * others' probes ({@link Responder#answerProbe}).
 */
public final class ReconciliationEngine {
  /** Sends a frame to a region (a transport endpoint in production, queues in tests). */
  @FunctionalInterface
  public interface Sender {
    /**
     * Sends a frame without blocking.
     *
     * @param to the region
     * @param frame the frame's bytes (the sender copies them)
     * @return whether it was queued
     */
    SendStatus send(RegionId to, ByteBuffer frame);
  }

  private static final Logger LOG = LoggerFactory.getLogger(ReconciliationEngine.class);
  private static final long MAX_INBOX_BYTES = 256L << 20;

  private record Inbound(RegionId from, byte[] frame) {}

  private final ReconcileConfig config;
  private final ReconcileState state;
  private final Sender sender;
  private final Responder responder;
  private final SegmentExchange segments;
  private final int shards;
  private final Map<RegionId, Peer> peers = new LinkedHashMap<>();
  private final ConcurrentLinkedQueue<Inbound> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicLong inboxBytes = new AtomicLong();
  private final ConcurrentLinkedQueue<Demand> newDemands = new ConcurrentLinkedQueue<>();
  private final ErrorCounters errors;
  private final BadInputs badInputs;
  private final FrameIntake intake;
  private final Compactor compactor;
  private final AtomicLong sessionsDone = new AtomicLong();
  private final AtomicLong sessionsFailed = new AtomicLong();
  private final AtomicLong inboxDrops = new AtomicLong();
  private final long intervalNanos;
  private final long timeoutNanos;
  private long nextSession;
  private volatile Runnable wakeUp = () -> {};
  private volatile boolean closed;

  /**
   * Creates the engine; nothing runs until {@link #doWork} is called.
   *
   * @param config the settings
   * @param state this region's store side
   * @param sender sends frames to the peers
   * @param nowNanos the monotonic time now
   */
  public ReconciliationEngine(
      ReconcileConfig config, ReconcileState state, Sender sender, long nowNanos) {
    this.config = config;
    this.state = state;
    this.sender = sender;
    this.segments = new SegmentExchange(config.segmentMinEntities());
    this.responder = new Responder(state, segments);
    this.shards = state.shardCount();
    this.intervalNanos = config.interval().toNanos();
    this.timeoutNanos = config.sessionTimeout().toNanos();
    this.errors =
        new ErrorCounters(
            LOG, "reconciliation of " + config.region(), Level.WARN, TimeUnit.SECONDS.toNanos(10));
    this.badInputs = new BadInputs(errors);
    this.compactor =
        new Compactor(
            config,
            state,
            peers,
            this::encoder,
            () -> nextSession++,
            errors,
            badInputs,
            () -> wakeUp.run(),
            nowNanos);
    this.intake =
        new FrameIntake(config.regions(), peers, shards, badInputs, this::dispatch, compactor);
    for (RegionId peer : config.peers()) {
      Peer p = new Peer(peer, config.retryInitial().toNanos(), config.retryMax().toNanos());
      p.nextPeriodicNanos = nowNanos + intervalNanos;
      peers.put(peer, p);
    }
    this.nextSession = ((long) config.region().value() << 48) | (nowNanos & 0xFFFF_FFFFL) << 8;
  }

  /** Sets what wakes the engine's thread when work arrives. */
  void wakeUpWith(Runnable wake) {
    this.wakeUp = wake;
  }

  /**
   * Takes a frame a peer sent (any thread, never waits): copied into the inbox for {@link #doWork}.
   * Frames beyond 256 MiB waiting are dropped and counted.
   *
   * @param from the sending region
   * @param frame the frame, read from its position to its limit (not changed)
   */
  public void onFrame(RegionId from, ByteBuffer frame) {
    int length = frame.remaining();
    if (inboxBytes.addAndGet(length) > MAX_INBOX_BYTES) {
      inboxBytes.addAndGet(-length);
      inboxDrops.incrementAndGet();
      return;
    }
    byte[] copy = new byte[length];
    frame.duplicate().get(copy);
    inbox.add(new Inbound(from, copy));
    wakeUp.run();
  }

  /**
   * Starts a session with every peer (after the running one, if any).
   *
   * @return completes when every peer's session ended (see {@link
   *     io.tidaldb.reconcile.Reconciliation#reconcileAll()})
   */
  public CompletableFuture<ReconcileReport> reconcileAll() {
    Demand d = new Demand(config.peers());
    if (closed) {
      d.future.completeExceptionally(closedException());
      return d.future;
    }
    newDemands.add(d);
    wakeUp.run();
    if (closed && newDemands.remove(d)) {
      d.future.completeExceptionally(closedException());
    }
    return d.future;
  }

  /**
   * Does what is due: handles received frames, starts sessions, sends queued frames, fails sessions
   * past their deadline. On the engine's thread only.
   *
   * @param nowNanos the monotonic time
   * @return whether anything was done (false: the caller may park)
   */
  public boolean doWork(long nowNanos) {
    boolean busy = false;
    for (Inbound in; (in = inbox.poll()) != null; ) {
      inboxBytes.addAndGet(-in.frame.length);
      intake.handle(in.from, ByteBuffer.wrap(in.frame), nowNanos);
      busy = true;
    }
    for (Demand d; (d = newDemands.poll()) != null; ) {
      busy = true;
      d.taken(nowNanos);
      if (peers.isEmpty()) {
        d.sessionsEnded(nowNanos);
        compactor.request(d);
      }
      for (Peer p : peers.values()) {
        p.demands.add(d);
      }
    }
    busy |= compactor.doWork(nowNanos);
    for (Peer p : peers.values()) {
      busy |= step(p, nowNanos);
    }
    return busy;
  }

  private boolean step(Peer p, long nowNanos) {
    boolean busy = false;
    InitiatorSession s = p.session;
    if (s != null && !s.ended() && nowNanos - s.deadlineNanos >= 0) {
      s.fail("no answer within " + config.sessionTimeout().toMillis() + " ms");
    }
    if (s == null || s.ended()) {
      if (s != null) {
        end(p, s, nowNanos);
        busy = true;
      }
      if (shouldStart(p, nowNanos)) {
        start(p, nowNanos);
        busy = true;
      }
    }
    return flush(p) | busy;
  }

  private boolean shouldStart(Peer p, long nowNanos) {
    if (p.failing) {
      return p.retry.ready(nowNanos);
    }
    return !p.demands.isEmpty() || (intervalNanos > 0 && nowNanos - p.nextPeriodicNanos >= 0);
  }

  private void start(Peer p, long nowNanos) {
    InitiatorSession s =
        new InitiatorSession(p.region, nextSession++, nowNanos, timeoutNanos, segments);
    p.session = s;
    s.demands.addAll(p.demands);
    p.demands.clear();
    p.nextPeriodicNanos = nowNanos + intervalNanos;
    try {
      s.start(state, encoder(p, s.id, SUMMARY));
    } catch (RuntimeException e) {
      s.fail("summary failed: " + e);
      errors.record(e, nowNanos, "session " + s.id + " with " + p.region + ": " + e.getMessage());
    }
  }

  private void end(Peer p, InitiatorSession s, long nowNanos) {
    p.session = null;
    if (s.phase == InitiatorSession.Phase.DONE) {
      sessionsDone.incrementAndGet();
      if (p.failing) {
        LOG.info(
            "{}: reconciled with {} again after {} failed sessions",
            config.region(),
            p.region,
            p.failedSessions);
      }
      p.failing = false;
      p.failedSessions = 0;
      p.retry.succeeded();
    } else {
      sessionsFailed.incrementAndGet();
      p.failing = true;
      p.failedSessions++;
      p.retry.failed(nowNanos);
      p.outbox.clear();
      errors.record(
          "session failed",
          null,
          nowNanos,
          "session " + s.id + " with " + p.region + " failed: " + s.failure);
    }
    for (Demand d : s.demands) {
      if (d.ended(s, nowNanos)) {
        compactor.request(d);
      }
    }
  }

  /** Sends queued frames until the link pushes back. */
  private boolean flush(Peer p) {
    boolean sent = false;
    for (ByteBuffer frame; (frame = p.outbox.peek()) != null; ) {
      SendStatus status = sender.send(p.region, frame);
      if (status == SendStatus.BACK_PRESSURED) {
        return sent;
      }
      p.outbox.poll();
      sent = true;
      if (status != SendStatus.SENT) {
        p.outbox.clear();
        compactor.unreachable(p.region);
        if (p.session != null && !p.session.ended()) {
          p.session.fail("send returned " + status);
        }
        return true;
      }
    }
    return sent;
  }

  private void dispatch(Peer p, Assembly a, long nowNanos) {
    InitiatorSession s = p.session;
    try {
      switch (a.type) {
        case SUMMARY -> {
          FrameEncoder out = encoder(p, a.session, LEAVES);
          responder.answerSummary(a, out);
          out.finish();
        }
        case HASHES -> {
          SessionTableExchange.merge(state, a, line -> rejected(p, line, nowNanos));
          FrameEncoder out = encoder(p, a.session, STATES);
          responder.answerHashes(a, out);
          out.finish();
        }
        case FINAL -> {
          FrameEncoder out = encoder(p, a.session, DONE);
          responder.answerFinal(a, out, line -> rejected(p, line, nowNanos), compactor::changed);
          out.finish();
        }
        case COMPACT_PROBE -> {
          FrameEncoder out = encoder(p, a.session, COMPACT_DIGEST);
          responder.answerProbe(
              a,
              out,
              (shard, e) ->
                  errors.record(
                      e,
                      nowNanos,
                      "closed digest of shard " + shard + " for " + p.region + "'s probe: " + e));
          out.finish();
        }
        case COMPACT_DIGEST -> compactor.onAnswer(p, a, nowNanos);
        case LEAVES -> {
          SessionTableExchange.merge(state, a, line -> rejected(p, line, nowNanos));
          s.onLeaves(a, state, type -> encoder(p, s.id, type));
        }
        case STATES ->
            s.onStates(
                a,
                state,
                type -> encoder(p, s.id, type),
                line -> rejected(p, line, nowNanos),
                compactor::changed);
        default -> s.onDone(a, state, line -> rejected(p, line, nowNanos), compactor::changed);
      }
    } catch (RuntimeException e) {
      errors.record(
          e,
          nowNanos,
          typeName(a.type) + " of session " + a.session + " from " + p.region + ": " + e);
      if (s != null && !s.ended() && s.id == a.session) {
        s.fail(e.toString());
      }
    }
  }

  private FrameEncoder encoder(Peer p, long session, byte type) {
    return new FrameEncoder(config.maxFrameBytes(), shards, session, type, p.outbox::add);
  }

  private void rejected(Peer p, String line, long nowNanos) {
    bad(BadInput.REJECTED_STATE, nowNanos, "state from " + p.region + " rejected: " + line);
  }

  private void bad(BadInput cause, long nowNanos, String detail) {
    badInputs.record(cause, nowNanos, detail);
  }

  /** Fails every waiting demand; the engine does nothing more. */
  void close() {
    closed = true;
    List<Demand> waiting = new ArrayList<>();
    for (Demand d; (d = newDemands.poll()) != null; ) {
      waiting.add(d);
    }
    waiting.forEach(d -> d.future.completeExceptionally(closedException()));
  }

  /** Fails the demands held by peers and sessions (on the engine's thread, after it stopped). */
  void failPending() {
    compactor.failPending(d -> d.future.completeExceptionally(closedException()));
    for (Peer p : peers.values()) {
      p.demands.forEach(d -> d.future.completeExceptionally(closedException()));
      if (p.session != null) {
        p.session.demands.forEach(d -> d.future.completeExceptionally(closedException()));
      }
    }
  }

  private UnavailableException closedException() {
    return new UnavailableException("reconciliation of " + config.region() + " is closed");
  }

  /** Returns how much input was refused for a cause. */
  public long badInput(BadInput cause) {
    return badInputs.count(cause);
  }

  /** Returns how many sessions this region started that completed. */
  public long sessionsDone() {
    return sessionsDone.get();
  }

  /** Returns how many sessions this region started that failed. */
  public long sessionsFailed() {
    return sessionsFailed.get();
  }

  /** Returns how many shards this region compacted (COMPACT records durable here). */
  public long shardsCompacted() {
    return compactor.compacted();
  }

  /** Returns how many received frames were dropped because the inbox was full. */
  public long inboxDrops() {
    return inboxDrops.get();
  }

  /** Returns the settings. */
  public ReconcileConfig config() {
    return config;
  }
}
