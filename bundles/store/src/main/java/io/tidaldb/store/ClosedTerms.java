package io.tidaldb.store;

/**
 * The per-entity terms of a shard's closed digest ({@link ShardCompaction}): {@code
 * fmix64(keyHash(type, entity) * K1 + typeHash(tenant) * K2 + closedHash)}, with the name hashes of
 * the series bound when it was made (names, never shard-local ids, go in, so every region computes
 * the same digest of the same closed entries).
 */
final class ClosedTerms {
  private final long[] typeHash;
  private final long[] tenantHash;
  private final boolean[] bound;

  ClosedTerms(SeriesRegistry.Series[] all) {
    int maxId = -1;
    for (SeriesRegistry.Series series : all) {
      maxId = Math.max(maxId, series.id());
    }
    typeHash = new long[maxId + 1];
    tenantHash = new long[maxId + 1];
    bound = new boolean[maxId + 1];
    for (SeriesRegistry.Series series : all) {
      typeHash[series.id()] = ReconcileHashes.typeHash(series.type().name());
      tenantHash[series.id()] = ReconcileHashes.typeHash(series.tenant().name());
      bound[series.id()] = true;
    }
  }

  /** Whether the series was bound (its entities count in the digest). */
  boolean bound(int id) {
    return id >= 0 && id < bound.length && bound[id];
  }

  /** The digest term of one entity of a bound series whose closed hash is {@code closed}. */
  long term(int id, long entity, long closed) {
    long key = ReconcileHashes.keyHash(typeHash[id], entity);
    return ReconcileHashes.fmix64(
        key * 0xC2B2AE3D27D4EB4FL + tenantHash[id] * 0x165667B19E3779F9L + closed);
  }
}
