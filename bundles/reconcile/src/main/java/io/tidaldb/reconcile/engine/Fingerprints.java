package io.tidaldb.reconcile.engine;

/**
 * The fingerprint of an entity in a session: {@code fmix64(fmix64(fmix64(session *
 * 0x9E3779B97F4A7C15 + typeName.hashCode()) ^ entity * 0xC2B2AE3D27D4EB4F) + stateHash)} (fmix64:
 * MurmurHash3's finaliser; {@code String.hashCode} is specified, so both regions compute the same).
 * Salted by the session id, so a collision that hides a difference in one session does not in the
 * next.
 */
final class Fingerprints {
  private Fingerprints() {}

  static long of(long session, String type, long entity, long stateHash) {
    long h = fmix64(session * 0x9E3779B97F4A7C15L + type.hashCode());
    h = fmix64(h ^ (entity * 0xC2B2AE3D27D4EB4FL));
    return fmix64(h + stateHash);
  }

  /**
   * Splits two sorted multisets into what only {@code a} holds and what only {@code b} holds.
   *
   * @param a sorted
   * @param b sorted
   * @param onlyA receives the elements of {@code a} without a match in {@code b}
   * @param onlyB receives the elements of {@code b} without a match in {@code a}
   */
  static void difference(long[] a, long[] b, LongList onlyA, LongList onlyB) {
    int i = 0;
    int j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] == b[j]) {
        i++;
        j++;
      } else if (a[i] < b[j]) {
        onlyA.add(a[i++]);
      } else {
        onlyB.add(b[j++]);
      }
    }
    while (i < a.length) {
      onlyA.add(a[i++]);
    }
    while (j < b.length) {
      onlyB.add(b[j++]);
    }
  }

  private static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }
}
