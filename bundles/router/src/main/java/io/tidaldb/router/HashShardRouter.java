package io.tidaldb.router;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.router.ShardRouter;

/**
 * The reference {@link ShardRouter}: a stable 64-bit hash of (tenant name, entity id), reduced to a
 * shard with Lemire's multiply-shift range reduction.
 *
 * <p>The mapping is part of the on-disk and on-the-wire contract and is pinned by a fixture test:
 *
 * <ol>
 *   <li>tenant hash: 64-bit FNV-1a over the UTF-8 bytes of the tenant's name, finalised with
 *       MurmurHash3's {@code fmix64};
 *   <li>key hash: {@code fmix64(fmix64(entity + GOLDEN) ^ tenantHash)};
 *   <li>shard: {@code ((keyHash >>> 32) * shardCount) >>> 32}, which maps the high 32 bits
 *       uniformly onto {@code [0, shardCount)} (bias below shardCount / 2^32).
 * </ol>
 *
 * <p>Nothing depends on {@link String#hashCode()}, the JVM or the platform. Thread-safe (immutable)
 * and allocation-free: the name's UTF-8 bytes are hashed straight from its characters.
 */
public final class HashShardRouter implements ShardRouter {
  /** Largest accepted shard count. */
  public static final int MAX_SHARDS = 1 << 16;

  private static final long FNV_OFFSET = 0xCBF29CE484222325L;
  private static final long FNV_PRIME = 0x100000001B3L;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private final int shardCount;

  /**
   * Creates a router.
   *
   * @param shardCount the number of shards, 1 to {@link #MAX_SHARDS}
   * @throws InvalidArgumentException if the count is out of range
   */
  public HashShardRouter(int shardCount) {
    if (shardCount < 1 || shardCount > MAX_SHARDS) {
      throw new InvalidArgumentException("shardCount", shardCount, "must be 1.." + MAX_SHARDS);
    }
    this.shardCount = shardCount;
  }

  @Override
  public int shardCount() {
    return shardCount;
  }

  @Override
  public int shardOf(TenantId tenant, long entity) {
    return reduce(keyHash(nameHash(tenant.name()), entity), shardCount);
  }

  /**
   * Hashes a name: 64-bit FNV-1a over its UTF-8 encoding, then {@code fmix64}.
   *
   * @param name the name; unpaired surrogates are encoded as three bytes each (tenant names are
   *     ASCII, so this never arises for them)
   * @return the hash
   */
  static long nameHash(CharSequence name) {
    long h = FNV_OFFSET;
    int length = name.length();
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      if (c < 0x80) {
        h = fnv(h, c);
      } else if (c < 0x800) {
        h = fnv(h, 0xC0 | (c >>> 6));
        h = fnv(h, 0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < length
          && Character.isLowSurrogate(name.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, name.charAt(++i));
        h = fnv(h, 0xF0 | (cp >>> 18));
        h = fnv(h, 0x80 | ((cp >>> 12) & 0x3F));
        h = fnv(h, 0x80 | ((cp >>> 6) & 0x3F));
        h = fnv(h, 0x80 | (cp & 0x3F));
      } else {
        h = fnv(h, 0xE0 | (c >>> 12));
        h = fnv(h, 0x80 | ((c >>> 6) & 0x3F));
        h = fnv(h, 0x80 | (c & 0x3F));
      }
    }
    return fmix64(h);
  }

  /**
   * Combines a tenant hash and an entity id into the key hash.
   *
   * @param tenantHash the result of {@link #nameHash(CharSequence)}
   * @param entity the entity id
   * @return the key hash
   */
  static long keyHash(long tenantHash, long entity) {
    return fmix64(fmix64(entity + GOLDEN) ^ tenantHash);
  }

  /**
   * Maps a hash onto {@code [0, n)} by multiplying its high 32 bits by {@code n}.
   *
   * @param hash the key hash
   * @param n the shard count, 1 to {@link #MAX_SHARDS}
   * @return the shard
   */
  static int reduce(long hash, int n) {
    return (int) (((hash >>> 32) * n) >>> 32);
  }

  /**
   * MurmurHash3's 64-bit finaliser: a bijection with full avalanche.
   *
   * @param k the value
   * @return the mixed value
   */
  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xFF51AFD7ED558CCDL;
    k ^= k >>> 33;
    k *= 0xC4CEB9FE1A85EC53L;
    k ^= k >>> 33;
    return k;
  }

  private static long fnv(long h, int octet) {
    return (h ^ octet) * FNV_PRIME;
  }

  @Override
  public String toString() {
    return "HashShardRouter[shardCount=" + shardCount + "]";
  }
}
