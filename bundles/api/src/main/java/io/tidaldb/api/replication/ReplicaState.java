package io.tidaldb.api.replication;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * What replication needs from a region's store: cutting a shard's log without losing state, and
 * storing a signal another region forwarded to this shard's leader.
 */
@ConsumerType
public interface ReplicaState {
  /**
   * Cuts the log of {@code shard} at {@code position} because the leader of {@code fenceEpoch}
   * continues the log from there. The records beyond {@code position} were accepted by a former
   * leader of an older epoch and never reached a quorum. Every one of them keeps its effect,
   * whoever accepted it: a signal lives in the CRDT entry of its epoch's log, which records how far
   * into that epoch's history it holds, so if the record comes back through a later leader's log
   * (at the same epoch and position) it is not counted again, and if it never does, reconciliation
   * carries it to the others. Only the states of series the cut records define are dropped. Two
   * kinds of session record are the exception (issue 12): a {@code QUORUM}/{@code ALL} one was
   * never acknowledged, and its effect goes with the cut (its client retries); a {@code LOCAL} one
   * keeps its effect until the shard log shows the client's retry of the same (session, seq), when
   * its effect is taken back, so the write counts once. The log continues with the new leader's
   * records.
   *
   * <p>The store first persists its state as covering {@code position} and fenced by {@code
   * fenceEpoch}, then cuts the log, then drops the fence, so a crash at any point recovers to the
   * same result: a recovery that meets batches of an epoch below {@code fenceEpoch} at {@code
   * position} while the fence stands cuts them.
   *
   * @param shard the shard
   * @param position the first position to remove; a batch boundary
   * @param fenceEpoch the epoch of the leader whose log continues at {@code position}
   * @return how many records were cut
   */
  long truncateLog(int shard, long position, long fenceEpoch);

  /**
   * Stores a signal that another region forwarded because this region leads its shard, exactly as a
   * write made here: leader check, validation, append, and the asked durability ({@code LOCAL}
   * completes once the local log has it durable, {@code QUORUM} and {@code ALL} once replication
   * reports it stored). Fails the future, never throws: with {@link NotLeaderException} if this
   * region no longer leads the shard (nothing appended), with the store's refusal otherwise.
   *
   * <p>May block the calling thread (a new series' definition waits for QUORUM, a full log waits
   * for room): replication calls it on a thread of its own, never on the transport's delivery
   * thread or its replication thread. The default fails with {@link UnavailableException}.
   *
   * @param signal the signal
   * @param durability the durability to acknowledge at
   * @return the acknowledgement, as {@code signal} would return it here
   * @since 1.5.0
   */
  default CompletableFuture<SignalAck> acceptForwarded(Signal signal, Durability durability) {
    return acceptForwarded(
        signal.tenant(),
        signal.type(),
        signal.entity(),
        signal.weight(),
        signal.eventTime(),
        durability);
  }

  /**
   * Stores a forwarded signal of a client session, as {@link #acceptForwarded(Signal, Durability)}
   * does with the session check of {@link io.tidaldb.api.SignalStore#signal(Signal, Durability,
   * SessionSeq)}: a retry of a (session, seq) this shard has stored is answered with the original
   * acknowledgement, nothing appended. A null {@code session} is {@link #acceptForwarded(Signal,
   * Durability)}. The default fails a session write with {@link UnavailableException} ({@code
   * mayBeStored()} false).
   *
   * @param signal the signal
   * @param durability the durability to acknowledge at
   * @param session the write's session, seq and ackedBelow, or null
   * @return the acknowledgement, as {@code signal} would return it here
   * @since 1.6.0
   */
  default CompletableFuture<SignalAck> acceptForwarded(
      Signal signal, Durability durability, SessionSeq session) {
    if (session == null) {
      return acceptForwarded(signal, durability);
    }
    return CompletableFuture.failedFuture(
        new UnavailableException(
            "this store does not accept forwarded session writes; nothing stored", false, null));
  }

