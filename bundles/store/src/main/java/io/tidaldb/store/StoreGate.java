package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The checks a store call makes before its own: that the store is open ({@link
 * SignalStoreEngine#close} and {@link SignalStoreEngine#halt} close it, once; every call after
 * fails with {@link UnavailableException}), and that a shard number names one of its shards.
 * Thread-safe: one atomic flag, read without a lock and without allocating.
 */
final class StoreGate {
  private final RegionId region;
  private final int shardCount;
  private final AtomicBoolean closed = new AtomicBoolean();

  StoreGate(RegionId region, int shardCount) {
    this.region = region;
    this.shardCount = shardCount;
  }

  /**
   * Closes the store to calls.
   *
   * @return true for the one call that closed it (also when two threads close at once)
   */
  boolean close() {
    return closed.compareAndSet(false, true);
  }

  /** Whether the store is closed. */
  boolean isClosed() {
    return closed.get();
  }

  /**
   * Fails if the store is closed.
   *
   * @throws UnavailableException naming the region
   */
  void checkOpen() {
    if (closed.get()) {
      throw new UnavailableException("store of " + region + " is closed");
    }
  }

  /**
   * Fails unless {@code shard} is one of the store's shards.
   *
   * @throws InvalidArgumentException naming the shard and the range
   */
  void checkShard(int shard) {
    if (shard < 0 || shard >= shardCount) {
      throw new InvalidArgumentException("shard", shard, "must be in 0.." + (shardCount - 1));
    }
  }
}
