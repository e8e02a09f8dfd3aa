package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
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
   * Checks leadership, then returns the series id of (tenant, type) in the shard, defining it if it
   * is new and waiting until its DEFINE is QUORUM-stored.
   *
   * @throws io.tidaldb.api.replication.NotLeaderException if this region does not lead the shard
   * @throws UnavailableException if the DEFINE is not QUORUM-stored in time, naming the series
   */
  int seriesFor(ShardState s, TenantId tenant, SignalType type) {
    replication.checkLeader(s.shard);
    int series = s.registry.find(tenant, type);
    if (series < 0) {
      // The pending entry is in place before the id becomes visible to other writers.
      series =
          s.registry.define(
              tenant, type, (id, t, ty) -> s.pendingDefines.put(id, s.log.appendDefine(id, t, ty)));
    }
    if (!s.pendingDefines.isEmpty()) {
      Long define = s.pendingDefines.get(series);
      if (define != null) {
        awaitDefine(s, series, define, tenant, type);
      }
    }
    return series;
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
        () -> level + " durability of shard " + shard + " position " + position);
  }

  /**
   * Waits for {@code future} at most {@code timeoutNanos}; a failure surfaces as its {@link
   * TidalException} cause itself, anything else (or the bound) as {@link UnavailableException}
   * naming {@code what}.
   */
  static <T> T await(CompletableFuture<T> future, long timeoutNanos, Supplier<String> what) {
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
      throw new UnavailableException(what.get() + " failed: " + cause, cause);
    } catch (TimeoutException e) {
      throw new UnavailableException(
          what.get() + " not reached within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms",
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted waiting for " + what.get(), e);
    }
  }
}
