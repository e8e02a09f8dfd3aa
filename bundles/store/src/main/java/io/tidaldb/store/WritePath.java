package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The one place where a store decides, per write, where a validated signal goes ({@link #decide}):
 *
 * <ul>
 *   <li>{@link Route#APPEND}: this region leads the shard; the leader check returns the epoch the
 *       append is fenced by, so check and append are one step (a single region always appends).
 *   <li>{@link Route#FORWARD}: this region does not lead the shard; the signal goes to the leader
 *       through replication ({@link ForwardedWrites}, {@link Replication#forward}), whose
 *       acknowledgement is returned. Replication sends it to the leader it knows, holds it while a
 *       leadership transfer or a fresh election runs (bounded), or refuses it at once, nothing
 *       sent, when no leader is known.
 *   <li>{@link Route#WAIT}: the last forward stored nothing (no leader known, the leader reached no
 *       longer leads, or the leader is unreachable): wait for the shard's next leadership change
 *       ({@link Replication#leaderChange}) or a short back-off, whichever comes first, and decide
 *       again, for at most the configured leader wait ({@link StoreConfig#leaderWait()}); the bound
 *       counts from the write's start.
 *   <li>{@link Route#LOCAL_STREAM}: the write asked for {@link Durability#LOCAL} and the leader
 *       stayed out of reach past the bound (this write's, or an earlier write's of the same shard
 *       since which no write reached a leader: then without a new wait, so that a region cut off
 *       from the leader takes LOCAL writes at its local log's speed): accept it in this region's
 *       own local stream ({@link SignalStoreEngine#appendLocal}, availability first), where it is
 *       durable once acknowledged and reaches the other regions through reconciliation. Nothing was
 *       stored by the earlier attempts (a forward that may have been stored is never retried), so
 *       the signal is stored exactly once. A series the shard does not define yet is refused there
 *       ({@code mayBeStored()} false): a new series needs the leader. A client session's write is
 *       checked there first and recorded in the local session table ({@link Leader#localSession});
 *       a session write about to be forwarded is first answered from this region's local streams'
 *       tables if they hold it ({@link Leader#localRetry}).
 *   <li>{@link Route#FAIL}: the bound passed; {@link UnavailableException} with {@code
 *       mayBeStored()} false (nothing was appended or sent anywhere), naming the shard, the leader
 *       last known, the durability and why. When no leader was known, or the last one refused as no
 *       longer leading, it is a {@link NotLeaderException}, so callers that route writes to the
 *       leader keep working.
 * </ul>
 *
 * <p>A forward that may have been stored (sent, then no reply, or the leader lost meanwhile) is
 * never retried: its {@link UnavailableException} ({@code mayBeStored()} true, naming the region)
 * goes to the caller as is. So are the leader's refusals (bad input, an unknown tenant) and a
 * QUORUM or ALL wait that fails at the leader ({@code mayBeStored()} true, the region where it is
 * stored).
 *
 * <p>{@link #signal} waits on the caller's thread; {@link #signalAsync} never blocks a replication
 * or transport thread: its retries run on the store's ack executor (a retry that defines a new
 * series waits there for the definition's QUORUM). Its first decision, when this region leads, is
 * the leader check alone, made before any {@link WriteAttempt} exists: the usual write appends
 * without allocating one (it was a fifth of a durable write's bytes, bench/RESULTS.md §30); a
 * refusal starts the attempt and {@link #decide} goes on as above. Thread-safe.
 */
final class WritePath {
  /** Where one write goes. */
  enum Route {
    APPEND,
    FORWARD,
    WAIT,
    /** The region's own local stream (a LOCAL write while the leader is out of reach). */
    LOCAL_STREAM,
    FAIL
  }

  /** The store's half: the leader's append and its acknowledgement. */
  interface Leader {
    /** A fresh HLC stamp for the write. */
    long stamp();

    /**
     * Appends the signal as this region's write to {@code shard}, fenced by {@code epoch}.
     *
     * @return its ticket
     * @throws NotLeaderException if this region stopped leading since the check (nothing stored)
     */
    long append(Signal signal, int shard, long epoch, long hlc);

    /** Waits (bounded) until the appended signal is stored at {@code level}. */
    SignalAck await(long ticket, long hlc, Durability level);

    /**
     * The acknowledgement of the appended signal at {@code level}, completed off the log's threads.
     */
    CompletableFuture<SignalAck> whenStored(long ticket, long hlc, Durability level);

    /**
     * Accepts the signal in this region's own local stream of {@code shard} and waits (bounded)
     * until it is durable there.
     */
    SignalAck local(Signal signal, int shard);

    /** Accepts the signal in this region's own local stream; the future completes once durable. */
    CompletableFuture<SignalAck> localAsync(Signal signal, int shard);

    /**
     * Stores a client session's LOCAL write in this region's own local stream of {@code shard}, at
     * most once per (tenant, session, seq): checked against the shard's session table, then the
     * local streams' tables and the writes in flight there, then appended as a {@code SIGNAL_S}
     * record of the local log; a retry is answered with the original acknowledgement (a local one
     * if a local stream took it).
     *
     * @throws io.tidaldb.api.InvalidArgumentException if a session table refuses the write
     * @throws UnavailableException ({@code mayBeStored()} false) if the shard does not define the
     *     series yet or keeps no local log
     */
    CompletableFuture<SignalAck> localSession(Signal signal, int shard, SessionSeq session);

    /**
     * Checks a session write (a signal or a part, of {@code tenant}, with {@code payloadHash})
     * about to be forwarded against this region's local streams' session tables (its own local
     * table and its copies of the other regions'): the original local acknowledgement if one holds
     * it (a write a local stream took, retried after the heal), or null to forward it.
     *
     * @throws io.tidaldb.api.InvalidArgumentException if one of them refuses it
     */
    SignalAck localRetry(TenantId tenant, int payloadHash, int shard, SessionSeq session);

    /**
     * Stores one shard's part of a client session's batch as this region's write to {@code shard},
     * fenced by {@code epoch}, at most once per (tenant, session, seq), as {@link #session} stores
     * a signal ({@link SessionWrites#writePart}).
     *
     * @return the acknowledgement of the part's last signal, completed off the log's threads
     * @throws NotLeaderException if this region stopped leading since the check (nothing stored)
     * @throws io.tidaldb.api.InvalidArgumentException if the session table refuses the part
     */
    CompletableFuture<SignalAck> sessionPart(
        List<Signal> signals, int shard, long epoch, Durability level, SessionSeq session);

    /**
     * Stores one shard's part of a client session's LOCAL batch in this region's own local stream
     * of {@code shard}, at most once, as {@link #localSession} stores a signal: one {@code
     * SIGNAL_BATCH_S} record of the local log.
     *
     * @throws io.tidaldb.api.InvalidArgumentException if a session table refuses the part
     * @throws UnavailableException ({@code mayBeStored()} false) if the shard does not define one
     *     of the part's series yet, keeps no local log, or the part is larger than one record of
     *     the local log holds
     */
    CompletableFuture<SignalAck> localSessionPart(
        List<Signal> signals, int shard, SessionSeq session);

    /**
     * Stores a client session's write as this region's write to {@code shard}, fenced by {@code
     * epoch}, at most once per (tenant, session, seq): the shard's session table and the writes in
     * flight decide between appending it, answering it as a retry (the original record's
     * acknowledgement at {@code level}, once the original is stored at that level), or refusing it.
     *
     * @return the acknowledgement, completed off the log's threads
     * @throws NotLeaderException if this region stopped leading since the check (nothing stored)
     * @throws io.tidaldb.api.InvalidArgumentException if the session table refuses the write
     */
    CompletableFuture<SignalAck> session(
        Signal signal, int shard, long epoch, Durability level, SessionSeq session);
  }

  /** The first wait between two decisions; it doubles up to {@link #MAX_BACKOFF_NANOS}. */
  static final long FIRST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** The longest wait between two decisions (a leader's link may come back without a change). */
  static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Replication replication;
  private final ForwardedWrites forwarded;
  private final Leader leader;
  private final long leaderWaitNanos;
  private final LongSupplier nanoClock;
  private final Executor retries;

  /**
   * Shards whose last write went to the local stream after the leader wait, and none since reached
   * a leader: their LOCAL writes take the local stream as soon as one forward stores nothing.
   */
  private final Set<Integer> cutOff = ConcurrentHashMap.newKeySet();

  /**
   * @param replication the region's replication, or null for a single region (always APPEND)
   * @param retries where {@link #signalAsync} decides again after a wait
   */
  WritePath(
      Replication replication,
      ForwardedWrites forwarded,
      Leader leader,
      long leaderWaitNanos,
      LongSupplier nanoClock,
      Executor retries) {
    this.replication = replication;
    this.forwarded = forwarded;
    this.leader = leader;
    this.leaderWaitNanos = leaderWaitNanos;
    this.nanoClock = nanoClock;
    this.retries = retries;
  }

  /** Stores a validated signal of {@code shard} at {@code level}, waiting for the outcome. */
  SignalAck signal(Signal signal, int shard, Durability level) {
    WriteAttempt a = new WriteAttempt(shard, level, leaderDeadline());
    while (true) {
      CompletableFuture<Void> change = a.tries() == 0 ? null : replication.leaderChange(shard);
      switch (decide(a)) {
        case APPEND -> {
          long hlc = leader.stamp();
          long ticket;
          try {
            ticket = leader.append(signal, shard, a.epoch(), hlc);
          } catch (NotLeaderException e) { // deposed since the check: nothing stored
            a.refused(e);
            continue;
          }
          cutOff.remove(shard);
          return leader.await(ticket, hlc, level);
        }
        case FORWARD -> {
          try {
            SignalAck ack = forwarded.forward(shard, signal, level);
            cutOff.remove(shard);
            return ack;
          } catch (UnavailableException e) {
            if (!a.failed(e)) {
              throw e; // may be stored, or the leader's own refusal: never retried
            }
          }
        }
        case WAIT -> await(a, change);
        case LOCAL_STREAM -> {
          try {
            SignalAck ack = leader.local(signal, shard);
            cutOff.add(shard);
            return ack;
          } catch (UnavailableException e) {
            throw e.mayBeStored() ? e : a.failure(self(), leaderWaitNanos, e);
          }
        }
        default -> throw a.failure(self(), leaderWaitNanos);
      }
    }
  }

  /** Stores a validated signal of {@code shard} at {@code level}; the future has the outcome. */
  CompletableFuture<SignalAck> signalAsync(Signal signal, int shard, Durability level) {
    return signalAsync(signal, shard, level, null);
  }

  /**
   * Stores a validated signal of {@code shard} at {@code level}, as a write of {@code session} if
   * not null (checked at the leader: appended there, or forwarded there with its session; a LOCAL
   * one whose leader stays out of reach is checked here and taken into the local stream, {@link
   * Leader#localSession}); the future has the outcome.
   */
  CompletableFuture<SignalAck> signalAsync(
      Signal signal, int shard, Durability level, SessionSeq session) {
    try {
      long epoch;
      try {
        epoch = leaderEpoch(shard);
      } catch (NotLeaderException e) { // not the leader: the attempt decides where the write goes
        WriteAttempt a = new WriteAttempt(shard, level, leaderDeadline());
        a.refused(e);
        return route(new One(signal, session), a, notLeading(a));
      }
      try {
        // the usual case, this region leads: no attempt to allocate (a fifth of a write's bytes)
        // and no clock to read (~22 ns, bench/RESULTS.md §33): the leader wait starts only
        // when a write finds no leader, microseconds after it arrived
        CompletableFuture<SignalAck> ack = append(signal, session, shard, level, epoch);
        cutOff.remove(shard);
        return ack;
      } catch (NotLeaderException e) {
        return deposed(
            new One(signal, session), new WriteAttempt(shard, level, leaderDeadline()), e);
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Stores one shard's part of a client session's batch (validated signals of one tenant and shard,
   * in the batch's order) at {@code level}, routed as one write is ({@link Route}): appended here
   * as one record if this region leads the shard, forwarded to the leader as one {@code
   * FORWARD_PART} ({@link Replication#forwardPart}), held while no leader takes writes, and, for a
   * LOCAL part whose leader stays out of reach past the bound, taken into this region's local
   * stream as one record ({@link Leader#localSessionPart}); stored at most once by each.
   *
   * @return the acknowledgement of the part's last signal
   */
  CompletableFuture<SignalAck> partAsync(
      List<Signal> signals, int shard, Durability level, SessionSeq session) {
    return attemptAsync(
        new Part(signals, session), new WriteAttempt(shard, level, leaderDeadline()));
  }

  /** The end of the leader wait of a write that starts waiting now. */
  private long leaderDeadline() {
    return nanoClock.getAsLong() + leaderWaitNanos;
  }

  /**
   * The epoch this region leads {@code shard} in ({@link ShardLog#ANY_EPOCH} for a single region).
   *
   * @throws NotLeaderException if it does not lead the shard
   */
  private long leaderEpoch(int shard) {
    return replication == null ? ShardLog.ANY_EPOCH : replication.checkLeaderEpoch(shard);
  }

  /** An append refused because this region was deposed since its check (nothing stored). */
  private CompletableFuture<SignalAck> deposed(
      Payload payload, WriteAttempt a, NotLeaderException e) {
    a.refused(e);
    return later(payload, a, 0);
  }

  /**
   * The {@link Route#APPEND} route of one signal: appends it as this leader's write, fenced by
   * {@code epoch}.
   *
   * @throws NotLeaderException if this region no longer leads in {@code epoch} (nothing stored)
   */
  private CompletableFuture<SignalAck> append(
      Signal signal, SessionSeq session, int shard, Durability level, long epoch) {
    if (session != null) {
      return leader.session(signal, shard, epoch, level, session);
    }
    long hlc = leader.stamp();
    long ticket = leader.append(signal, shard, epoch, hlc);
    return leader.whenStored(ticket, hlc, level);
  }

  /**
   * Decides where the write goes now; the one place of that decision (see the class comment).
   * Records the epoch to append in, or the refusal naming the leader to forward to, in {@code a}.
   * Reads the clock only for a write that has waited (a first attempt has no deadline to pass).
   */
  Route decide(WriteAttempt a) {
    try {
      a.leads(leaderEpoch(a.shard()));
      return Route.APPEND;
    } catch (NotLeaderException e) {
      a.refused(e);
    }
    return notLeading(a);
  }

  /**
   * The route of a write whose leader check was just refused (the refusal recorded in {@code a}).
   */
  private Route notLeading(WriteAttempt a) {
    if (a.tries() > 0 && nanoClock.getAsLong() - a.deadline() >= 0) {
      return a.level() == Durability.LOCAL ? Route.LOCAL_STREAM : Route.FAIL;
    }
    if (a.mustWait() && a.level() == Durability.LOCAL && cutOff.contains(a.shard())) {
      return Route.LOCAL_STREAM; // the leader was out of reach past the bound already
    }
    return a.mustWait() ? Route.WAIT : Route.FORWARD;
  }

  private CompletableFuture<SignalAck> attemptAsync(Payload payload, WriteAttempt a) {
    Route route;
    try {
      route = decide(a);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return route(payload, a, route);
  }

  /** Carries out {@code route}, decided for {@code a}; the future has the outcome. */
  private CompletableFuture<SignalAck> route(Payload payload, WriteAttempt a, Route route) {
    int shard = a.shard();
    Durability level = a.level();
    try {
      switch (route) {
        case APPEND -> {
          try {
            CompletableFuture<SignalAck> ack = payload.append(shard, a.epoch(), level);
            cutOff.remove(shard);
            return ack;
          } catch (NotLeaderException e) {
            return deposed(payload, a, e);
          }
        }
        case FORWARD -> {
          SignalAck retried = payload.localRetry(shard);
          if (retried != null) {
            return CompletableFuture.completedFuture(retried);
          }
          CompletableFuture<SignalAck> reply = new CompletableFuture<>();
          payload
              .forward(shard, level)
              .whenComplete(
                  (ack, failure) -> {
                    if (failure == null) {
                      cutOff.remove(shard);
                      reply.complete(ack);
                    } else if (unwrap(failure) instanceof UnavailableException u && a.failed(u)) {
                      // decide again off this (replication) thread: WAIT, or FAIL once bounded
                      CompletableFuture.supplyAsync(() -> attemptAsync(payload, a), retries)
                          .thenCompose(next -> next)
                          .whenComplete((ack2, f2) -> complete(reply, ack2, f2));
                    } else {
                      reply.completeExceptionally(unwrap(failure));
                    }
                  });
          return reply.thenApplyAsync(ack -> ack, retries); // off the replication thread
        }
        case WAIT -> {
          return later(payload, a, a.nextWaitNanos(nanoClock.getAsLong()));
        }
        case LOCAL_STREAM -> {
          CompletableFuture<SignalAck> local;
          try {
            local = payload.local(shard);
          } catch (UnavailableException u) {
            throw u.mayBeStored() ? u : a.failure(self(), leaderWaitNanos, u);
          }
          CompletableFuture<SignalAck> reply = new CompletableFuture<>();
          local.whenComplete(
              (ack, failure) -> {
                if (failure == null) {
                  cutOff.add(shard);
                  reply.complete(ack);
                } else if (unwrap(failure) instanceof UnavailableException u && !u.mayBeStored()) {
                  reply.completeExceptionally(a.failure(self(), leaderWaitNanos, u));
                } else {
                  reply.completeExceptionally(unwrap(failure));
                }
              });
          return reply;
        }
        default -> throw a.failure(self(), leaderWaitNanos);
      }
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Decides again on the retry executor after the shard's next leader change or {@code wait}. */
  private CompletableFuture<SignalAck> later(Payload payload, WriteAttempt a, long waitNanos) {
    a.waited();
    return woken(replication, a.shard(), waitNanos)
        .thenComposeAsync(v -> attemptAsync(payload, a), retries);
  }

  /**
   * Completes at the shard's next leadership change or after {@code waitNanos}, whichever comes
   * first (at once for 0 or less): when a write held for a leader decides again.
   */
  static CompletableFuture<Void> woken(Replication replication, int shard, long waitNanos) {
    return waitNanos <= 0
        ? CompletableFuture.completedFuture(null)
        : replication
            .leaderChange(shard)
            .copy()
            .completeOnTimeout(null, waitNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * What one asynchronous write stores, a signal or a part, and its step on each route; the routes
   * themselves are decided once for both ({@link #decide}, {@link #route}).
   */
  private interface Payload {
    /**
     * Stores it as this leader's write, fenced by {@code epoch}.
     *
     * @throws NotLeaderException if this region no longer leads in {@code epoch} (nothing stored)
     */
    CompletableFuture<SignalAck> append(int shard, long epoch, Durability level);

    /**
     * The original acknowledgement of a session write this region's local streams took, or null to
     * forward it.
     */
    SignalAck localRetry(int shard);

    /** Sends it to the shard's leader; the leader's acknowledgement. */
    CompletableFuture<SignalAck> forward(int shard, Durability level);

    /**
     * Takes it into this region's own local stream (a LOCAL write whose leader is out of reach).
     */
    CompletableFuture<SignalAck> local(int shard);
  }

  /** One signal, with its client session or none. */
  private final class One implements Payload {
    private final Signal signal;
    private final SessionSeq session; // null for a plain write

    One(Signal signal, SessionSeq session) {
      this.signal = signal;
      this.session = session;
    }

    @Override
    public CompletableFuture<SignalAck> append(int shard, long epoch, Durability level) {
      return WritePath.this.append(signal, session, shard, level, epoch);
    }

    @Override
    public SignalAck localRetry(int shard) {
      return session == null
          ? null
          : leader.localRetry(signal.tenant(), SessionPayload.hash(signal), shard, session);
    }

    @Override
    public CompletableFuture<SignalAck> forward(int shard, Durability level) {
      return forwarded.forwardAsync(shard, signal, level, session);
    }

    @Override
    public CompletableFuture<SignalAck> local(int shard) {
      return session == null
          ? leader.localAsync(signal, shard)
          : leader.localSession(signal, shard, session);
    }
  }

  /** One shard's part of a client session's batch. */
  private final class Part implements Payload {
    private final List<Signal> signals;
    private final SessionSeq session;

    Part(List<Signal> signals, SessionSeq session) {
      this.signals = signals;
      this.session = session;
    }

    @Override
    public CompletableFuture<SignalAck> append(int shard, long epoch, Durability level) {
      return leader.sessionPart(signals, shard, epoch, level, session);
    }

    @Override
    public SignalAck localRetry(int shard) {
      return leader.localRetry(
          signals.get(0).tenant(), SessionPayload.hash(signals), shard, session);
    }

    @Override
    public CompletableFuture<SignalAck> forward(int shard, Durability level) {
      return forwarded.forwardPart(shard, signals, level, session);
    }

    @Override
    public CompletableFuture<SignalAck> local(int shard) {
      return leader.localSessionPart(signals, shard, session);
    }
  }

  /** Waits for the shard's next leader change, at most one back-off and never past the bound. */
  private void await(WriteAttempt a, CompletableFuture<Void> change) {
    long wait = a.nextWaitNanos(nanoClock.getAsLong());
    CompletableFuture<Void> f = change != null ? change : replication.leaderChange(a.shard());
    a.waited();
    if (wait <= 0) {
      return;
    }
    try {
      f.get(wait, TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // decide again
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException(
          "interrupted waiting for a leader of shard " + a.shard() + "; nothing stored",
          false,
          null);
    }
  }

  private RegionId self() {
    return replication == null ? null : replication.region();
  }

  private static void complete(CompletableFuture<SignalAck> f, SignalAck ack, Throwable failure) {
    if (failure == null) {
      f.complete(ack);
    } else {
      f.completeExceptionally(unwrap(failure));
    }
  }

  /** The cause under completion and execution wrappers. */
  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
