package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.CrdtSignalState;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One shard's reconciliation digests: per tenant {@link ReconcileState#BUCKETS} bucket sums of
 * entity hashes ({@link ReconcileHashes}), kept incrementally as the state changes.
 *
 * <p>Guarded by the shard's lock: every change under the write lock (the commit thread's apply,
 * {@link ShardReconcile#merge}, {@link #rebuild} after recovery, a cut or a snapshot install),
 * reads under the read lock. Per signal the commit thread calls {@link #before} and {@link #after}
 * around the state's change: no map lookup and no allocation (each series id caches its tenant's
 * buckets and its type's hash; the cache is checked by the identity of the registry's series, so a
 * registry replaced by an install or a cut that unbound a series rebinds it). The hash before the
 * change is not computed: the state's slot in the {@link EntityStateMap} keeps its content hash
 * from the last update (the state {@link EntityStateMap#getOrCreate} just returned), and {@link
 * #after} stores the new one there.
 */
final class ShardDigest {
  private final EntityStateMap map;
  private final Map<TenantId, long[]> byTenant = new HashMap<>();
  private SeriesRegistry.Series[] bound = new SeriesRegistry.Series[16];
  private long[][] bucketsOf = new long[16][];
  private long[] typeHashOf = new long[16];

  private long[] pendingBuckets;
  private long pendingKey;
  private long pendingBefore;
  private int pendingSlot;

  ShardDigest(EntityStateMap map) {
    this.map = map;
  }

  /**
   * Records the entity's hash before a change of its state; call {@link #after} once it changed.
   */
  void before(SeriesRegistry.Series series, long entity, CrdtSignalState state) {
    int id = series.id();
    if (id >= bound.length || bound[id] != series) {
      bind(series);
    }
    pendingBuckets = bucketsOf[id];
    pendingKey = ReconcileHashes.keyHash(typeHashOf[id], entity);
    pendingSlot = map.slotOf(state);
    long content = pendingSlot >= 0 ? map.hashAt(pendingSlot) : EntityStateMap.contentHashOf(state);
    pendingBefore = ReconcileHashes.entityHash(pendingKey, content);
  }

  /**
   * Adds the change of the entity's hash since {@link #before} to its bucket.
   *
   * @return whether the entity's hash changed
   */
  boolean after(CrdtSignalState state) {
    long content = EntityStateMap.contentHashOf(state);
    if (pendingSlot >= 0) {
      map.setHash(pendingSlot, content);
    }
    long now = ReconcileHashes.entityHash(pendingKey, content);
    pendingBuckets[ReconcileHashes.bucket(pendingKey)] += now - pendingBefore;
    return now != pendingBefore;
  }

  /**
   * Recomputes every digest, and every slot's kept hash, from the state (after recovery, a cut or
   * an install).
   */
  void rebuild(SeriesRegistry registry, EntityStateMap states) {
    byTenant.clear();
    Arrays.fill(bound, null);
    states.rehashAll();
    states.forEachHash(
        (id, entity, content) -> {
          SeriesRegistry.Series series = registry.get(id);
          if (series != null) {
            add(series, entity, content);
          }
        });
  }

  /** Adds an entity's hash to its bucket (rebuild). */
  private void add(SeriesRegistry.Series series, long entity, long content) {
    int id = series.id();
    if (id >= bound.length || bound[id] != series) {
      bind(series);
    }
    long key = ReconcileHashes.keyHash(typeHashOf[id], entity);
    bucketsOf[id][ReconcileHashes.bucket(key)] += ReconcileHashes.entityHash(key, content);
  }

  /** Copies a tenant's digests into {@code into} (zeros if it has none). */
  void copy(TenantId tenant, long[] into) {
    long[] buckets = byTenant.get(tenant);
    if (buckets == null) {
      Arrays.fill(into, 0L);
    } else {
      System.arraycopy(buckets, 0, into, 0, buckets.length);
    }
  }

  private void bind(SeriesRegistry.Series series) {
    int id = series.id();
    if (id >= bound.length) {
      int length = Math.max(id + 1, bound.length * 2);
      bound = Arrays.copyOf(bound, length);
      bucketsOf = Arrays.copyOf(bucketsOf, length);
      typeHashOf = Arrays.copyOf(typeHashOf, length);
    }
    bound[id] = series;
    bucketsOf[id] =
        byTenant.computeIfAbsent(series.tenant(), t -> new long[ReconcileState.BUCKETS]);
    typeHashOf[id] = ReconcileHashes.typeHash(series.type().name());
  }
}
