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

  static long fmix64(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }
}
