package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.ShardLog;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The store's side of replication on the write path: only the shard's leader appends, a new series'
 * {@code DEFINE} is QUORUM-stored before the series' first signal is appended, and QUORUM and ALL
 * acknowledgements wait for {@link Replication#whenStored}.
 *
 * <p>The DEFINE wait keeps a locally acknowledged signal from losing its series: a DEFINE on a
 * quorum is in every log a new leader can be elected with, so a later cut never unbinds it. Every
 * writer of a series whose DEFINE is still {@linkplain ShardState#pendingDefines pending} waits,
 * not only the one that defined it. Waits run on the caller's thread, never on the WAL commit
 * thread, and hold no lock (the registry's define lock is released before). Remaining window:
 * pending definitions are not persisted, so after a restart a series whose DEFINE had not reached a
 * quorum is used without waiting again.
 */
final class ReplicatedWrites {
  /** Added to the ack timeout when bounding a wait on replication's own (timed) futures. */
  static final long MARGIN_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Replication replication;
  private final long timeoutNanos;

  ReplicatedWrites(Replication replication, long ackTimeoutNanos) {
    this.replication = replication;
    this.timeoutNanos = ackTimeoutNanos + MARGIN_NANOS;
  }

  /**
   * Checks that this region leads the shard and returns the epoch it leads in, which fences every
   * append of this write ({@link ShardLog#appendSignal(long, int, long, double, long, long, int)}):
   * the check and the append are atomic, so a write checked in one epoch is never stamped with
   * another.
   *
   * @throws io.tidaldb.api.replication.NotLeaderException if this region does not lead the shard
   */
  long checkLeader(ShardState s) {
    return replication.checkLeaderEpoch(s.shard);
  }

  /**
   * Returns the series id of (tenant, type) in the shard, defining it (fenced by {@code epoch}) if
   * it is new and waiting until its DEFINE is QUORUM-stored.
   *
   * @throws io.tidaldb.api.replication.NotLeaderException if this region stopped leading the shard
   *     before the DEFINE was appended
   * @throws UnavailableException if the DEFINE is not QUORUM-stored in time, naming the series
   */
  int seriesFor(ShardState s, long epoch, TenantId tenant, SignalType type) {
    int series = s.registry.find(tenant, type);
    if (series < 0) {
      // The pending entry is in place before the id becomes visible to other writers.
      try {
        series =
            s.registry.define(
                tenant,
                type,
                (id, t, ty) -> s.pendingDefines.put(id, s.log.appendDefine(epoch, id, t, ty)));
      } catch (FencedAppendException e) {
        throw refenced(s, e);
      }
    }
    if (!s.pendingDefines.isEmpty()) {
      Long define = s.pendingDefines.get(series);
      if (define != null) {
        awaitDefine(s, series, define, tenant, type);
      }
    }
    return series;
  }

  /**
   * Appends the signal fenced by {@code epoch}, as a {@code SIGNAL_S} record recording {@code
   * level} (the level it is acknowledged at) if {@code session} is not null.
   *
   * @throws io.tidaldb.api.replication.NotLeaderException if this region stopped leading the shard
   *     since the check (nothing stored: the caller forwards)
   * @throws FencedAppendException if it leads again, in a later epoch (nothing stored)
   */
  long append(
      ShardState s,
      long epoch,
      int series,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int replica,
      SessionSeq session,
      int payloadHash,
      Durability level) {
    try {
      return session == null
          ? s.log.appendSignal(epoch, series, entity, weight, eventTime, hlc, replica)
          : s.log.appendSessionSignal(
              epoch, series, entity, weight, eventTime, hlc, replica, session, payloadHash, level);
    } catch (FencedAppendException e) {
      throw refenced(s, e);
    }
  }

  /**
   * Appends one shard's part of a session batch fenced by {@code epoch}, as a {@code
   * SIGNAL_BATCH_S} record recording {@code level}.
   *
   * @return the position of the part's last signal
   * @throws io.tidaldb.api.replication.NotLeaderException if this region stopped leading the shard
   *     since the check (nothing stored)
   * @throws FencedAppendException if it leads again, in a later epoch (nothing stored)
   */
  long appendPart(
      ShardState s,
      long epoch,
      SessionPart part,
      int replica,
      SessionSeq session,
      int payloadHash,
      Durability level) {
    try {
      return s.log.appendSessionPart(epoch, part, replica, session, payloadHash, level);
    } catch (FencedAppendException e) {
      throw refenced(s, e);
    }
  }

  /**
   * Appends a batch's plain signals of one shard, fenced by {@code epoch}, as consecutive {@code
   * SIGNAL} records in one step.
   *
   * @return the position of the last
   * @throws io.tidaldb.api.replication.NotLeaderException if this region stopped leading the shard
   *     since the check (nothing stored)
   * @throws FencedAppendException if it leads again, in a later epoch (nothing stored)
   */
  long appendSignals(ShardState s, long epoch, SessionPart part, int replica) {
    try {
      return s.log.appendSignals(epoch, part, replica);
    } catch (FencedAppendException e) {
      throw refenced(s, e);
    }
  }

  /**
   * After a fenced append was refused: checks leadership again, so that a region that no longer
   * leads throws the {@link io.tidaldb.api.replication.NotLeaderException} naming the leader (the
   * store forwards the write there); a region leading again in a later epoch gets {@code e} back.
   */
  private FencedAppendException refenced(ShardState s, FencedAppendException e) {
    replication.checkLeader(s.shard);
    return e;
  }

  private void awaitDefine(
      ShardState s, int series, long define, TenantId tenant, SignalType type) {
    try {
      await(replication.whenStored(s.shard, define, Durability.QUORUM), s.shard, define, "QUORUM");
    } catch (TidalException e) {
      throw new UnavailableException(
          "new series (tenant "
              + tenant
              + ", type "
              + type
              + ") of shard "
              + s.shard
              + ": its definition at position "
              + define
              + " is not QUORUM-stored, so no signal of it was appended: "
              + e.getMessage(),
          e);
    }
    s.pendingDefines.remove(series, define);
  }

  /**
   * Waits until the record at {@code position} is stored at {@code level} (QUORUM or ALL).
   *
   * @throws UnavailableException as {@link Replication#whenStored} failed, or if it did not
   *     complete within the ack timeout plus a margin
   */
  void awaitStored(int shard, long position, Durability level) {
    await(replication.whenStored(shard, position, level), shard, position, level.name());
  }

  private void await(CompletableFuture<Void> future, int shard, long position, String level) {
    await(
        future,
        timeoutNanos,
        () -> level + " durability of shard " + shard + " position " + position,
        replication::region);
  }

  private static UnavailableException withCause(UnavailableException e, Throwable cause) {
    e.initCause(cause);
    return e;
  }

  /**
   * Waits for {@code future} at most {@code timeoutNanos}; a failure surfaces as its {@link
   * TidalException} cause itself, anything else (or the bound) as {@link UnavailableException}
   * naming {@code what}, which may be stored ({@code mayBeStored()} true) at {@code storedAt}.
   *
   * @param storedAt the region the record was appended at (this leader), or null if unknown (a
   *     forwarded write: the leader's own failures name it)
   */
  static <T> T await(
      CompletableFuture<T> future,
      long timeoutNanos,
      Supplier<String> what,
      Supplier<RegionId> storedAt) {
    try {
      return future.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      while ((cause instanceof CompletionException || cause instanceof ExecutionException)
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof TidalException t) {
        throw t;
      }
      throw withCause(
          new UnavailableException(what.get() + " failed: " + cause, true, storedAt.get()), cause);
    } catch (TimeoutException e) {
      RegionId at = storedAt.get();
      throw withCause(
          new UnavailableException(
              what.get()
                  + " not reached within "
                  + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                  + " ms"
                  + (at == null ? "" : "; stored at region " + at + ", may be replicated"),
              true,
              at),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted waiting for " + what.get(), e);
    }
  }
}
