package io.tidaldb.wal;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalReader;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's log: the append side (any thread, under a short lock, encoding straight into the
 * pending direct buffer), the hand-over to the shard's {@link CommitLoop} (double buffering: the
 * commit thread swaps the pending buffer with its spare, so appends go on during the fsync) and the
 * shard's lifecycle (open, closing, failed, closed).
 *
 * <p>Thread-safety: every field marked "guarded" is read and written under {@code lock}; {@code
 * nextPosition} is also published with release semantics for lock-free readers.
 */
final class ShardWal implements ShardLog {
  private static final Logger LOG = LoggerFactory.getLogger(ShardWal.class);
  private static final long CLOSE_JOIN_MILLIS = 10_000;
  private static final VarHandle NEXT_POSITION;

  static {
    try {
      NEXT_POSITION =
          MethodHandles.lookup().findVarHandle(ShardWal.class, "nextPosition", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private enum State {
    OPEN,
    CLOSING,
    FAILED,
    CLOSED
  }

  private final int shard;
  private final WalConfig config;
  private final WalMetrics metrics;
  private final SegmentList segments;
  private final DurabilityTracker durability;
  private final GroupCommitPolicy policy;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Condition room = lock.newCondition();
  private final Thread committer;
  private PendingBatch pending; // guarded
  private long nextPosition; // guarded; released for lock-free reads
  private int roomWaiters; // guarded
  private State state = State.OPEN; // guarded
  private volatile long epoch;
  private volatile StorageException failure;
  private volatile CommitListener listener;

  ShardWal(int shard, WalConfig config, WalMetrics metrics, ShardRecovery recovered)
      throws IOException {
    this.shard = shard;
    this.config = config;
    this.metrics = metrics;
    this.segments =
        new SegmentList(config.directory(), recovered.segments(), recovered.nextPosition());
    this.durability = new DurabilityTracker(shard, recovered.nextPosition());
    this.policy = new GroupCommitPolicy(config.maxBatchBytes(), config.groupCommitDelayNanos());
    this.nextPosition = recovered.nextPosition();
    this.epoch = recovered.epoch();
    this.pending = new PendingBatch(config.maxBatchBytes());
    pending.reset(nextPosition);
    SegmentWriter writer =
        new SegmentWriter(config.directory(), shard, config.segmentBytes(), segments, metrics);
    CommitLoop loop =
        new CommitLoop(this, writer, metrics, new PendingBatch(config.maxBatchBytes()));
    this.committer = new Thread(loop, "tidal-wal-commit-" + shard);
    committer.setDaemon(true);
  }

  void start() {
    committer.start();
  }

  @Override
  public int shard() {
    return shard;
  }

  @Override
  public long epoch() {
    return epoch;
  }

  @Override
  public void advanceEpoch(long newEpoch) {
    lock.lock();
    try {
      if (newEpoch < epoch) {
        throw new InvalidArgumentException(
            "epoch",
            newEpoch,
            "must not be below the current epoch " + epoch + " of shard " + shard);
      }
      epoch = newEpoch;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long startPosition() {
    return segments.startPosition();
  }

  @Override
  public long nextPosition() {
    return (long) NEXT_POSITION.getAcquire(this);
  }

  @Override
  public long durablePosition() {
    return durability.durable();
  }

  @Override
  public long appendSignal(
      int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin) {
    lock.lock();
    try {
      PendingBatch p = reserve(RecordDescriptor.SIGNAL_LENGTH);
      RecordDescriptor.writeSignal(
          p.buffer, p.writeOffset, seriesId, entity, weight, eventTimeMillis, hlc, origin);
      p.writeOffset += RecordDescriptor.SIGNAL_LENGTH;
      p.stamp(hlc);
      return appended(p);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long appendDefine(int seriesId, String tenant, String type) {
    int length = RecordDescriptor.defineLength(tenant, type);
    lock.lock();
    try {
      PendingBatch p = reserve(length);
      p.writeOffset +=
          RecordDescriptor.writeDefine(p.buffer, p.writeOffset, seriesId, tenant, type);
      return appended(p);
    } finally {
      lock.unlock();
    }
  }

  /** Takes the next position and wakes the commit thread on a batch's first record or when full. */
  private long appended(PendingBatch p) {
    long position = nextPosition;
    NEXT_POSITION.setRelease(this, position + 1);
    if (++p.count == 1) {
      if (policy.usesDelay()) {
        p.firstAppendNanos = System.nanoTime();
      }
      work.signal();
    } else if (p.remaining() < RecordDescriptor.SIGNAL_LENGTH) {
      work.signal();
    }
    return position;
  }

  /** Returns the pending batch once it has room for {@code length} bytes; lock held. */
  private PendingBatch reserve(int length) {
    if (state != State.OPEN) {
      throw notOpen();
    }
    PendingBatch p = pending;
    return p.remaining() >= length ? p : awaitRoom(length);
  }

  private PendingBatch awaitRoom(int length) {
    long nanos = TimeUnit.MILLISECONDS.toNanos(config.appendTimeoutMillis());
    roomWaiters++;
    try {
      work.signal();
      while (true) {
        if (state != State.OPEN) {
          throw notOpen();
        }
        if (pending.remaining() >= length) {
          return pending;
        }
        if (nanos <= 0) {
          metrics.appendTimedOut();
          throw new UnavailableException(
              "shard "
                  + shard
                  + ": pending buffer full ("
                  + pending.payloadBytes()
                  + " of "
                  + config.maxBatchBytes()
                  + " bytes pending), no room after waiting "
                  + config.appendTimeoutMillis()
                  + " ms for the commit thread");
        }
        nanos = room.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("shard " + shard + ": interrupted waiting for room", e);
    } finally {
      roomWaiters--;
    }
  }

  private UnavailableException notOpen() {
    if (state == State.FAILED) {
      return new UnavailableException(failure.getMessage(), failure);
    }
    return new UnavailableException("wal closed");
  }

  @Override
  public void awaitDurable(long position, long timeoutNanos) {
    if (position < durability.durable()) {
      return;
    }
    checkAppended(position);
    durability.await(position, timeoutNanos);
  }

  @Override
  public CompletableFuture<Void> whenDurable(long position) {
    if (position < durability.durable()) {
      return CompletableFuture.completedFuture(null);
    }
    checkAppended(position);
    return durability.when(position);
  }

  private void checkAppended(long position) {
    long next = nextPosition();
    if (position < 0 || position >= next) {
      throw new InvalidArgumentException(
          "position", position, "not appended to shard " + shard + " (next position " + next + ")");
    }
  }

  @Override
  public void setCommitListener(CommitListener listener) {
    this.listener = listener;
  }

  @Override
  public WalReader openReader(long fromPosition) {
    long start = startPosition();
    long next = nextPosition();
    if (fromPosition < start || fromPosition > next) {
      throw new InvalidArgumentException(
          "fromPosition",
          fromPosition,
          "must be between startPosition "
              + start
              + " and nextPosition "
              + next
              + " of shard "
              + shard);
    }
    return new ShardReader(shard, segments, fromPosition, config.maxBatchBytes());
  }

  @Override
  public int truncateBefore(long position) {
    long next = nextPosition();
    if (position < 0 || position > next) {
      throw new InvalidArgumentException(
          "position",
          position,
          "must be between 0 and nextPosition " + next + " of shard " + shard);
    }
    int deleted = segments.truncateBefore(position);
    metrics.segmentsDeleted(deleted);
    return deleted;
  }

  CommitListener listener() {
    return listener;
  }

  DurabilityTracker durability() {
    return durability;
  }

  /**
   * Waits until a batch should close, then swaps the pending buffer with {@code spare}.
   *
   * @return the batch to commit, or null when the commit thread should stop
   */
  PendingBatch takeBatch(PendingBatch spare) throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (state == State.FAILED) {
          return null;
        }
        PendingBatch p = pending;
        boolean closing = state != State.OPEN;
        long now = p.count > 0 && policy.usesDelay() ? System.nanoTime() : 0L;
        CommitTrigger trigger =
            policy.decide(
                p.count, p.payloadBytes(), roomWaiters > 0, closing, p.firstAppendNanos, now);
        if (trigger != CommitTrigger.NONE) {
          p.trigger = trigger;
          p.epoch = epoch;
          spare.reset(nextPosition);
          pending = spare;
          if (roomWaiters > 0) {
            room.signalAll();
          }
          return p;
        }
        if (closing) {
          return null;
        }
        if (p.count == 0) {
          work.await();
        } else {
          work.awaitNanos(policy.nanosUntilDue(p.firstAppendNanos, now));
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Stops the log after a write, fsync or listener failure; the first failure wins. */
  void failed(String what, Throwable cause) {
    StorageException stop =
        new StorageException("shard " + shard + ": log stopped: " + what + ": " + cause, cause);
    lock.lock();
    try {
      if (failure != null) {
        return;
      }
      failure = stop;
      if (state == State.OPEN || state == State.CLOSING) {
        state = State.FAILED;
      }
      room.signalAll();
      work.signalAll();
    } finally {
      lock.unlock();
    }
    LOG.error(stop.getMessage(), cause);
    metrics.failed();
    durability.terminate(stop);
  }

  /** Called by the commit thread as it exits: fails whatever still waits. */
  void commitThreadExited() {
    durability.terminate(new UnavailableException("wal closed"));
  }

  void beginClose() {
    lock.lock();
    try {
      if (state == State.OPEN) {
        state = State.CLOSING;
      }
      work.signalAll();
      room.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void awaitClosed() {
    if (Thread.currentThread() != committer) {
      try {
        committer.join(CLOSE_JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (committer.isAlive()) {
        LOG.error(
            "shard {}: commit thread did not stop within {} ms of close; interrupting it",
            shard,
            CLOSE_JOIN_MILLIS);
        committer.interrupt();
      }
    }
    lock.lock();
    try {
      state = State.CLOSED;
    } finally {
      lock.unlock();
    }
  }
}
