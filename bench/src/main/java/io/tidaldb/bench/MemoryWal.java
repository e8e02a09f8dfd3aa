package io.tidaldb.bench;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.api.wal.WriteAheadLog;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;

/**
 * A write-ahead log without I/O, for measuring the store's own costs: each shard keeps its pending
 * records in primitive arrays and "commits" them synchronously, on the caller's thread, when a
 * caller waits for durability or the arrays fill up. Nothing is kept after a commit, so a store
 * over it holds only its own state (see {@link StateFootprint}). Starts empty; recovery replays
 * nothing.
 *
 * <p>Optionally rewrites the origin replica of signal records, cycling through a list, to simulate
 * signals that several regions accepted and replication delivered.
 */
final class MemoryWal implements WriteAheadLog {
  private final MemoryShardLog[] shards;

  /**
   * Creates the log.
   *
   * @param shardCount the shard count
   * @param capacity records per shard before an append commits the pending ones itself
   * @param origins replica ids to stamp on signal records in turn, or null to keep the caller's
   */
  MemoryWal(int shardCount, int capacity, int[] origins) {
    shards = new MemoryShardLog[shardCount];
    for (int i = 0; i < shardCount; i++) {
      shards[i] = new MemoryShardLog(i, capacity, origins);
    }
  }

  @Override
  public int shardCount() {
    return shards.length;
  }

  @Override
  public ShardLog shard(int shard) {
    return shards[shard];
  }

  /** Commits what every shard holds. */
  void flush() {
    for (MemoryShardLog s : shards) {
      s.flush();
    }
  }

  @Override
  public void close() {
    flush();
  }

  /** One shard: the log, the batch view and the record cursor in one object. Thread-safe. */
  private static final class MemoryShardLog implements ShardLog, WalBatch, RecordCursor {
    private final int shard;
    private final int[] origins;
    private final byte[] kinds;
    private final int[] series;
    private final long[] entities;
    private final double[] weights;
    private final long[] eventTimes;
    private final long[] hlcs;
    private final int[] originOf;
    private final String[] tenants;
    private final String[] types;
    private CommitListener listener;
    private long epoch;
    private long leading = ANY_EPOCH;
    private long lastEpoch;
    private long durable;
    private int count;
    private int nextOrigin;
    private int cursor;

    MemoryShardLog(int shard, int capacity, int[] origins) {
      this.shard = shard;
      this.origins = origins;
      kinds = new byte[capacity];
      series = new int[capacity];
      entities = new long[capacity];
      weights = new double[capacity];
      eventTimes = new long[capacity];
      hlcs = new long[capacity];
      originOf = new int[capacity];
      tenants = new String[capacity];
      types = new String[capacity];
    }

    @Override
    public int shard() {
      return shard;
    }

    @Override
    public synchronized long epoch() {
      return epoch;
    }

    @Override
    public synchronized void advanceEpoch(long newEpoch) {
      if (newEpoch < epoch) {
        throw new InvalidArgumentException("epoch", newEpoch, "must not go below " + epoch);
      }
      epoch = newEpoch;
    }

    @Override
    public synchronized void startLeading(long newEpoch) {
      advanceEpoch(newEpoch);
      leading = newEpoch;
    }

    @Override
    public synchronized void stopLeading() {
      leading = ANY_EPOCH;
    }

    @Override
    public synchronized long appendSignal(
        long leaderEpoch,
        int seriesId,
        long entity,
        double weight,
        long eventTimeMillis,
        long hlc,
        int origin) {
      fence(leaderEpoch);
      return appendSignal(seriesId, entity, weight, eventTimeMillis, hlc, origin);
    }

    @Override
    public synchronized long appendDefine(
        long leaderEpoch, int seriesId, String tenant, String type) {
      fence(leaderEpoch);
      return appendDefine(seriesId, tenant, type);
    }

    private void fence(long leaderEpoch) {
      if (leaderEpoch != ANY_EPOCH && (leaderEpoch != leading || leaderEpoch != epoch)) {
        throw new FencedAppendException(shard, leaderEpoch, epoch, leading);
      }
    }

    @Override
    public long startPosition() {
      return 0;
    }

    @Override
    public synchronized long nextPosition() {
      return durable + count;
    }

    @Override
    public synchronized long durablePosition() {
      return durable;
    }