  /**
   * Stores a forwarded part of a client session's batch: the signals of one shard, in the batch's
   * order, checked and appended at most once under (session, seq) as the leader's own part of a
   * batch is (one record, the part's payload hash; a retry is answered with the original
   * acknowledgement, nothing appended). The default fails with {@link UnavailableException} ({@code
   * mayBeStored()} false).
   *
   * @param signals the part's signals, 1 or more of one tenant and shard
   * @param durability the durability to acknowledge at
   * @param session the batch's session, seq and ackedBelow
   * @return the acknowledgement of the part's last signal
   * @since 1.10.0
   */
  default CompletableFuture<SignalAck> acceptForwardedPart(
      java.util.List<Signal> signals, Durability durability, SessionSeq session) {
    return CompletableFuture.failedFuture(
        new UnavailableException(
            "this store does not accept forwarded session batches; nothing stored", false, null));
  }

  /**
   * Stores a forwarded signal given as its fields; replication calls {@link
   * #acceptForwarded(Signal, Durability)}, whose default calls this one, so that a store written
   * against version 1.4 keeps working. The default fails with {@link UnavailableException}.
   *
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param weight the weight
   * @param eventTime the event time
   * @param durability the durability to acknowledge at
   * @return the acknowledgement
   * @deprecated implement {@link #acceptForwarded(Signal, Durability)}
   */
  @Deprecated
  default CompletableFuture<SignalAck> acceptForwarded(
      TenantId tenant,
      SignalType type,
      EntityId entity,
      double weight,
      Timestamp eventTime,
      Durability durability) {
    return CompletableFuture.failedFuture(
        new UnavailableException("this store does not accept forwarded writes", false, null));
  }

  /**
   * Tells the store that every record of {@code shard}'s log below {@code position} is committed:
   * held by a majority in a way no later leader's log can lose, so no cut will ever remove it. At
   * the leader its quorum position (once a record of its own epoch reached a quorum); at a follower
   * the lower of its durable position and the commit position its leader announced, taken only from
   * the leader it completed the epoch sync with in its current epoch (its log is then a prefix of
   * that leader's). Called on the replication thread whenever the shard's known commit rises, so it
   * must not block; monotonic per shard (a call never names a lower position than an earlier one of
   * the same replication); after a restart the replication starts from 0 again.
   *
   * <p>The store gives no state away in reconciliation that holds the effect of a {@code QUORUM} or
   * {@code ALL} session record at or above the shard's known commit: a cut may still drop that
   * effect here (issue 12). The default does nothing.
   *
   * @param shard the shard
   * @param position every record below it is committed
   * @since 1.8.0
   */
  default void onCommitted(int shard, long position) {}

  /**
   * Opens the newest snapshot of {@code shard} this region can ship to a follower its log no longer
   * reaches (snapshot catch-up): one that covers a position at or above the log's {@link
   * io.tidaldb.api.wal.ShardLog#startPosition()} and is tied to this log's history, so the follower
   * continues from there with this log's records. If the store has none (no checkpoint yet since
   * the log was trimmed), it writes one first. Blocks: replication calls it on its cut thread.
   *
   * @param shard the shard
   * @return the snapshot; empty if this store ships none (the default)
   * @throws io.tidaldb.api.StorageException if a snapshot cannot be written or opened
   * @since 1.4.0
   */
  default java.util.Optional<ShardSnapshot> openSnapshot(int shard) {
    return java.util.Optional.empty();
  }

  /**
   * Begins to receive a snapshot of {@code shard} that the leader ships because this region's log
   * is behind the leader's (or empty). Nothing changes until {@link SnapshotSink#install()}; a sink
   * closed before that leaves no trace. At most one sink per shard: beginning another closes the
   * previous one.
   *
   * @param shard the shard
   * @param position the log position the snapshot covers
   * @param lastEpoch the epoch of the record below {@code position} in the leader's log
   * @param size the snapshot's length in bytes
   * @return the sink
   * @throws UnavailableException if this store cannot install snapshots (the default)
   * @throws io.tidaldb.api.StorageException if the temporary file cannot be created
   * @since 1.4.0
   */
  default SnapshotSink receiveSnapshot(int shard, long position, long lastEpoch, long size) {
    throw new UnavailableException(
        "shard " + shard + ": this store cannot install a snapshot at position " + position);
  }
}
