package io.tidaldb.store;

import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.CrdtSignalState;

/**
 * The deterministic functions behind the reconciliation digests, identical in every region (they
 * use only the type's name, the entity id and the state's canonical content, never a shard-local
 * series id, an identity hash or a seed):
 *
 * <pre>
 * typeHash(name)          = fmix64(FNV-1a 64 over the name's chars)   (names are ASCII)
 * keyHash(type, entity)   = fmix64(typeHash(type) ^ fmix64(entity + 0x9E3779B97F4A7C15))
 * bucket(type, entity)    = keyHash(type, entity) >>> 54               (0..1023, the top 10 bits)
 * segment(type, entity)   = keyHash(type, entity) >>> 48               (0..65535, the top 16 bits)
 * entityHash(key, state)  = fmix64(keyHash * 0xC2B2AE3D27D4EB4F + state.contentHash()),
 *                           0 for an empty state (it counts as absent) and, at odds of 2^-64,
 *                           for a state whose content hash is 0 (the kept hash of an empty one)
 * bucket digest           = sum of the entity hashes of its entities, mod 2^64
 * </pre>
 *
 * fmix64 is MurmurHash3's 64-bit finaliser.
 */
final class ReconcileHashes {
  private static final int BUCKET_SHIFT =
      64 - Integer.numberOfTrailingZeros(ReconcileState.BUCKETS);

  private static final int SEGMENT_SHIFT =
      64 - Integer.numberOfTrailingZeros(ReconcileState.SEGMENTS);

  private ReconcileHashes() {}

  static long typeHash(String name) {
    long h = 0xCBF29CE484222325L;
    for (int i = 0; i < name.length(); i++) {
      h ^= name.charAt(i);
      h *= 0x100000001B3L;
    }
    return fmix64(h);
  }

  static long keyHash(long typeHash, long entity) {
    return fmix64(typeHash ^ fmix64(entity + 0x9E3779B97F4A7C15L));
  }

  static int bucket(long keyHash) {
    return (int) (keyHash >>> BUCKET_SHIFT);
  }

  static int segment(long keyHash) {
    return (int) (keyHash >>> SEGMENT_SHIFT);
  }

  static long entityHash(long keyHash, CrdtSignalState state) {
    return state.isEmpty() ? 0 : entityHash(keyHash, state.contentHash());
  }

  /** The entity hash of a state with this content hash; 0 (empty or absent) for 0. */
  static long entityHash(long keyHash, long contentHash) {
    return contentHash == 0 ? 0 : fmix64(keyHash * 0xC2B2AE3D27D4EB4FL + contentHash);
  }

  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }
}