    @Override
    public synchronized long appendSignal(
        int seriesId, long entity, double weight, long eventTimeMillis, long hlc, int origin) {
      int i = slot();
      kinds[i] = WalRecordKind.SIGNAL;
      series[i] = seriesId;
      entities[i] = entity;
      weights[i] = weight;
      eventTimes[i] = eventTimeMillis;
      hlcs[i] = hlc;
      if (origins == null) {
        originOf[i] = origin;
      } else {
        originOf[i] = origins[nextOrigin];
        nextOrigin = (nextOrigin + 1) % origins.length;
      }
      return durable + count++;
    }

    @Override
    public long appendReplicated(ByteBuffer batch) {
      throw new InvalidArgumentException(
          "batch",
          batch == null ? null : batch.remaining() + " bytes",
          "the memory log of shard " + shard + " takes no replicated batches");
    }

    @Override
    public synchronized long appendDefine(int seriesId, String tenant, String type) {
      int i = slot();
      kinds[i] = WalRecordKind.DEFINE;
      series[i] = seriesId;
      tenants[i] = tenant;
      types[i] = type;
      return durable + count++;
    }

    private int slot() {
      if (count == kinds.length) {
        flush();
      }
      return count;
    }

    @Override
    public synchronized void awaitDurable(long position, long timeoutNanos) {
      if (position >= durable) {
        flush();
      }
    }

    @Override
    public synchronized CompletableFuture<Void> whenDurable(long position) {
      awaitDurable(position, 0);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized void setCommitListener(CommitListener listener) {
      this.listener = listener;
    }

    @Override
    public void setDurabilityListener(LongConsumer listener) {
      throw new UnsupportedOperationException(
          "the in-memory log of StoreApplyBenchmark is not replicated");
    }

    @Override
    public WalReader openReader(long fromPosition) {
      return new WalReader() {
        @Override
        public WalBatch next() {
          return null;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public synchronized long endOfEpoch(long ofEpoch) {
      return durable; // every kept record is gone after its commit: no batch of a later epoch
    }

    @Override
    public synchronized long lastEpoch() {
      return lastEpoch;
    }

    @Override
    public synchronized long truncateFrom(long position) {
      if (position != durable || count != 0) {
        throw new InvalidArgumentException(
            "position",
            position,
            "the memory log of shard "
                + shard
                + " keeps no records to cut (durable "
                + durable
                + ", pending "
                + count
                + ")");
      }
      return 0;
    }

    @Override
    public int truncateBefore(long position) {
      return 0;
    }

    synchronized void flush() {
      if (count == 0) {
        return;
      }
      if (listener != null) {
        cursor = -1;
        listener.onCommit(this);
      }
      for (int i = 0; i < count; i++) {
        tenants[i] = null;
        types[i] = null;
      }
      durable += count;
      lastEpoch = epoch;
      count = 0;
    }

    // WalBatch: the pending records, valid during onCommit.

    @Override
    public long firstPosition() {
      return durable;
    }

    @Override
    public int recordCount() {
      return count;
    }

    @Override
    public long hlcMin() {
      long min = Long.MAX_VALUE;
      for (int i = 0; i < count; i++) {
        if (kinds[i] == WalRecordKind.SIGNAL) {
          min = Math.min(min, hlcs[i]);
        }
      }
      return min == Long.MAX_VALUE ? 0 : min;
    }

    @Override
    public long hlcMax() {
      long max = 0;
      for (int i = 0; i < count; i++) {
        max = Math.max(max, hlcs[i]);
      }
      return max;
    }

    @Override
    public ByteBuffer bytes() {
      throw new UnsupportedOperationException("the memory log keeps no bytes");
    }

    @Override
    public RecordCursor records() {
      cursor = -1;
      return this;
    }

    // RecordCursor

    @Override
    public boolean next() {
      return ++cursor < count;
    }

    @Override
    public long position() {
      return durable + cursor;
    }

    @Override
    public byte kind() {
      return kinds[cursor];
    }

    @Override
    public int seriesId() {
      return series[cursor];
    }

    @Override
    public long entity() {
      return entities[cursor];
    }

    @Override
    public double weight() {
      return weights[cursor];
    }

    @Override
    public long eventTimeMillis() {
      return eventTimes[cursor];
    }

    @Override
    public long hlc() {
      return hlcs[cursor];
    }

    @Override
    public int origin() {
      return originOf[cursor];
    }

    @Override
    public String tenantName() {
      return tenants[cursor];
    }

    @Override
    public String typeName() {
      return types[cursor];
    }
  }
}
