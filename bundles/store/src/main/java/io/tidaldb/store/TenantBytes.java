package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Each tenant's state bytes in this region, summed over the shards: the bytes the next snapshot of
 * each shard writes for the tenant's non-empty states (entry prefix and canonical encoding). Each
 * shard's {@link ShardDigest} adds its changes as the states change (one adder add per changed
 * state's length, on the shard's commit thread); admission reads the sum without a lock. While a
 * shard rebuilds its digests (recovery, a cut, an install, a purge) its share is taken out and
 * counted again, so a reader may briefly see less. Bounded by the tenants ever written here.
 */
final class TenantBytes {
  private final ConcurrentHashMap<TenantId, LongAdder> totals = new ConcurrentHashMap<>();

  /** The tenant's adder, made on the first use (a shard binding a series of the tenant). */
  LongAdder of(TenantId tenant) {
    LongAdder a = totals.get(tenant);
    return a != null ? a : totals.computeIfAbsent(tenant, t -> new LongAdder());
  }

  /** The tenant's state bytes over every shard, 0 if none. */
  long get(TenantId tenant) {
    LongAdder a = totals.get(tenant);
    return a == null ? 0 : a.sum();
  }

  /**
   * The tenant's state bytes over every shard ({@link #get}), never below 0: what its usage reports
   * and its byte quota is checked against.
   */
  long atLeastZero(TenantId tenant) {
    return Math.max(0, get(tenant));
  }
}
