package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;

/**
 * A client's single write at this region ({@code signal} and {@code signalAsync} of {@link
 * SignalStoreEngine}, plain or in a session): validated and admitted here by {@link SignalAppends}
 * (bad input never leaves this region), then routed by the {@link WritePath} (appended here as the
 * shard's leader, forwarded, held while no leader takes writes, or taken into the local stream). A
 * write refused with {@link UnavailableException} is counted among the store's refused writes, as
 * bad input and quotas are counted where they are found. Thread-safe; {@code signal} waits on the
 * caller's thread.
 */
final class SignalWrites {
  private final SignalAppends appends;
  private final WritePath path;
  private final StoreMetrics metrics;

  /** The longest a session write waits on the caller's thread. */
  private final long sessionTimeoutNanos;

  /** The region's replication, or null for a single region. */
  private final Replication replication;

  /** Counts an acknowledgement's failure with {@link UnavailableException}; one for all writes. */
  private final BiConsumer<SignalAck, Throwable> countUnavailable;

  /**
   * @param config the store's configuration (its ack timeout and leader wait)
   * @param replication the region's replication, or null for a single region
   */
  SignalWrites(
      StoreConfig config,
      SignalAppends appends,
      WritePath path,
      StoreMetrics metrics,
      Replication replication) {
    this.appends = appends;
    this.path = path;
    this.metrics = metrics;
    this.sessionTimeoutNanos =
        config.ackTimeout().toNanos()
            + config.leaderWait().toNanos()
            + ForwardedWrites.MARGIN_NANOS;
    this.replication = replication;
    this.countUnavailable =
        (ack, failure) -> {
          Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
          if (cause instanceof UnavailableException u) {
            metrics.refused(u);
          }
        };
  }

  /** See {@link SignalStoreEngine#signal(Signal, Durability)}. */
  SignalAck signal(Signal signal, Durability durability) {
    int shard = appends.validate(signal, durability);
    appends.admit(signal, shard);
    try {
      return path.signal(signal, shard, durability);
    } catch (UnavailableException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /** See {@link SignalStoreEngine#signalAsync(Signal, Durability)}. */
  CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability) {
    try {
      int shard = appends.validate(signal, durability);
      appends.admit(signal, shard);
      return counted(path.signalAsync(signal, shard, durability));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Counts {@code ack}'s failure with {@link UnavailableException} among the refused writes, as
   * {@link #signal(Signal, Durability)} counts its throw (bad input and quotas are counted where
   * they are found); returns {@code ack}.
   */
  private CompletableFuture<SignalAck> counted(CompletableFuture<SignalAck> ack) {
    if (ack.isDone() && !ack.isCompletedExceptionally()) {
      return ack; // answered at once (a retry's original ack, an already durable position)
    }
    // a stage per write (14 % of a plain write's bytes, bench/RESULTS.md §30): counting where the
    // refusals arise would save it
    ack.whenComplete(countUnavailable);
    return ack;
  }

  /** See {@link SignalStoreEngine#signal(Signal, Durability, SessionSeq)}. */
  SignalAck signal(Signal signal, Durability durability, SessionSeq session) {
    CompletableFuture<SignalAck> ack = signalAsync(signal, durability, session);
    return ReplicatedWrites.await(
        ack,
        sessionTimeoutNanos,
        () -> "session write " + session + " (" + durability + ")",
        () -> replication == null ? null : replication.region());
  }

  /** See {@link SignalStoreEngine#signalAsync(Signal, Durability, SessionSeq)}. */
  CompletableFuture<SignalAck> signalAsync(
      Signal signal, Durability durability, SessionSeq session) {
    try {
      SignalValidator.requireNonNull("session", session);
      int shard = appends.validate(signal, durability);
      appends.admit(signal, shard);
      return counted(path.signalAsync(signal, shard, durability, session));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
