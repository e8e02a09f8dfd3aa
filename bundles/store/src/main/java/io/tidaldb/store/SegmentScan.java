package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ReconcileState;
import java.util.BitSet;

/**
 * Visits a tenant's entities of chosen reconciliation segments in one shard, under the shard's read
 * lock (the caller holds it), reading only kept hashes, never a state. It walks the {@link
 * EntityStateMap}'s segment index, one chain per (series, segment), so the cost grows with the
 * entities of those segments; when the walk would cost more than reading the whole table in order
 * (each slot of a walk is a cache miss, a scan streams), the sequential scan is taken instead.
 */
final class SegmentScan {
  /** Receives one entity. */
  @FunctionalInterface
  interface Visitor {
    void visit(long typeHash, String type, long entity, long contentHash);
  }

  /**
   * A walk touches a slot at random per chain head and per entity, about 30 times what a scan pays
   * per slot reading the table in order (bench/RESULTS.md §16); so walk only when the heads and the
   * entities expected in the chosen segments, times 32, stay below the table's slots.
   */
  private static final int RANDOM_PER_SEQUENTIAL = 32;

  private SegmentScan() {}

  /**
   * The walk's cost in scanned slots: (heads + expected entities) x {@link #RANDOM_PER_SEQUENTIAL}.
   */
  private static long walkCost(ShardState s, TenantId tenant, int segments, int tenantSeries) {
    ShardDigest.TenantDigest t = s.digest.of(tenant);
    long entities = t == null ? 0 : (long) segments * t.entities / ReconcileState.SEGMENTS;
    return ((long) segments * tenantSeries + entities) * RANDOM_PER_SEQUENTIAL;
  }

  static void visit(ShardState s, TenantId tenant, BitSet segments, Visitor visitor) {
    SeriesRegistry.Series[] all = s.registry.snapshot();
    int maxId = -1;
    int tenantSeries = 0;
    for (SeriesRegistry.Series series : all) {
      maxId = Math.max(maxId, series.id());
      if (series.tenant().equals(tenant)) {
        tenantSeries++;
      }
    }
    if (tenantSeries == 0 || segments.isEmpty()) {
      return;
    }
    String[] names = new String[maxId + 1];
    long[] typeHashes = new long[maxId + 1];
    for (SeriesRegistry.Series series : all) {
      if (series.tenant().equals(tenant)) {
        names[series.id()] = series.type().name();
        typeHashes[series.id()] = ReconcileHashes.typeHash(series.type().name());
      }
    }
    if (walkCost(s, tenant, segments.cardinality(), tenantSeries) > s.states.capacity()) {
      boolean[] wanted = new boolean[names.length];
      for (int id = 0; id < names.length; id++) {
        wanted[id] = names[id] != null;
      }
      s.states.scanSegments(
          wanted,
          typeHashes,
          segments.toLongArray(),
          (id, entity, content) -> visitor.visit(typeHashes[id], names[id], entity, content));
      return;
    }
    for (int id = 0; id < names.length; id++) {
      if (names[id] == null) {
        continue;
      }
      String name = names[id];
      long typeHash = typeHashes[id];
      EntityStateMap.HashVisitor each =
          (series, entity, content) -> visitor.visit(typeHash, name, entity, content);
      for (int g = segments.nextSetBit(0); g >= 0; g = segments.nextSetBit(g + 1)) {
        s.states.forEachInSegment(id, g, each);
      }
    }
  }
}
