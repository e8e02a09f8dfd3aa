package io.tidaldb.api;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a client has written, for read-your-writes: per shard, the highest shard-log position its
 * acknowledged writes reached, and per (region, shard), the highest position of its writes that a
 * region accepted into its own stream (the shard's local log, {@link SignalAck#local()}).
 *
 * <p>A read that carries a token ({@link SignalStore#read(TenantId, SignalType, EntityId,
 * Timestamp, ReadToken)}) answers only once the region applied the shard's log through the token's
 * position and the record there is the token's write (the token keeps that write's stamp: a region
 * whose log holds another record at the position, a deposed leader's suffix not cut yet, does not
 * answer), so it sees every write the token records. A shard-log position is satisfiable at every
 * region; the guarantee covers writes acknowledged at {@link Durability#QUORUM} or {@link
 * Durability#ALL} (a committed record is never cut), and a {@code LOCAL} write at the region that
 * acknowledged it. A local-stream entry is satisfiable only at its region: other regions get that
 * write through reconciliation, and a read there carrying it fails at once ({@link
 * StaleReadException}); drop it with {@link #withoutLocal()} to read elsewhere.
 *
 * <p>Immutable and small (a few longs per shard written); {@link #with} and {@link #merge} return
 * new tokens. Merge is a join: commutative, associative and idempotent, with {@link #EMPTY} as its
 * identity. Thread-safe.
 *
 * @since 1.4.0
 */
public final class ReadToken {
  /** The token of a client that has written nothing: every read satisfies it. */
  public static final ReadToken EMPTY =
      new ReadToken(new long[0], new long[0], new long[0], new long[0], new long[0]);

  private static final long[] NONE = new long[0];

  /** Shards (ascending) and their shard-log positions. */
  private final long[] shards;

  private final long[] positions;

  /** The stamp of the write at each shard's position (the highest, for two at one position). */
  private final long[] stamps;

  /** Local-stream keys ((region << 32) | shard, ascending) and their local positions. */
  private final long[] localKeys;

  private final long[] localPositions;

  private ReadToken(
      long[] shards, long[] positions, long[] stamps, long[] localKeys, long[] localPositions) {
    this.shards = shards;
    this.positions = positions;
    this.stamps = stamps;
    this.localKeys = localKeys;
    this.localPositions = localPositions;
  }

  /**
   * Returns this token with a shard-log acknowledgement added (the shard's position raised to the
   * ack's if it is higher).
   *
   * @param ack an acknowledgement of a write in the shard's log
   * @return the new token (this one if it already covers the ack)
   * @throws InvalidArgumentException for a null ack or a local-stream ack (it needs its region:
   *     {@link #with(RegionId, SignalAck)})
   */
  public ReadToken with(SignalAck ack) {
    if (ack == null) {
      throw new InvalidArgumentException("ack", null, "must not be null");
    }
    if (ack.local()) {
      throw new InvalidArgumentException(
          "ack",
          ack,
          "is a write of a region's own stream: add it with the region that acknowledged it");
    }
    return with(null, ack);
  }

  /**
   * Returns this token with an acknowledgement of {@code region} added: a local-stream ack as
   * (region, shard, local position), any other as (shard, position).
   *
   * @param region the region whose store acknowledged the write (needed for a local-stream ack)
   * @param ack the acknowledgement
   * @return the new token (this one if it already covers the ack)
   * @throws InvalidArgumentException for a null ack, or a local-stream ack without a region
   */
  public ReadToken with(RegionId region, SignalAck ack) {
    if (ack == null) {
      throw new InvalidArgumentException("ack", null, "must not be null");
    }
    if (ack.position() < 0) {
      throw new InvalidArgumentException("ack position", ack.position(), "must be >= 0");
    }
    long shard = ack.shard().value();
    if (!ack.local()) {
      long[][] m = put(shards, positions, stamps, shard, ack.position(), ack.stamp().value());
      return m == null ? this : new ReadToken(m[0], m[1], m[2], localKeys, localPositions);
    }
    if (region == null) {
      throw new InvalidArgumentException(
          "region", null, "must be given for the local-stream acknowledgement " + ack);
    }
    long[][] m =
        put(
            localKeys,
            localPositions,
            null,
            localKey(region.value(), ack.shard().value()),
            ack.position(),
            0);
    return m == null ? this : new ReadToken(shards, positions, stamps, m[0], m[1]);
  }

  /**
   * Returns the join of two tokens: every entry of either, at the higher position.
   *
   * @param other another token
   * @return the merged token
   */
  public ReadToken merge(ReadToken other) {
    if (other == null || other == this || other.isEmpty()) {
      return this;
    }
    if (isEmpty()) {
      return other;
    }
    long[][] s = join(shards, positions, stamps, other.shards, other.positions, other.stamps);
    long[][] l = join(localKeys, localPositions, null, other.localKeys, other.localPositions, null);
    return new ReadToken(s[0], s[1], s[2], l[0], l[1]);
  }

  /**
   * Returns this token without its local-stream entries (to read at another region before
   * reconciliation brought those writes there: the read then may miss them).
   *
   * @return the token of the shard-log entries only
   */
  public ReadToken withoutLocal() {
    return localKeys.length == 0 ? this : new ReadToken(shards, positions, stamps, NONE, NONE);
  }

  /**
   * Returns whether the token records no write.
   *
   * @return true for a token every read satisfies
   */
  public boolean isEmpty() {
    return shards.length == 0 && localKeys.length == 0;
  }

  /**
   * Returns the highest shard-log position the token records for a shard.
   *
   * @param shard the shard
   * @return the position, or -1 if the token records no shard-log write of it
   */
  public long position(int shard) {
    int i = Arrays.binarySearch(shards, shard);
    return i < 0 ? -1 : positions[i];
  }

  /**
   * Returns the stamp ({@link HlcStamp#value()}) of the write at {@link #position(int)}: a region
   * answers the token only if its record there has this stamp.
   *
   * @param shard the shard
   * @return the stamp, or -1 if the token records no shard-log write of it
   */
  public long stamp(int shard) {
    int i = Arrays.binarySearch(shards, shard);
    return i < 0 ? -1 : stamps[i];
  }

  /**
   * Returns the highest local-stream position the token records for a shard at a region.
   *
   * @param region the region
   * @param shard the shard
   * @return the local position, or -1 if the token records no local-stream write of it there
   */
  public long localPosition(int region, int shard) {
    int i = Arrays.binarySearch(localKeys, localKey(region, shard));
    return i < 0 ? -1 : localPositions[i];
  }

  /**
   * Returns a region other than {@code region} whose own stream holds a write of {@code shard} the
   * token records (such a write is visible at {@code region} only after reconciliation).
   *
   * @param shard the shard
   * @param region the reading region
   * @return the lowest such region, or -1 if there is none
   */
  public int localElsewhere(int shard, int region) {
    for (long key : localKeys) {
      if ((int) key == shard && (int) (key >>> 32) != region) {
        return (int) (key >>> 32);
      }
    }
    return -1;
  }

  /**
   * Returns the shards the token records shard-log writes of, ascending.
   *
   * @return a new array of shard indexes
   */
  public int[] shards() {
    int[] out = new int[shards.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (int) shards[i];
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReadToken t
        && Arrays.equals(shards, t.shards)
        && Arrays.equals(positions, t.positions)
        && Arrays.equals(stamps, t.stamps)
        && Arrays.equals(localKeys, t.localKeys)
        && Arrays.equals(localPositions, t.localPositions);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(shards) + Arrays.hashCode(positions))
        + 7 * Arrays.hashCode(stamps)
        + 17 * Arrays.hashCode(localKeys)
        + Arrays.hashCode(localPositions);
  }

  /** For example {@code ReadToken{shard 3 @ 1311, region 2 shard 1 local @ 17}}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("ReadToken{");
    for (int i = 0; i < shards.length; i++) {
      b.append(i == 0 ? "" : ", ").append("shard ").append(shards[i]).append(" @ ");
      b.append(positions[i]);
    }
    for (int i = 0; i < localKeys.length; i++) {
      b.append(i == 0 && shards.length == 0 ? "" : ", ");
      b.append(
          String.format(
              Locale.ROOT,
              "region %d shard %d local @ %d",
              localKeys[i] >>> 32,
              (int) localKeys[i],
              localPositions[i]));
    }
    return b.append('}').toString();
  }

  private static long localKey(int region, int shard) {
    return ((long) region << 32) | shard;
  }

  /** Whether (value a, stamp sa) is above (value b, stamp sb): by value, then by stamp. */
  private static boolean above(long a, long sa, long b, long sb) {
    return a > b || (a == b && sa > sb);
  }

  /**
   * The arrays with {@code key} at the higher of (old value, old stamp) and (value, stamp), or null
   * if nothing changes; {@code stamps} null for entries without stamps.
   */
  private static long[][] put(
      long[] keys, long[] values, long[] stamps, long key, long value, long stamp) {
    int i = Arrays.binarySearch(keys, key);
    if (i >= 0) {
      if (!above(value, stamp, values[i], stamps == null ? 0 : stamps[i])) {
        return null;
      }
      long[] v = values.clone();
      v[i] = value;
      long[] st = stamps == null ? null : stamps.clone();
      if (st != null) {
        st[i] = stamp;
      }
      return new long[][] {keys, v, st};
    }
    int at = -i - 1;
    long[] k = new long[keys.length + 1];
    long[] v = new long[keys.length + 1];
    System.arraycopy(keys, 0, k, 0, at);
    System.arraycopy(values, 0, v, 0, at);
    k[at] = key;
    v[at] = value;
    System.arraycopy(keys, at, k, at + 1, keys.length - at);
    System.arraycopy(values, at, v, at + 1, keys.length - at);
    long[] st = null;
    if (stamps != null) {
      st = new long[keys.length + 1];
      System.arraycopy(stamps, 0, st, 0, at);
      st[at] = stamp;
      System.arraycopy(stamps, at, st, at + 1, keys.length - at);
    }
    return new long[][] {k, v, st};
  }

  /**
   * The union of two sorted key sets, each key at the higher (value, stamp); stamps null for
   * entries without stamps.
   */
  private static long[][] join(long[] ak, long[] av, long[] as, long[] bk, long[] bv, long[] bs) {
    long[] k = new long[ak.length + bk.length];
    long[] v = new long[k.length];
    long[] st = new long[k.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < ak.length || j < bk.length) {
      if (j == bk.length || (i < ak.length && ak[i] < bk[j])) {
        k[n] = ak[i];
        st[n] = as == null ? 0 : as[i];
        v[n++] = av[i++];
      } else if (i == ak.length || bk[j] < ak[i]) {
        k[n] = bk[j];
        st[n] = bs == null ? 0 : bs[j];
        v[n++] = bv[j++];
      } else {
        long sa = as == null ? 0 : as[i];
        long sb = bs == null ? 0 : bs[j];
        boolean keepA = !above(bv[j], sb, av[i], sa);
        k[n] = ak[i];
        st[n] = keepA ? sa : sb;
        v[n++] = keepA ? av[i] : bv[j];
        i++;
        j++;
      }
    }
    return new long[][] {
      Arrays.copyOf(k, n), Arrays.copyOf(v, n), as == null ? null : Arrays.copyOf(st, n)
    };
  }
}
