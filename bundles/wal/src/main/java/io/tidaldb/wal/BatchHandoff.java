package io.tidaldb.wal;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.SignalPart;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * The meeting point of a shard's appenders and its commit thread: the pending batch buffer, the
 * record positions, the epoch and the shard's lifecycle state (open, closing, failed, closed).
 *
 * <p>Appenders (any thread) encode straight into the pending direct buffer while holding {@code
 * lock}'s monitor: a monitor rather than a {@code ReentrantLock}, because contended acquisition of
 * a monitor allocates nothing. The commit thread swaps the pending buffer with its spare under the
 * same monitor (double buffering: appends go on while it writes and fsyncs) and parks outside it;
 * appenders unpark it when a batch gets its first record or fills up, so an idle shard costs
 * nothing and sub-millisecond group commit delays stay precise. When the buffer is full, appenders
 * wait on the monitor until the swap, up to the append timeout.
 *
 * <p>A replicated batch (already checked by {@link ReplicatedBatchCheck}) is copied whole into the
 * empty pending buffer, which then holds nothing else and is committed at once; the {@link
 * FeedGuard} keeps local records and replicated batches out of each other's way. While an earlier
 * replicated batch is still pending, {@link #appendReplicated} waits for the swap and {@link
 * #tryAppendReplicated} returns {@link ShardLog#BUSY} instead; the swap then hands the commit
 * thread the request to wake the refused caller ({@link PendingBatch#roomWanted}), which it runs
 * outside the monitor.
 *
 * <p>Every field marked "guarded" is accessed holding the monitor; {@code nextPosition} is also
 * published with release semantics for lock-free readers.
 */
final class BatchHandoff {
  private static final VarHandle NEXT_POSITION;

  static {
    try {
      NEXT_POSITION =
          MethodHandles.lookup().findVarHandle(BatchHandoff.class, "nextPosition", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final int shard;
  private final WalConfig config;
  private final GroupCommitPolicy policy;
  private final FeedGuard feed;
  private final Object lock = new Object();
  private Thread committer;
  private PendingBatch pending; // guarded
  private long nextPosition; // guarded; released for lock-free reads
  private final RoomWaits roomWaits; // guarded
  private boolean committerParked; // guarded
  private final ShardLifecycle lifecycle = new ShardLifecycle(); // guarded
  private volatile long epoch;
  private long recordsEpoch; // guarded: the epoch of the last record taken into the log
  private long leading = ShardLog.ANY_EPOCH; // guarded: the epoch fenced appends are taken in
  private boolean roomWanted; // guarded: a tryAppendReplicated got BUSY since the last swap

  BatchHandoff(
      int shard,
      String name,
      WalConfig config,
      WalMetrics metrics,
      FeedGuard feed,
      long nextPosition,
      long epoch,
      long recordsEpoch) {
    this.shard = shard;
    this.feed = feed;
    this.config = config;
    this.policy = new GroupCommitPolicy(config.maxBatchBytes(), config.groupCommitDelayNanos());
    this.nextPosition = nextPosition;
    this.epoch = epoch;
    this.recordsEpoch = recordsEpoch;
    this.pending = new PendingBatch(config.maxBatchBytes());
    pending.reset(nextPosition);
    this.roomWaits = new RoomWaits(lock, name, config, metrics, this::wakeCommitter);
  }

  /** Names the thread that {@link #takeBatch} runs on; call before it starts. */
  void attach(Thread commitThread) {
    this.committer = commitThread;
  }

  long epoch() {
    return epoch;
  }

  void advanceEpoch(long newEpoch) {
    synchronized (lock) {
      if (newEpoch < epoch) {
        throw new InvalidArgumentException(
            "epoch",
            newEpoch,
            "must not be below the current epoch " + epoch + " of shard " + shard);
      }
      epoch = newEpoch;
    }
  }

  /** Raises the epoch to {@code newEpoch} and takes fenced appends of that epoch from now on. */
  void startLeading(long newEpoch) {
    synchronized (lock) {
      advanceEpoch(newEpoch);
      leading = newEpoch;
    }
  }

  /** Refuses every fenced append from now on (until {@link #startLeading}). */
  void stopLeading() {
    synchronized (lock) {
      leading = ShardLog.ANY_EPOCH;
    }
  }

  long nextPosition() {
    return (long) NEXT_POSITION.getAcquire(this);
  }

  long appendSignal(
      int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin) {
    return appendSignal(ShardLog.ANY_EPOCH, seriesId, entity, weight, eventTimeMillis, hlc, origin);
  }

  long appendSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin) {
    synchronized (lock) {
      PendingBatch p = reserve(RecordDescriptor.SIGNAL_LENGTH, leaderEpoch);
      RecordDescriptor.writeSignal(
          p.buffer, p.writeOffset, seriesId, entity, weight, eventTimeMillis, hlc, origin);
      p.writeOffset += RecordDescriptor.SIGNAL_LENGTH;
      p.stamp(hlc);
      return appended(p);
    }
  }

  long appendSessionSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    if (session == null) {
      throw new InvalidArgumentException("session", null, "must not be null; nothing stored");
    }
    RecordDescriptor.durabilityCode(durability); // refuses null before anything is reserved
    int length = RecordDescriptor.sessionSignalLength(session.seq(), session.ackedBelow());
    synchronized (lock) {
      PendingBatch p = reserve(length, leaderEpoch);
      RecordDescriptor.writeSessionSignal(
          p.buffer,
          p.writeOffset,
          seriesId,
          entity,
          weight,
          eventTimeMillis,
          hlc,
          origin,
          session,
          payloadHash,
          durability);
      p.writeOffset += length;
      p.stamp(hlc);
      return appended(p);
    }
  }

  long appendSignals(long leaderEpoch, SignalPart part, int origin) {
    if (part == null || part.size() < 1) {
      throw new InvalidArgumentException(
          "part", part == null ? null : "0 signals", "must hold 1 or more signals; nothing stored");
    }
    synchronized (lock) {
      long last = -1;
      for (int i = 0; i < part.size(); i++) {
        PendingBatch p = reserve(RecordDescriptor.SIGNAL_LENGTH, leaderEpoch);
        long hlc = part.hlc(i);
        RecordDescriptor.writeSignal(
            p.buffer,
            p.writeOffset,
            part.seriesId(i),
            part.entity(i),
            part.weight(i),
            part.eventTimeMillis(i),
            hlc,
            origin);
        p.writeOffset += RecordDescriptor.SIGNAL_LENGTH;
        p.stamp(hlc);
        last = appended(p);
      }
      return last;
    }
  }

  long appendSessionPart(
      long leaderEpoch,
      SignalPart part,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    int length = SessionPartDescriptor.checkedLength(part, session, durability, maxPartSignals());
    synchronized (lock) {
      PendingBatch p = reserve(length, leaderEpoch);
      SessionPartDescriptor.write(
          p.buffer, p.writeOffset, part, origin, session, payloadHash, durability);
      p.writeOffset += length;
      int n = part.size();
      for (int i = 0; i < n; i++) {
        p.stamp(part.hlc(i));
      }
      return appended(p, n) + n - 1;
    }
  }

  /** The most signals one {@link #appendSessionPart} record holds in this log. */
  int maxPartSignals() {
    return SessionPartDescriptor.maxSignals(config.maxBatchBytes());
  }

  long appendDefine(long leaderEpoch, int seriesId, String tenant, String type) {
    int length = RecordDescriptor.defineLength(tenant, type);
    synchronized (lock) {
      PendingBatch p = reserve(length, leaderEpoch);
      p.writeOffset +=
          RecordDescriptor.writeDefine(p.buffer, p.writeOffset, seriesId, tenant, type);
      return appended(p);
    }
  }

  long appendCompact(long leaderEpoch, long cutOffEpoch, long closedDigest) {
    synchronized (lock) {
      PendingBatch p = reserve(RecordDescriptor.COMPACT_LENGTH, leaderEpoch);
      RecordDescriptor.writeCompact(p.buffer, p.writeOffset, cutOffEpoch, closedDigest);
      p.writeOffset += RecordDescriptor.COMPACT_LENGTH;
      return appended(p);
    }
  }

  /**
   * Takes a checked replicated batch: once the pending buffer is empty and the {@link FeedGuard}
   * allows it, copies it in, moves the next position to its end, notes its epoch as the last
   * record's and raises the log's epoch to it if below.
   *
   * @param batch a little-endian view bounding exactly one checked batch
   * @return the position after the batch
   */
  long appendReplicated(ByteBuffer batch) {
    int at = batch.position();
    long first = batch.getLong(at + BatchDescriptor.FIRST_POSITION_OFFSET);
    long batchEpoch = batch.getLong(at + BatchDescriptor.EPOCH_OFFSET);
    int count = batch.getInt(at + BatchDescriptor.RECORD_COUNT_OFFSET);
    synchronized (lock) {
      long deadline = 0;
      while (true) {
        lifecycle.checkOpen();
        feed.replicated(nextPosition, recordsEpoch, first, batchEpoch, count);
        if (pending.count == 0) {
          break;
        }
        if (deadline == 0) {
          deadline = roomWaits.deadline();
        }
        if (!roomWaits.await(deadline)) {
          throw roomWaits.timedOut("a replicated batch is still waiting for the commit thread");
        }
      }
      return takeReplicated(batch, first, batchEpoch, count);
    }
  }

  /**
   * Takes a checked replicated batch like {@link #appendReplicated}, but never waits: while an
   * earlier replicated batch is still pending it notes that room is wanted and returns {@link
   * ShardLog#BUSY}, changing nothing else; {@link #takeBatch} then marks the swapped-out batch so
   * that the commit thread wakes the caller ({@link PendingBatch#roomWanted}). The refusals come
   * first, in the same order as in {@code appendReplicated}.
   *
   * @param batch a little-endian view bounding exactly one checked batch
   * @return the position after the batch, or {@link ShardLog#BUSY}
   */
  long tryAppendReplicated(ByteBuffer batch) {
    int at = batch.position();
    long first = batch.getLong(at + BatchDescriptor.FIRST_POSITION_OFFSET);
    long batchEpoch = batch.getLong(at + BatchDescriptor.EPOCH_OFFSET);
    int count = batch.getInt(at + BatchDescriptor.RECORD_COUNT_OFFSET);
    synchronized (lock) {
      lifecycle.checkOpen();
      feed.replicated(nextPosition, recordsEpoch, first, batchEpoch, count);
      if (pending.count != 0) {
        roomWanted = true; // only a replicated batch can be pending here: the feed guard said so
        return ShardLog.BUSY;
      }
      return takeReplicated(batch, first, batchEpoch, count);
    }
  }

  /**
   * Whether a replicated batch would find the pending buffer free; if not, the caller is woken
   * after the next swap, as after {@code BUSY}.
   */
  boolean roomForReplicated() {
    synchronized (lock) {
      if (pending.count != 0 && pending.replicated) {
        roomWanted = true;
        return false;
      }
      return true;
    }
  }

  /** Copies the batch into the empty pending buffer and moves the log to its end; monitor held. */
  private long takeReplicated(ByteBuffer batch, long first, long batchEpoch, int count) {
    PendingBatch p = pending;
    p.fillReplicated(batch);
    feed.accepted();
    recordsEpoch = batchEpoch;
    epoch = Math.max(epoch, batchEpoch);
    leading = ShardLog.ANY_EPOCH; // fed by a leader: this region does not lead
    long end = first + count;
    NEXT_POSITION.setRelease(this, end);
    wakeCommitter();
    return end;
  }

  /**
   * Moves the log back to {@code position} holding the monitor, so no append or replicated batch is
   * taken and the commit thread takes no batch meanwhile: checks that the log is open and that
   * every appended record is durable (then the commit thread is idle), runs {@code cut}, which
   * removes the records from the files and rewinds the durable position, and continues the
   * positions and the pending buffer at {@code position}. The epoch stays; the epoch of the last
   * record is read again from the cut {@code epochs}; the {@link FeedGuard} needs no reset, as
   * nothing is pending afterwards either.
   *
   * @param position the first position to remove
   * @param durability the shard's durable position
   * @param epochs the shard's epoch history, cut by {@code cut}
   * @param cut removes the records, returns how many
   * @return what {@code cut} returned
   * @throws InvalidArgumentException if appended records are not yet durable
   */
  long truncateFrom(
      long position, DurabilityTracker durability, EpochHistory epochs, LongUnaryOperator cut) {
    synchronized (lock) {
      lifecycle.checkOpen();
      long durable = durability.durable();
      if (nextPosition != durable) {
        throw new InvalidArgumentException(
            "position",
            position,
            "shard "
                + shard
                + " has "
                + (nextPosition - durable)
                + " appended records not yet durable (durable below "
                + durable
                + ", next position "
                + nextPosition
                + "); truncate only once every append is durable; log unchanged");
      }
      long removed = cut.applyAsLong(position);
      recordsEpoch = epochs.lastEpoch(position);
      pending.reset(position);
      NEXT_POSITION.setRelease(this, position);
      return removed;
    }
  }

  /**
   * Continues the log empty at {@code position} holding the monitor, like {@link #truncateFrom}:
   * checks that the log is open, does not lead and has every appended record durable (then the
   * commit thread is idle), runs {@code reset}, which replaces the files and moves the durable
   * position, and continues the positions and the pending buffer at {@code position}. The last
   * record's epoch becomes {@code lastEpoch}, and the epoch is raised to it if below.
   *
   * @param position where the log continues
   * @param lastEpoch the epoch of the record just below {@code position}
   * @param durability the shard's durable position
   * @param reset replaces the files, returns how many records were discarded
   * @return what {@code reset} returned
   * @throws InvalidArgumentException if the log leads or appended records are not yet durable
   */
  long resetTo(long position, long lastEpoch, DurabilityTracker durability, LongSupplier reset) {
    synchronized (lock) {
      lifecycle.checkOpen();
      if (leading != ShardLog.ANY_EPOCH) {
        throw new InvalidArgumentException(
            "position",
            position,
            "shard "
                + shard
                + " leads in epoch "
                + leading
                + " (startLeading): a leader's log is not reset to a snapshot; stopLeading first;"
                + " log unchanged");
      }
      long durable = durability.durable();
      if (nextPosition != durable) {
        throw new InvalidArgumentException(
            "position",
            position,
            "shard "
                + shard
                + " has "
                + (nextPosition - durable)
                + " appended or replicated records not yet durable (durable below "
                + durable
                + ", next position "
                + nextPosition
                + "); reset only once every append is durable; log unchanged");
      }
      long discarded = reset.getAsLong();
      recordsEpoch = lastEpoch;
      epoch = Math.max(epoch, lastEpoch);
      pending.reset(position);
      NEXT_POSITION.setRelease(this, position);
      return discarded;
    }
  }

  /** Takes the next position; wakes the commit thread on a batch's first record or when full. */
  private long appended(PendingBatch p) {
    return appended(p, 1);
  }

  /** Counts a record of {@code entries} positions in; returns its first position. */
  private long appended(PendingBatch p, int entries) {
    long position = nextPosition;
    NEXT_POSITION.setRelease(this, position + entries);
    p.count += entries;
    if (p.count == entries) {
      p.firstAppendNanos = System.nanoTime(); // the group commit delay and the commit latency
      wakeCommitter();
    } else if (p.remaining() < RecordDescriptor.SIGNAL_LENGTH) {
      wakeCommitter();
    }
    return position;
  }

  /**
   * Returns the pending batch once it has room for {@code length} bytes, if the fence lets the
   * append in; monitor held.
   */
  private PendingBatch reserve(int length, long leaderEpoch) {
    lifecycle.checkOpen();
    fence(leaderEpoch);
    feed.local(nextPosition);
    PendingBatch p = pending;
    return p.remaining() >= length ? p : awaitRoom(length, leaderEpoch);
  }

  /**
   * Refuses a fenced append unless this log leads in {@code leaderEpoch} and is still at that epoch
   * (monitor held, so leadership cannot change between this check and the append).
   */
  private void fence(long leaderEpoch) {
    if (leaderEpoch != ShardLog.ANY_EPOCH && (leaderEpoch != leading || leaderEpoch != epoch)) {
      throw new FencedAppendException(shard, leaderEpoch, epoch, leading);
    }
  }

  /**
   * Waits, holding the monitor, until the commit thread swaps in an empty buffer; the fence is
   * checked again after every wait (leadership may change while the monitor is released).
   */
  private PendingBatch awaitRoom(int length, long leaderEpoch) {
    long deadline = roomWaits.deadline();
    while (true) {
      if (!roomWaits.await(deadline)) {
        throw roomWaits.timedOut(
            "pending buffer full ("
                + pending.payloadBytes()
                + " of "
                + config.maxBatchBytes()
                + " bytes pending)");
      }
      lifecycle.checkOpen();
      fence(leaderEpoch);
      feed.local(nextPosition);
      if (pending.remaining() >= length) {
        return pending;
      }
    }
  }

  /** Unparks the commit thread if it is parked or about to park; monitor held. */
  private void wakeCommitter() {
    if (committerParked) {
      committerParked = false;
      LockSupport.unpark(committer);
    }
  }

  /**
   * Waits until a batch should close, then swaps the pending buffer with {@code spare}. Commit
   * thread only.
   *
   * @return the batch to commit (its trigger, epoch and {@code roomWanted} set), or null when the
   *     thread should stop
   */
  PendingBatch takeBatch(PendingBatch spare) throws InterruptedException {
    while (true) {
      long parkNanos;
      synchronized (lock) {
        if (lifecycle.failed()) {
          return null;
        }
        PendingBatch p = pending;
        boolean closing = !lifecycle.open();
        long now = p.count > 0 && policy.usesDelay() ? System.nanoTime() : 0L;
        CommitTrigger trigger =
            p.replicated
                ? CommitTrigger.REPLICATED
                : policy.decide(
                    p.count, p.payloadBytes(), roomWaits.any(), closing, p.firstAppendNanos, now);
        if (trigger != CommitTrigger.NONE) {
          p.trigger = trigger;
          if (!p.replicated) {
            p.epoch = epoch;
            if (p.count > 0) {
              recordsEpoch = epoch;
            }
          }
          p.roomWanted = roomWanted;
          roomWanted = false;
          spare.reset(nextPosition);
          pending = spare;
          if (roomWaits.any()) {
            lock.notifyAll();
          }
          return p;
        }
        if (closing) {
          return null;
        }
        committerParked = true;
        parkNanos = p.count == 0 ? 0 : policy.nanosUntilDue(p.firstAppendNanos, now);
      }
      if (parkNanos == 0) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, parkNanos);
      }
      if (Thread.interrupted()) {
        throw new InterruptedException("commit thread of shard " + shard + " interrupted");
      }
    }
  }

  /**
   * Stops the shard: appends fail from now on and waiting appenders wake up.
   *
   * @return true if this was the first failure
   */
  boolean stop(StorageException cause) {
    synchronized (lock) {
      if (!lifecycle.fail(cause)) {
        return false;
      }
      lock.notifyAll();
      wakeCommitter(); // a failure on another thread (truncateFrom): let the commit thread exit
      return true;
    }
  }

  /** Refuses further appends and lets the commit thread drain what is pending, then exit. */
  void beginClose() {
    synchronized (lock) {
      lifecycle.beginClose();
      lock.notifyAll();
      wakeCommitter();
    }
  }

  void closed() {
    synchronized (lock) {
      lifecycle.closed();
    }
  }
}
