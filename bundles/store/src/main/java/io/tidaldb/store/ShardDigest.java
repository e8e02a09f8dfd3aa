package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.CrdtSignalState;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * One shard's reconciliation digests: per tenant {@link ReconcileState#BUCKETS} bucket sums of
 * entity hashes ({@link ReconcileHashes}), the number of entities with state, and, once the tenant
 * holds {@link #SEGMENT_DIGESTS_FROM} entities in the shard, the {@link ReconcileState#SEGMENTS}
 * segment sums below the buckets; all kept incrementally as the state changes.
 *
 * <p>Guarded by the shard's lock: every change under the write lock (the commit thread's apply,
 * {@link ShardReconcile#merge}, {@link #rebuild} after recovery, a cut or a snapshot install),
 * reads under the read lock. Per signal the commit thread calls {@link #before} and {@link #after}
 * around the state's change: no map lookup and no allocation (each series id caches its tenant's
 * digests and its type's hash; the cache is checked by the identity of the registry's series, so a
 * registry replaced by an install or a cut that unbound a series rebinds it). The hash before the
 * change is not computed: the state's slot in the {@link EntityStateMap} keeps its content hash
 * from the last update (the state {@link EntityStateMap#getOrCreate} just returned), and {@link
 * #after} stores the new one there and indexes the slot under its segment.
 *
 * <p>Segment digests cost 512 KiB per (shard, tenant), so a small tenant goes without: its segment
 * digests are summed from the index when asked ({@link ShardReconcile#segmentDigests}), which costs
 * as much as its entities in the chosen buckets. When the tenant's count reaches the threshold, the
 * commit thread sums them once from a scan of the shard (about 1 ms per 100,000 entries).
 */
final class ShardDigest {
  /** Entities of a (shard, tenant) from which its segment digests are kept. */
  static final int SEGMENT_DIGESTS_FROM = 32_768;

  /**
   * One tenant's digests in the shard: its bucket sums until it keeps segment sums, from then on
   * only those (a signal updates one array; {@link #copy} sums the buckets).
   */
  static final class TenantDigest {
    final long[] buckets = new long[ReconcileState.BUCKETS];
    long[] segments;
    int entities;

    /** The tenant's state bytes in the shard ({@link #stateBytes}). */
    long bytes;

    /** The tenant's state bytes over every shard sharing {@link TenantBytes}. */
    LongAdder total;
  }

  /**
   * The bytes a snapshot writes for one state: its entry prefix and canonical encoding, 0 for an
   * empty state (counted like {@link TenantDigest#entities}).
   */
  static long stateBytes(CrdtSignalState state) {
    return state.isEmpty() ? 0 : SnapshotDescriptor.ENTRY_PREFIX_LENGTH + state.encodedLength();
  }

  private final EntityStateMap map;
  private final int segmentsFrom;

  /** The shard's top-K indexes, kept by the same hooks ({@link TopIndexes}). */
  private final TopIndexes tops = new TopIndexes();

  private final Map<TenantId, TenantDigest> byTenant = new HashMap<>();
  private TenantBytes totals = new TenantBytes();
  private SeriesRegistry.Series[] bound = new SeriesRegistry.Series[16];
  private TenantDigest[] tenantOf = new TenantDigest[16];
  private long[] typeHashOf = new long[16];

  private TenantDigest pending;
  private SeriesRegistry.Series pendingSeries;
  private long pendingEntity;
  private long pendingKey;
  private long pendingBefore;
  private long pendingContent;
  private long pendingBytes;
  private int pendingSlot;

  ShardDigest(EntityStateMap map) {
    this(map, SEGMENT_DIGESTS_FROM);
  }

  /** With another threshold for segment digests (tests). */
  ShardDigest(EntityStateMap map, int segmentsFrom) {
    this.map = map;
    this.segmentsFrom = segmentsFrom;
  }

  /** Entities of a (shard, tenant) from which this digest keeps its segment digests. */
  int segmentsFrom() {
    return segmentsFrom;
  }

  /**
   * Records the entity's hash before a change of its state; call {@link #after} once it changed
   * (which also takes the new state into the series' top-K index).
   */
  void before(SeriesRegistry.Series series, long entity, CrdtSignalState state) {
    int id = series.id();
    if (id >= bound.length || bound[id] != series) {
      bind(series);
    }
    pending = tenantOf[id];
    pendingSeries = series;
    pendingEntity = entity;
    pendingKey = ReconcileHashes.keyHash(typeHashOf[id], entity);
    pendingSlot = map.slotOf(state);
    long content = pendingSlot >= 0 ? map.hashAt(pendingSlot) : EntityStateMap.contentHashOf(state);
    pendingContent = content;
    // as the hash: an entity new here (a merge inserts the incoming state itself) had no bytes
    pendingBytes = content == 0 ? 0 : stateBytes(state);
    pendingBefore = ReconcileHashes.entityHash(pendingKey, content);
  }

  /**
   * Adds the change of the entity's hash since {@link #before} to its bucket and segment.
   *
   * @return whether the entity's hash changed
   */
  boolean after(CrdtSignalState state) {
    tops.changed(pendingSeries, pendingEntity, state);
    long content = EntityStateMap.contentHashOf(state);
    int segment = ReconcileHashes.segment(pendingKey);
    if (pendingSlot >= 0) {
      map.setHash(pendingSlot, content);
      if (pendingContent == 0 && content != 0) {
        map.index(pendingSlot, segment); // the only change that may need a link
      }
    }
    long now = ReconcileHashes.entityHash(pendingKey, content);
    long delta = now - pendingBefore;
    TenantDigest t = pending;
    if (t.segments != null) {
      t.segments[segment] += delta; // the buckets are their sums (copy)
    } else {
      t.buckets[ReconcileHashes.bucket(pendingKey)] += delta;
    }
    if (pendingBefore == 0 && now != 0) {
      if (++t.entities == segmentsFrom && t.segments == null) {
        t.segments = new long[ReconcileState.SEGMENTS];
        sumSegments(t);
      }
    } else if (pendingBefore != 0 && now == 0) {
      t.entities--;
    }
    long bytes = stateBytes(state) - pendingBytes;
    if (bytes != 0) {
      t.bytes += bytes;
      t.total.add(bytes);
    }
    return now != pendingBefore;
  }

  /**
   * Recomputes every digest and count, every slot's kept hash, the segment index and the top-K
   * indexes from the state (after recovery, a cut or an install).
   */
  void rebuild(SeriesRegistry registry, EntityStateMap states) {
    for (TenantDigest t : byTenant.values()) {
      t.total.add(-t.bytes); // this shard's share, counted again below
    }
    byTenant.clear();
    Arrays.fill(bound, null);
    states.clearIndex();
    states.forEachSlot(
        (slot, id, entity, state) -> {
          long content = EntityStateMap.contentHashOf(state);
          SeriesRegistry.Series series = registry.get(id);
          if (series == null) {
            states.keepHash(slot, content);
            return;
          }
          if (id >= bound.length || bound[id] != series) {
            bind(series);
          }
          long key = ReconcileHashes.keyHash(typeHashOf[id], entity);
          states.setHash(slot, content);
          if (content != 0) {
            states.index(slot, ReconcileHashes.segment(key));
          }
          long hash = ReconcileHashes.entityHash(key, content);
          TenantDigest t = tenantOf[id];
          t.buckets[ReconcileHashes.bucket(key)] += hash;
          if (hash != 0) {
            t.entities++;
          }
          long bytes = stateBytes(state);
          if (bytes != 0) {
            t.bytes += bytes;
            t.total.add(bytes);
          }
        });
    boolean any = false;
    for (TenantDigest t : byTenant.values()) {
      if (t.entities >= segmentsFrom) {
        t.segments = new long[ReconcileState.SEGMENTS];
        any = true;
      }
    }
    if (any) {
      sumSegments(null);
    }
    tops.rebuild(registry, states);
  }

  /** Returns the shard's top-K indexes (lock held: read for queries, write for changes). */
  TopIndexes tops() {
    return tops;
  }

  /**
   * Adds every entity's hash into the segment digests just made (all zero) of {@code only}, or of
   * every tenant that keeps them if null: one scan of the shard's kept hashes.
   */
  private void sumSegments(TenantDigest only) {
    long[][] fresh = new long[tenantOf.length][];
    for (int id = 0; id < bound.length; id++) {
      TenantDigest t = tenantOf[id];
      if (bound[id] != null && t.segments != null && (only == null || t == only)) {
        fresh[id] = t.segments;
      }
    }
    map.forEachHash(
        (id, entity, content) -> {
          if (id < fresh.length && fresh[id] != null) {
            long key = ReconcileHashes.keyHash(typeHashOf[id], entity);
            fresh[id][ReconcileHashes.segment(key)] += ReconcileHashes.entityHash(key, content);
          }
        });
  }

  /**
   * Copies a tenant's bucket digests into {@code into} (zeros if it has none); where segment
   * digests are kept, each bucket's is the sum of its segments' (65,536 additions).
   */
  void copy(TenantId tenant, long[] into) {
    TenantDigest t = byTenant.get(tenant);
    if (t == null) {
      Arrays.fill(into, 0L);
    } else if (t.segments == null) {
      System.arraycopy(t.buckets, 0, into, 0, t.buckets.length);
    } else {
      for (int b = 0; b < ReconcileState.BUCKETS; b++) {
        long sum = 0;
        for (int g = b * ReconcileState.SEGMENTS_PER_BUCKET;
            g < (b + 1) * ReconcileState.SEGMENTS_PER_BUCKET;
            g++) {
          sum += t.segments[g];
        }
        into[b] = sum;
      }
    }
  }

  /** A tenant's digests, or null if it holds no state in the shard. */
  TenantDigest of(TenantId tenant) {
    return byTenant.get(tenant);
  }

  /**
   * Counts this shard's state bytes into {@code shared} from now on (the store's totals over every
   * shard), moving what was counted so far; under the shard's write lock or before it is used.
   */
  void shareTotals(TenantBytes shared) {
    for (Map.Entry<TenantId, TenantDigest> e : byTenant.entrySet()) {
      TenantDigest t = e.getValue();
      t.total.add(-t.bytes);
      t.total = shared.of(e.getKey());
      t.total.add(t.bytes);
    }
    totals = shared;
  }

  private void bind(SeriesRegistry.Series series) {
    int id = series.id();
    if (id >= bound.length) {
      int length = Math.max(id + 1, bound.length * 2);
      bound = Arrays.copyOf(bound, length);
      tenantOf = Arrays.copyOf(tenantOf, length);
      typeHashOf = Arrays.copyOf(typeHashOf, length);
    }
    bound[id] = series;
    tenantOf[id] =
        byTenant.computeIfAbsent(
            series.tenant(),
            tenant -> {
              TenantDigest t = new TenantDigest();
              t.total = totals.of(tenant);
              return t;
            });
    typeHashOf[id] = ReconcileHashes.typeHash(series.type().name());
  }
}
