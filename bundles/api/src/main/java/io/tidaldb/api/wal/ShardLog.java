package io.tidaldb.api.wal;

import io.tidaldb.api.StorageException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One shard's log. Appends are thread-safe and return the record's position at once; a single
 * commit thread per shard writes and fsyncs them in batches, hands each durable batch to the {@link
 * CommitListener} and then advances {@link #durablePosition()} and wakes waiters.
 *
 * <p>When the pending buffer is full, appends wait for the commit thread up to the configured limit
 * and then throw {@link io.tidaldb.api.UnavailableException}. If a write or fsync fails, the log
 * stops: every waiter and every later append fails with a {@link io.tidaldb.api.StorageException}
 * or {@link io.tidaldb.api.UnavailableException} naming the cause.
 */
@ProviderType
public interface ShardLog {
  /**
   * The leader epoch of an append that is not fenced: {@link #appendSignal(long, int, long, double,
   * long, long, int)} and {@link #appendDefine(long, int, String, String)} with it behave like the
   * unfenced appends (a single-region store).
   *
   * @since 1.3.0
   */
  long ANY_EPOCH = -1;

  /**
   * What {@link #tryAppendReplicated} returns instead of a position when the batch would have to
   * wait for the commit thread (positions are never negative).
   *
   * @since 1.4.0
   */
  long BUSY = -1;

  /**
   * Returns the shard this log belongs to.
   *
   * @return the shard index
   */
  int shard();

  /**
   * Returns the epoch stamped on batches committed from now on.
   *
   * @return the current epoch
   */
  long epoch();

  /**
   * Raises the epoch stamped on batches committed from now on.
   *
   * @param epoch the new epoch, at least the current one
   * @throws io.tidaldb.api.InvalidArgumentException if the epoch would go down
   */
  void advanceEpoch(long epoch);

  /**
   * Starts taking fenced local appends as the leader of {@code epoch}: raises the epoch to it (as
   * {@link #advanceEpoch}) and, in the same step, lets in every fenced append whose leader epoch is
   * {@code epoch}, until {@link #stopLeading} or a higher epoch.
   *
   * @param epoch the epoch this region leads, at least the current one
   * @throws io.tidaldb.api.InvalidArgumentException if the epoch would go down
   * @since 1.3.0
   */
  void startLeading(long epoch);

  /**
   * Stops taking fenced local appends: from the moment this returns, every fenced append (other
   * than with {@link #ANY_EPOCH}) is refused with a {@link FencedAppendException}, until the next
   * {@link #startLeading}. Appends already taken stay (they were made while this region led).
   *
   * @since 1.3.0
   */
  void stopLeading();

  /**
   * Returns the lowest position still held (earlier segments were truncated).
   *
   * @return the first readable position
   */
  long startPosition();

  /**
   * Returns the position the next appended record will get.
   *
   * @return the next position
   */
  long nextPosition();

  /**
   * Returns the first position that is not yet durable: every record below it is fsynced and was
   * handed to the commit listener.
   *
   * @return the durable bound (exclusive)
   */
  long durablePosition();

  /**
   * Appends a signal record.
   *
   * @param seriesId the shard-local series id, defined earlier by {@link #appendDefine}
   * @param entity the entity id
   * @param weight the weight (the caller has validated it)
   * @param eventTimeMillis the event time
   * @param hlc the HLC stamp
   * @param origin the replica id of the region that accepted the signal
   * @return the record's position
   * @throws io.tidaldb.api.InvalidArgumentException if replicated batches are not yet durable (see
   *     {@link #appendReplicated})
   */
  long appendSignal(
      int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin);

  /**
   * Appends a series definition that binds {@code seriesId} to (tenant, type) in this shard.
   *
   * @param seriesId the shard-local series id
   * @param tenant the tenant's name
   * @param type the signal type's name
   * @return the record's position
   * @throws io.tidaldb.api.InvalidArgumentException if a name is invalid, or replicated batches are
   *     not yet durable (see {@link #appendReplicated})
   */
  long appendDefine(int seriesId, String tenant, String type);

  /**
   * Appends a signal record, fenced by the leader epoch its writer checked: under the same lock as
   * the append, the record is taken only if this log leads in {@code leaderEpoch} ({@link
   * #startLeading}, not stopped since) and its epoch is still {@code leaderEpoch}, so a record
   * whose writer checked leadership in one epoch can never be stamped with another (the
   * log-matching property: {@code (epoch, position)} names one record in every region). {@link
   * #ANY_EPOCH} appends unfenced, like {@link #appendSignal(int, long, double, long, long, int)}.
   *
   * @param leaderEpoch the epoch in which the writer checked that this region leads, or {@link
   *     #ANY_EPOCH}
   * @param seriesId see {@link #appendSignal(int, long, double, long, long, int)}
   * @param entity the entity id
   * @param weight the weight (the caller has validated it)
   * @param eventTimeMillis the event time
   * @param hlc the HLC stamp
   * @param origin the replica id of the region that accepted the signal
   * @return the record's position
   * @throws FencedAppendException if this log no longer leads in {@code leaderEpoch}; nothing was
   *     stored
   * @since 1.3.0
   */
  long appendSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin);

  /**
   * Appends a series definition, fenced by the leader epoch its writer checked, like {@link
   * #appendSignal(long, int, long, double, long, long, int)}.
   *
   * @param leaderEpoch the epoch in which the writer checked that this region leads, or {@link
   *     #ANY_EPOCH}
   * @param seriesId the shard-local series id
   * @param tenant the tenant's name
   * @param type the signal type's name
   * @return the record's position
   * @throws FencedAppendException if this log no longer leads in {@code leaderEpoch}; nothing was
   *     stored
   * @since 1.3.0
   */
  long appendDefine(long leaderEpoch, int seriesId, String tenant, String type);

  /**
   * Appends a {@link WalRecordKind#COMPACT} record, fenced by the leader epoch its writer checked,
   * like {@link #appendDefine(long, int, String, String)}.
   *
   * @param leaderEpoch the epoch in which the writer checked that this region leads (never {@link
   *     #ANY_EPOCH}: a compaction is only ever appended by a leader)
   * @param cutOffEpoch the cut-off epoch, below {@code leaderEpoch}
   * @param closedDigest the writer's digest of the shard's closed entries through the cut-off
   * @return the record's position
   * @throws FencedAppendException if this log no longer leads in {@code leaderEpoch}; nothing was
   *     stored
   * @throws UnsupportedOperationException if this log holds no compaction records (a local log)
   * @since 1.7.0
   */
  default long appendCompact(long leaderEpoch, long cutOffEpoch, long closedDigest) {
    throw new UnsupportedOperationException(getClass().getName() + " holds no COMPACT records");
  }

  /**
   * Appends a {@link WalRecordKind#SIGNAL_S} record: a signal of a client session, fenced like
   * {@link #appendSignal(long, int, long, double, long, long, int)}. The caller has checked the
   * write against the shard's session table; the log only stores it.
   *
   * @param leaderEpoch the epoch in which the writer checked that this region leads, or {@link
   *     #ANY_EPOCH} (a local log: unfenced)
   * @param seriesId the shard-local series id
   * @param entity the entity id
   * @param weight the weight (the caller has validated it)
   * @param eventTimeMillis the event time
   * @param hlc the HLC stamp
   * @param origin the replica id of the region that accepted the signal
   * @param session the write's session, seq and ackedBelow
   * @param payloadHash the 32-bit hash of the write's payload (the session table compares it)
   * @param durability the level the write is acknowledged at: a cut keeps a {@code LOCAL} record's
   *     effect and drops a {@code QUORUM} or {@code ALL} one's (never acknowledged if cut)
   * @return the record's position
   * @throws FencedAppendException if this log no longer leads in {@code leaderEpoch}; nothing was
   *     stored
   * @throws UnsupportedOperationException if this log holds no session records
   * @throws io.tidaldb.api.InvalidArgumentException if {@code session} or {@code durability} is
   *     null; nothing was stored
   * @since 1.9.0 (1.8.0 without {@code durability})
   */
  default long appendSessionSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin,
      io.tidaldb.api.SessionSeq session,
      int payloadHash,
      io.tidaldb.api.Durability durability) {
    throw new UnsupportedOperationException(getClass().getName() + " holds no SIGNAL_S records");
  }

  /**
   * Appends one batch exactly as another region's log stored it (a follower persisting its leader's
   * batches, {@link WalBatch#bytes()}), keeping the leader's epoch and positions. The buffer's
   * remaining bytes must be that one complete batch. The call returns at once; the shard's commit
   * thread writes the bytes verbatim, fsyncs them, hands the batch to the {@link CommitListener}
   * like a local one and then advances {@link #durablePosition()}: await it with {@link
   * #awaitDurable}{@code (returned - 1, ...)}. The buffer's position is not changed and it may be
   * reused once the call returns.
   *
   * <p>Everything is checked before the batch is accepted: the header (magic, format version,
   * flags, length, CRC32C), the shard, a record count of at least 1 and a payload of exactly that
   * many well-formed records, {@code firstPosition == }{@link #nextPosition()} (gaps and duplicates
   * are the caller's to handle), an epoch of at least that of the log's last record (epochs only
   * grow along a log, so {@code (epoch, position)} names one record), and that no local append is
   * still pending. Since 1.3.0 the check is against the last record, not {@link #epoch()}: {@link
   * #advanceEpoch} raises that before any record of the epoch exists, and a region elected and
   * deposed before writing must still take its new leader's batches of older epochs. Fencing a
   * deposed leader's batches is the caller's (replication's) job. A refusal names the values
   * involved and leaves the log unchanged and serving.
   *
   * <p>A shard log is fed by one source at a time: replicated batches are refused while locally
   * appended records are not yet durable, and local appends are refused, with an {@link
   * io.tidaldb.api.InvalidArgumentException} naming the count, while replicated records are not yet
   * durable. Once a batch is accepted, {@link #nextPosition()} is the batch's end and {@link
   * #epoch()} is at least the batch's epoch. If a replicated batch is already waiting for the
   * commit thread, the call waits for it like an append waits for room ({@link
   * #tryAppendReplicated} returns {@link #BUSY} instead).
   *
   * @param batch one complete batch: header and payload
   * @return the position after the batch ({@code firstPosition + recordCount})
   * @throws io.tidaldb.api.InvalidArgumentException if the batch is malformed, of another shard,
   *     larger than this log's batch limit, does not start at {@link #nextPosition()}, carries an
   *     epoch below that of the log's last record, or local appends are pending
   * @throws io.tidaldb.api.UnavailableException if the log is closed or failed, or no room appears
   *     within the append timeout
   */
  long appendReplicated(ByteBuffer batch);

  /**
   * Appends one replicated batch like {@link #appendReplicated}, but never waits: where {@code
   * appendReplicated} would wait for an earlier replicated batch still pending for the commit
   * thread, this returns {@link #BUSY} at once and leaves the batch (its buffer and position) and
   * the log unchanged. It is meant for a thread that must never wait (a replication thread that
   * owns many shards): it holds the batch and tries again later.
   *
   * <p>The checks are those of {@code appendReplicated}, made in the same order and before the
   * pending buffer is looked at, and a refusal throws exactly what {@code appendReplicated} throws:
   * a malformed, misplaced or stale batch, or pending local appends, is refused with an {@link
   * io.tidaldb.api.InvalidArgumentException}; a closed or stopped log with an {@link
   * io.tidaldb.api.UnavailableException} (never {@code BUSY}). When the call returned {@code BUSY},
   * the log's durability listener ({@link #setDurabilityListener}) runs, with the current {@link
   * #durablePosition()}, once the pending buffer has been swapped out, so a caller that retries on
   * that wake-up loses no double buffering: its batch goes pending while the commit thread writes
   * the one before. Refusals of one pending batch share one wake-up. If the log stops or closes
   * first, no wake-up may come; {@link #failure()} tells.
   *
   * <p>The default implementation calls {@link #appendReplicated}, which may wait; a log whose
   * appends can wait overrides it.
   *
   * @param batch one complete batch: header and payload
   * @return the position after the batch ({@code firstPosition + recordCount}), or {@link #BUSY}
   * @throws io.tidaldb.api.InvalidArgumentException as {@link #appendReplicated}
   * @throws io.tidaldb.api.UnavailableException if the log is closed or failed
   * @since 1.4.0
   */
  default long tryAppendReplicated(ByteBuffer batch) {
    return appendReplicated(batch);
  }

  /**
   * Returns whether {@link #tryAppendReplicated} has room for a batch now, without looking at one:
   * false while an earlier replicated batch is still pending for the commit thread (the call would
   * answer {@link #BUSY}), and then, as after {@code BUSY}, the durability listener runs once the
   * pending buffer has been swapped out. A thread that holds a batch it was refused asks this
   * first, so a retry before the log has room costs no check of the batch (its checksum over up to
   * {@link #maxBatchBytes()} bytes). True does not promise the batch is taken: {@code
   * tryAppendReplicated} still checks it and may refuse it or, if another thread appended
   * meanwhile, answer {@code BUSY}.
   *
   * @return whether a replicated batch would find room now
   * @since 1.4.0
   */
  default boolean roomForReplicated() {
    return true;
  }

  /**
   * Waits until the record at {@code position} is durable.
   *
   * @param position a position returned by an append
   * @param timeoutNanos how long to wait at most
   * @throws io.tidaldb.api.UnavailableException if the timeout passes or the log closes first
   * @throws io.tidaldb.api.StorageException if the log failed (a write, fsync or listener failure),
   *     naming the file and the cause
   */
  void awaitDurable(long position, long timeoutNanos);

  /**
   * Returns a future completed, on the commit thread, once the record at {@code position} is
   * durable, or failed if the log fails or closes first.
   *
   * @param position a position returned by an append
   * @return the future
   */
  CompletableFuture<Void> whenDurable(long position);

  /**
   * Returns a future completed once the record at {@code position} is durable, or failed if the log
   * fails or closes first, by a task on {@code executor} rather than on the commit thread: the
   * futures one commit makes due are handed to the executor together, in position order, as one
   * task, so a caller whose continuations must not run on the commit thread pays one hand-off per
   * commit rather than one per record. If the executor refuses the task they complete on the commit
   * thread. A position already durable gives a completed future (continuations attached to it run
   * on the attaching thread, as with any completed future).
   *
   * <p>The default hands each future over on its own ({@code thenApplyAsync}); the WAL's logs
   * batch.
   *
   * @param position a position returned by an append
   * @param executor where the future is completed
   * @return the future
   */
  default CompletableFuture<Void> whenDurable(long position, Executor executor) {
    return whenDurable(position).thenApplyAsync(v -> v, executor);
  }

  /**
   * Sets the listener that receives each durable batch before {@link #durablePosition()} passes it.
   * Set it before the first append; batches committed while none is set are not delivered.
   *
   * @param listener the listener, or null to remove it
   */
  void setCommitListener(CommitListener listener);

  /**
   * Sets the action the commit thread runs each time {@link #durablePosition()} advances, with the
   * new durable position, after the waiters of {@link #awaitDurable} and {@link #whenDurable} are
   * released. It exists so that a thread which polls the log (a replication thread shipping durable
   * batches) can be woken instead of polling often: it must return at once and must neither block
   * nor append. One action per log; an exception it throws is logged and does not stop the log.
   *
   * @param listener the action, or null to remove it
   * @since 1.2.0
   */
  void setDurabilityListener(LongConsumer listener);

  /**
   * Opens a reader over durable batches starting with the batch that holds {@code fromPosition}.
   *
   * @param fromPosition the first position of interest, at least {@link #startPosition()}
   * @return a reader; close it when done
   * @throws io.tidaldb.api.InvalidArgumentException if the position was truncated away or is beyond
   *     {@link #nextPosition()}
   */
  WalReader openReader(long fromPosition);

  /**
   * Returns where an epoch ends in this log: the first position of the first durable batch whose
   * epoch is greater than {@code epoch}, or {@link #durablePosition()} if there is none. A follower
   * whose last batch has epoch {@code e} asks its new leader for {@code endOfEpoch(e)} and keeps
   * its own log only below the answer (the leader-epoch rule of Kafka's KIP-101).
   *
   * @param epoch an epoch, at least {@code 0}
   * @return the end of that epoch in this log, between {@link #startPosition()} and {@link
   *     #durablePosition()}
   */
  long endOfEpoch(long epoch);

  /**
   * Returns the epoch stamped on the last durable batch.
   *
   * @return that epoch, {@code 0} for an empty log
   */
  long lastEpoch();

  /**
   * Removes every record at or after {@code position}: a follower dropping the suffix that its new
   * leader's log does not have. Afterwards {@link #nextPosition()} and {@link #durablePosition()}
   * are {@code position}, and the next append or replicated batch continues there. The cut is made
   * crash-safe: later segments are deleted newest first, then the segment holding {@code position}
   * is cut and fsynced, so a crash at any step leaves a prefix of the old log that is at least as
   * long as {@code position}. Readers opened before the call are invalidated: their next call
   * throws a {@link io.tidaldb.api.StorageException} naming the cut; open new ones.
   *
   * @param position a batch boundary between {@link #startPosition()} and {@link
   *     #durablePosition()}
   * @return how many records were removed
   * @throws io.tidaldb.api.InvalidArgumentException if {@code position} is outside that range, not
   *     the first position of a batch, or appends are pending
   * @throws io.tidaldb.api.StorageException if a file cannot be cut or deleted (the log then fails)
   */
  long truncateFrom(long position);

  /**
   * Discards every record and continues the log empty at {@code position}, as if every record below
   * it had been written and trimmed: a follower that installed a snapshot of its leader covering
   * every record below {@code position} (snapshot catch-up). Afterwards {@link #startPosition()},
   * {@link #nextPosition()} and {@link #durablePosition()} are {@code position}, {@link
   * #lastEpoch()} is {@code lastEpoch} (the epoch of the record just below {@code position} in the
   * leader's log; {@code 0} if {@code position} is 0), {@link #endOfEpoch} answers {@code position}
   * for {@code lastEpoch} and for every older epoch, and {@link #epoch()} is at least what it was.
   * The next append or replicated batch continues at {@code position}.
   *
   * <p>Crash-safe: after a crash at any step the log opens either exactly as before the call or
   * empty at {@code position} with that last epoch, never as a mix of the two. Readers opened
   * before the call are invalidated like by {@link #truncateFrom}.
   *
   * @param position the position the log continues at; any value {@code >= 0}, below or beyond the
   *     current positions
   * @param lastEpoch the epoch of the record below {@code position}
   * @throws io.tidaldb.api.InvalidArgumentException if {@code position} or {@code lastEpoch} is
   *     negative, appends or replicated batches are pending, or the log leads (between {@link
   *     #startLeading} and {@link #stopLeading})
   * @throws io.tidaldb.api.StorageException if a file cannot be written, fsynced or deleted (the
   *     log then fails)
   * @throws UnsupportedOperationException if this log cannot be reset (the default)
   * @since 1.5.0
   */
  default void resetTo(long position, long lastEpoch) {
    throw new UnsupportedOperationException(
        "shard " + shard() + ": this log cannot be reset to position " + position);
  }

  /**
   * Appends a batch's signals of this shard as {@code part.size()} consecutive {@link
   * WalRecordKind#SIGNAL} records in one step, fenced like {@link #appendSignal(long, int, long,
   * double, long, long, int)}. Plain signals need no atomicity (each is a write of its own): the
   * default appends them one by one; a log may take its lock once for them all (the WAL does),
   * which saves the writer a lock per signal.
   *
   * @param leaderEpoch the epoch in which the writer checked that this region leads, or {@link
   *     #ANY_EPOCH} (a local log: unfenced)
   * @param part the signals, 1 or more
   * @param origin the replica id of the region that accepted the signals
   * @return the position of the last record
   * @throws FencedAppendException if this log no longer leads in {@code leaderEpoch}; nothing was
   *     stored
   * @throws io.tidaldb.api.InvalidArgumentException if the part is null or empty; nothing stored
   * @since 1.12.0
   */
  default long appendSignals(long leaderEpoch, SignalPart part, int origin) {
    if (part == null || part.size() < 1) {
      throw new io.tidaldb.api.InvalidArgumentException(
          "part", part == null ? null : "0 signals", "must hold 1 or more signals; nothing stored");
    }
    long last = -1;
    for (int i = 0; i < part.size(); i++) {
      last =
          appendSignal(
              leaderEpoch,
              part.seriesId(i),
              part.entity(i),
              part.weight(i),
              part.eventTimeMillis(i),
              part.hlc(i),
              origin);
    }
    return last;
  }

  /**
   * Appends a {@link WalRecordKind#SIGNAL_BATCH_S} record: one shard's part of a client session's
   * batch, fenced like {@link #appendSignal(long, int, long, double, long, long, int)}. The record
   * takes {@code part.size()} consecutive positions, one per signal, and is atomic (one record of
   * one batch). The caller has checked the write against the shard's session table; the log only
   * stores it.
   *
   * @param leaderEpoch the epoch in which the writer checked that this region leads, or {@link
   *     #ANY_EPOCH} (a local log: unfenced)
   * @param part the part's signals, 1 to {@link #maxPartSignals()}
   * @param origin the replica id of the region that accepted the signals
   * @param session the write's session, seq and ackedBelow
   * @param payloadHash the 32-bit hash of the whole part's payload (the session table compares it)
   * @param durability the level the write is acknowledged at (as {@link #appendSessionSignal})
   * @return the position of the part's last signal (the part holds it and the {@code part.size() -
   *     1} positions below it)
   * @throws FencedAppendException if this log no longer leads in {@code leaderEpoch}; nothing was
   *     stored
   * @throws UnsupportedOperationException if this log holds no session batch records
   * @throws io.tidaldb.api.InvalidArgumentException if {@code session} or {@code durability} is
   *     null or the part is empty or larger than {@link #maxPartSignals()}; nothing was stored
   * @since 1.12.0
   */
  default long appendSessionPart(
      long leaderEpoch,
      SignalPart part,
      int origin,
      io.tidaldb.api.SessionSeq session,
      int payloadHash,
      io.tidaldb.api.Durability durability) {
    throw new UnsupportedOperationException(
        getClass().getName() + " holds no SIGNAL_BATCH_S records");
  }

  /**
   * Returns the most signals one {@link #appendSessionPart} record may hold in this log: what one
   * batch of {@link #maxBatchBytes()} holds, at most 65,535.
   *
   * @return the limit; 0 for a log without session batch records (the default)
   * @since 1.12.0
   */
  default int maxPartSignals() {
    return 0;
  }

  /**
   * Deletes whole segments whose records all lie below {@code position} (a snapshot covers them).
   *
   * @param position the first position that must stay readable
   * @return how many segments were deleted
   */
  int truncateBefore(long position);

  /**
   * Returns the largest batch payload this log writes and accepts from {@link #appendReplicated},
   * in bytes (a batch is this plus its 56-byte header). A region's replication compares it with its
   * transport's frame limit and with the logs of the regions it ships to.
   *
   * @return the payload limit; {@link Integer#MAX_VALUE} for a log without one
   * @since 1.3.0
   */
  default int maxBatchBytes() {
    return Integer.MAX_VALUE;
  }

  /**
   * Returns why this log stopped, if it did: the first write, fsync or listener failure, after
   * which every waiter and every later append fails (a stopped log is not restarted; closing and
   * reopening the log recovers it). Empty while the log runs, and after a clean close.
   *
   * @return the failure that stopped the log, naming the file and the cause
   * @since 1.3.0
   */
  default Optional<StorageException> failure() {
    return Optional.empty();
  }
}
