package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.wal.RecordDescriptor;
import io.tidaldb.wal.SessionPartDescriptor;
import io.tidaldb.wal.SimPartRecords;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * A deterministic in-memory {@link ShardLog} of one shard of one simulated region, honouring the
 * contract the replication uses: signal, session signal ({@code SIGNAL_S}) and session batch part
 * ({@code SIGNAL_BATCH_S}, one position per signal) records in the real record format, fenced
 * appends ({@link #startLeading}, {@link #stopLeading}), one feed at a time, {@link
 * #tryAppendReplicated} answering {@link #BUSY} while a replicated batch is pending and waking the
 * caller through the durability listener after the swap, readers of durable batches in the real
 * batch format, {@link #endOfEpoch}, {@link #truncateFrom}.
 *
 * <p>Its commit thread is the simulation: each {@link #commitStep} either fsyncs what was written
 * (the commit listener gets each batch, then {@link #durablePosition} moves, then the durability
 * listener runs) or swaps the pending records out as one batch and writes it (not yet durable).
 * {@link #recover} is a restart after a crash (written bytes survive, as a killed process's page
 * cache does) or a power loss (only fsynced batches survive). Single-threaded.
 */
final class SimLog implements ShardLog {
  static final int MAX_BATCH_BYTES = 16 * 1024;

  private final int shard;
  private final List<SimBatch> batches; // written; the first `durable` of them are fsynced
  private int durable;
  private long durablePosition;
  private long nextPosition;
  private long epoch;
  private long leading = ANY_EPOCH;
  private long recordsEpoch;
  private final ByteBuffer pending =
      ByteBuffer.allocate(MAX_BATCH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private int pendingCount;
  private SimBatch pendingReplicated;
  private boolean fedReplicated;
  private boolean roomWanted;
  private int generation; // a cut invalidates readers
  private CommitListener commitListener;
  private LongConsumer durabilityListener;

  SimLog(int shard) {
    this(shard, new ArrayList<>());
  }

  private SimLog(int shard, List<SimBatch> recovered) {
    this.shard = shard;
    this.batches = recovered;
    this.durable = recovered.size();
    this.durablePosition = recovered.isEmpty() ? 0 : recovered.get(recovered.size() - 1).end();
    this.nextPosition = durablePosition;
    this.recordsEpoch = lastEpoch();
    this.epoch = recordsEpoch;
  }

  /** The log a restarted process opens: what was written (crash) or fsynced (power loss). */
  SimLog recover(boolean powerLoss) {
    int keep = powerLoss ? durable : batches.size();
    return new SimLog(shard, new ArrayList<>(batches.subList(0, keep)));
  }

  /** How many batches were written but are not fsynced yet. */
  int unsynced() {
    return batches.size() - durable;
  }

  /** Whether nothing is pending or unsynced. */
  boolean settled() {
    return nextPosition == durablePosition && unsynced() == 0;
  }

  /** The durable batches (the simulation's checker). */
  List<SimBatch> durableBatches() {
    return List.copyOf(batches.subList(0, durable));
  }

  /**
   * One step of the commit thread: fsync the written batches, or else swap the pending records (or
   * replicated batch) out and write them.
   *
   * @return whether it did anything
   */
  boolean commitStep() {
    if (durable < batches.size()) {
      while (durable < batches.size()) {
        SimBatch b = batches.get(durable++);
        if (commitListener != null) {
          commitListener.onCommit(b);
        }
        durablePosition = b.end();
      }
      if (durabilityListener != null) {
        durabilityListener.accept(durablePosition);
      }
      return true;
    }
    SimBatch b = pendingReplicated;
    if (b == null && pendingCount > 0) {
      long first = nextPosition - pendingCount;
      b = SimBatch.seal(shard, epoch, first, pendingCount, pending, pending.position());
      recordsEpoch = epoch;
    }
    if (b == null) {
      return false;
    }
    batches.add(b);
    pendingReplicated = null;
    pendingCount = 0;
    pending.clear();
    if (roomWanted && durabilityListener != null) {
      roomWanted = false;
      durabilityListener.accept(durablePosition);
    }
    return true;
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
    if (newEpoch < epoch) {
      throw new InvalidArgumentException("epoch", newEpoch, "below the current epoch " + epoch);
    }
    epoch = newEpoch;
  }

  @Override
  public void startLeading(long newEpoch) {
    advanceEpoch(newEpoch);
    leading = newEpoch;
  }

  @Override
  public void stopLeading() {
    leading = ANY_EPOCH;
  }

  @Override
  public long startPosition() {
    return 0;
  }

  @Override
  public long nextPosition() {
    return nextPosition;
  }

  @Override
  public long durablePosition() {
    return durablePosition;
  }

  @Override
  public long appendSignal(
      int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin) {
    return appendSignal(ANY_EPOCH, seriesId, entity, weight, eventTimeMillis, hlc, origin);
  }

  @Override
  public long appendSignal(
      long leaderEpoch,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin) {
    int at = reserve(leaderEpoch, RecordDescriptor.SIGNAL_LENGTH);
    RecordDescriptor.writeSignal(
        pending, at, seriesId, entity, weight, eventTimeMillis, hlc, origin);
    pending.position(at + RecordDescriptor.SIGNAL_LENGTH);
    pendingCount++;
    return nextPosition++;
  }

  @Override
  public long appendSessionSignal(
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
    if (session == null || durability == null) {
      throw new InvalidArgumentException("session", session, "and durability must not be null");
    }
    int at =
        reserve(
            leaderEpoch, RecordDescriptor.sessionSignalLength(session.seq(), session.ackedBelow()));
    int length =
        RecordDescriptor.writeSessionSignal(
            pending,
            at,
            seriesId,
            entity,
            weight,
            eventTimeMillis,
            hlc,
            origin,
            session,
            payloadHash,
            durability);
    pending.position(at + length);
    pendingCount++;
    return nextPosition++;
  }

  /**
   * A session batch's part as one {@code SIGNAL_BATCH_S} record in the WAL's own bytes ({@link
   * SimPartRecords}, the real {@code SessionPartDescriptor}), one position per signal.
   */
  @Override
  public long appendSessionPart(
      long leaderEpoch,
      SignalPart part,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    int length = SimPartRecords.checkedLength(part, session, durability, maxPartSignals());
    int at = reserve(leaderEpoch, length);
    SimPartRecords.write(pending, at, part, origin, session, payloadHash, durability);
    pending.position(at + length);
    pendingCount += part.size();
    nextPosition += part.size();
    return nextPosition - 1;
  }

  @Override
  public int maxPartSignals() {
    return SessionPartDescriptor.maxSignals(MAX_BATCH_BYTES);
  }

  /** Checks a local append of {@code length} bytes (fence, feed, room); where it goes. */
  private int reserve(long leaderEpoch, int length) {
    if (leaderEpoch != ANY_EPOCH && (leaderEpoch != leading || leaderEpoch != epoch)) {
      throw new FencedAppendException(shard, leaderEpoch, epoch, leading);
    }
    if (fedReplicated) {
      if (nextPosition != durablePosition) {
        throw new InvalidArgumentException("append", nextPosition, "replicated records pending");
      }
      fedReplicated = false;
    }
    if (pending.remaining() < length) {
      throw new UnavailableException("shard " + shard + ": pending buffer full", false, null);
    }
    return pending.position();
  }

  @Override
  public long appendDefine(int seriesId, String tenant, String type) {
    throw new UnsupportedOperationException("the simulation writes signals only");
  }

  @Override
  public long appendDefine(long leaderEpoch, int seriesId, String tenant, String type) {
    throw new UnsupportedOperationException("the simulation writes signals only");
  }

  @Override
  public long appendReplicated(ByteBuffer batch) {
    long end = tryAppendReplicated(batch);
    if (end == BUSY) {
      throw new UnavailableException("shard " + shard + ": a replicated batch is pending");
    }
    return end;
  }

  @Override
  public long tryAppendReplicated(ByteBuffer batch) {
    String[] why = new String[1];
    SimBatch b = SimBatch.check(batch, why);
    if (b == null || b.shard() != shard) {
      throw new InvalidArgumentException("batch", batch, b == null ? why[0] : "of another shard");
    }
    if (b.firstPosition() != nextPosition) {
      throw new InvalidArgumentException(
          "firstPosition", b.firstPosition(), "expected " + nextPosition);
    }
    if (b.epoch() < recordsEpoch) {
      throw new InvalidArgumentException("epoch", b.epoch(), "stale: last is " + recordsEpoch);
    }
    if (!fedReplicated && nextPosition != durablePosition) {
      throw new InvalidArgumentException("batch", nextPosition, "local records pending");
    }
    if (pendingReplicated != null) {
      roomWanted = true;
      return BUSY;
    }
    pendingReplicated = b;
    fedReplicated = true;
    recordsEpoch = b.epoch();
    epoch = Math.max(epoch, b.epoch());
    leading = ANY_EPOCH;
    nextPosition = b.end();
    return nextPosition;
  }

  @Override
  public boolean roomForReplicated() {
    if (pendingReplicated != null) {
      roomWanted = true;
      return false;
    }
    return true;
  }

  @Override
  public void awaitDurable(long position, long timeoutNanos) {
    throw new UnsupportedOperationException("the simulation never waits");
  }

  @Override
  public CompletableFuture<Void> whenDurable(long position) {
    throw new UnsupportedOperationException("the simulation waits through the replication");
  }

  @Override
  public void setCommitListener(CommitListener listener) {
    this.commitListener = listener;
  }

  @Override
  public void setDurabilityListener(LongConsumer listener) {
    this.durabilityListener = listener;
  }

  @Override
  public WalReader openReader(long fromPosition) {
    if (fromPosition < 0 || fromPosition > nextPosition) {
      throw new InvalidArgumentException("fromPosition", fromPosition, "beyond " + nextPosition);
    }
    int index = 0;
    while (index < durable && batches.get(index).end() <= fromPosition) {
      index++;
    }
    return new Reader(index, generation);
  }

  @Override
  public long endOfEpoch(long e) {
    for (int i = 0; i < durable; i++) {
      if (batches.get(i).epoch() > e) {
        return batches.get(i).firstPosition();
      }
    }
    return durablePosition;
  }

  @Override
  public long lastEpoch() {
    return durable == 0 ? 0 : batches.get(durable - 1).epoch();
  }

  @Override
  public long truncateFrom(long position) {
    if (!settled() || position < 0 || position > durablePosition) {
      throw new InvalidArgumentException("position", position, "pending or beyond the log");
    }
    int keep = 0;
    while (keep < durable && batches.get(keep).end() <= position) {
      keep++;
    }
    long at = keep == 0 ? 0 : batches.get(keep - 1).end();
    if (at != position) {
      throw new InvalidArgumentException("position", position, "not a batch boundary");
    }
    long removed = durablePosition - position;
    batches.subList(keep, batches.size()).clear();
    durable = keep;
    durablePosition = position;
    nextPosition = position;
    recordsEpoch = lastEpoch();
    generation++;
    return removed;
  }

  @Override
  public int truncateBefore(long position) {
    return 0; // the model store never trims
  }

  @Override
  public int maxBatchBytes() {
    return MAX_BATCH_BYTES;
  }

  /** A reader of durable batches; a cut invalidates it, as it does the WAL's. */
  private final class Reader implements WalReader {
    private int index;
    private final int opened;

    Reader(int index, int opened) {
      this.index = index;
      this.opened = opened;
    }

    @Override
    public WalBatch next() {
      if (opened != generation) {
        throw new StorageException("shard " + shard + ": the log was cut after this reader opened");
      }
      return index < durable ? batches.get(index++) : null;
    }

    @Override
    public void close() {}
  }
}
