package io.tidaldb.crdt;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The canonical binary encoding of a {@link CrdtSignalState}, for snapshots, state digests and
 * reconciliation. All fields little-endian, doubles as their IEEE 754 bits; equal states encode to
 * equal bytes. Version 2 (issue 11): 64-bit replica ids ({@link ReplicaIds}: log, base and local
 * entries) and an end position per entry. A base entry (at most one) has end 0 and no log entry at
 * or below its cut-off beside it. Version 1 encodings (32-bit origin-keyed entries without an end)
 * cannot be mapped onto the new entries exactly and are rejected.
 *
 * <pre>
 *  0                   4                   8
 * +-------------------+-------------------+
 * | version (i32) = 2 | replicaCount (i32)|  0
 * +-------------------+-------------------+
 * |          halfLifeMillis (i64)         |  8   0 when empty
 * +---------------------------------------+
 * |          landmark (i64)               | 16   ms since the epoch, 0 when empty
 * +---------------------------------------+
 * |          lastSeenHlc (i64)            | 24   -1 when empty
 * +---------------------------------------+
 * |          lastSeenEventTime (i64)      | 32   -1 when empty
 * +---------------------------------------+
 * |          lastSeenReplica (i64)        | 40   0 when empty
 * +---------------------------------------+
 * | replicaCount entries, sorted by       | 48
 * | unsigned replica id, ENTRY_LENGTH each|
 * +---------------------------------------+
 *
 * entry:
 * +---------------------------------------+
 * | replica (i64, see ReplicaIds)         | +0
 * | end (i64): exclusive end position of  | +8   >= (posCount + negCount) / 2 (rounded up): each
 * |   the stream prefix the entry holds   |      record below it counted once and taken back
 * |                                       |      (compensated) at most once; 0 for a base entry
 * | posCount (i64)                        | +16
 * | negCount (i64)                        | +24
 * | posSum (f64)                          | +32
 * | negSum (f64)                          | +40
 * | posDecay (f64)                        | +48
 * | negDecay (f64)                        | +56
 * +---------------------------------------+
 * </pre>
 */
final class SignalStateCodec {
  static final int VERSION = 2;

  static final int VERSION_OFFSET = 0;
  static final int REPLICA_COUNT_OFFSET = 4;
  static final int HALF_LIFE_OFFSET = 8;
  static final int LANDMARK_OFFSET = 16;
  static final int LAST_SEEN_HLC_OFFSET = 24;
  static final int LAST_SEEN_EVENT_TIME_OFFSET = 32;
  static final int LAST_SEEN_REPLICA_OFFSET = 40;
  static final int HEADER_LENGTH = 48;

  /** Bytes per entry: the {@link CrdtSignalState#STRIDE} longs of its in-memory entry. */
  static final int ENTRY_LENGTH = CrdtSignalState.STRIDE * Long.BYTES;

  static final int ENTRY_REPLICA_OFFSET = CrdtSignalState.REPLICA * Long.BYTES;
  static final int ENTRY_END_OFFSET = CrdtSignalState.END * Long.BYTES;
  static final int ENTRY_POS_COUNT_OFFSET = CrdtSignalState.POS_COUNT * Long.BYTES;
  static final int ENTRY_NEG_COUNT_OFFSET = CrdtSignalState.NEG_COUNT * Long.BYTES;
  static final int ENTRY_POS_SUM_OFFSET = CrdtSignalState.POS_SUM * Long.BYTES;
  static final int ENTRY_NEG_SUM_OFFSET = CrdtSignalState.NEG_SUM * Long.BYTES;
  static final int ENTRY_POS_DECAY_OFFSET = CrdtSignalState.POS_DECAY * Long.BYTES;
  static final int ENTRY_NEG_DECAY_OFFSET = CrdtSignalState.NEG_DECAY * Long.BYTES;

  private static final long POSITIVE_INFINITY_BITS =
      Double.doubleToRawLongBits(Double.POSITIVE_INFINITY);
  private static final long MIN_NORMAL_BITS = Double.doubleToRawLongBits(Double.MIN_NORMAL);

  private SignalStateCodec() {}

  static int encodedLength(int replicaCount) {
    return HEADER_LENGTH + replicaCount * ENTRY_LENGTH;
  }

  static void write(CrdtSignalState s, ByteBuffer buffer) {
    int length = encodedLength(s.replicaCount());
    if (buffer.remaining() < length) {
      throw new InvalidArgumentException(
          "buffer remaining", buffer.remaining(), "must be >= " + length + " bytes");
    }
    boolean swap = buffer.order() != ByteOrder.LITTLE_ENDIAN;
    int p = buffer.position();
    buffer.putInt(p + VERSION_OFFSET, le(VERSION, swap));
    buffer.putInt(p + REPLICA_COUNT_OFFSET, le(s.replicaCount(), swap));
    buffer.putLong(p + HALF_LIFE_OFFSET, le(s.halfLifeMillis, swap));
    buffer.putLong(p + LANDMARK_OFFSET, le(s.landmark, swap));
    buffer.putLong(p + LAST_SEEN_HLC_OFFSET, le(s.lastSeenHlc, swap));
    buffer.putLong(p + LAST_SEEN_EVENT_TIME_OFFSET, le(s.lastSeenEventTime, swap));
    buffer.putLong(p + LAST_SEEN_REPLICA_OFFSET, le(s.lastSeenReplica, swap));
    long[] entries = s.entries;
    int at = p + HEADER_LENGTH;
    for (long value : entries) {
      buffer.putLong(at, le(value, swap));
      at += Long.BYTES;
    }
    buffer.position(p + length);
  }

  static CrdtSignalState read(ByteBuffer buffer) {
    boolean swap = buffer.order() != ByteOrder.LITTLE_ENDIAN;
    int p = buffer.position();
    int remaining = buffer.remaining();
    if (remaining < HEADER_LENGTH) {
      throw new InvalidArgumentException(
          "crdt state length", remaining, "must be >= " + HEADER_LENGTH + " bytes");
    }
    int version = le(buffer.getInt(p + VERSION_OFFSET), swap);
    if (version != VERSION) {
      throw new InvalidArgumentException(
          "crdt state version",
          version,
          version == 1
              ? "must be "
                  + VERSION
                  + ": version 1 holds origin-keyed entries written before the issue-11 entry"
                  + " scheme, which cannot be mapped onto log and local entries exactly"
              : "must be " + VERSION);
    }
    int count = le(buffer.getInt(p + REPLICA_COUNT_OFFSET), swap);
    if (count < 0 || (long) count * ENTRY_LENGTH > remaining - HEADER_LENGTH) {
      throw new InvalidArgumentException(
          "crdt state replicaCount",
          Integer.toUnsignedLong(count),
          "must fit the " + remaining + " bytes remaining");
    }
    CrdtSignalState s = new CrdtSignalState();
    s.halfLifeMillis = le(buffer.getLong(p + HALF_LIFE_OFFSET), swap);
    s.landmark = le(buffer.getLong(p + LANDMARK_OFFSET), swap);
    s.lastSeenHlc = le(buffer.getLong(p + LAST_SEEN_HLC_OFFSET), swap);
    s.lastSeenEventTime = le(buffer.getLong(p + LAST_SEEN_EVENT_TIME_OFFSET), swap);
    s.lastSeenReplica = le(buffer.getLong(p + LAST_SEEN_REPLICA_OFFSET), swap);
    if (count == 0) {
      checkEmpty(s);
    } else {
      long[] entries = new long[count * CrdtSignalState.STRIDE];
      int at = p + HEADER_LENGTH;
      for (int i = 0; i < entries.length; i++) {
        entries[i] = le(buffer.getLong(at), swap);
        at += Long.BYTES;
      }
      s.entries = entries;
      checkNonEmpty(s);
    }
    buffer.position(p + encodedLength(count));
    return s;
  }

  private static void checkEmpty(CrdtSignalState s) {
    if (s.halfLifeMillis != 0) {
      throw invalid("halfLifeMillis", s.halfLifeMillis, "must be 0 when empty");
    }
    if (s.landmark != 0) {
      throw invalid("landmark", s.landmark, "must be 0 when empty");
    }
    if (s.lastSeenHlc != CrdtSignalState.NO_HLC) {
      throw invalid("lastSeenHlc", s.lastSeenHlc, "must be -1 when empty");
    }
    if (s.lastSeenEventTime != -1) {
      throw invalid("lastSeenEventTime", s.lastSeenEventTime, "must be -1 when empty");
    }
    if (s.lastSeenReplica != 0) {
      throw invalid("lastSeenReplica", s.lastSeenReplica, "must be 0 when empty");
    }
  }

  private static void checkNonEmpty(CrdtSignalState s) {
    DecayModel.checkHalfLife("crdt state halfLifeMillis", s.halfLifeMillis);
    long epoch = s.halfLifeMillis * DecayModel.EPOCH_HALF_LIVES;
    if (s.landmark < 0 || s.landmark % epoch != 0) {
      throw invalid(
          "landmark", s.landmark, "must be a non-negative multiple of the epoch " + epoch + " ms");
    }
    if (s.lastSeenHlc < 0) {
      throw invalid("lastSeenHlc", s.lastSeenHlc, "must be >= 0");
    }
    if (s.lastSeenEventTime < 0) {
      throw invalid("lastSeenEventTime", s.lastSeenEventTime, "must be >= 0");
    }
    long[] e = s.entries;
    boolean lastSeenReplicaFound = false;
    long cutOff = -1;
    for (int i = 0; i < e.length; i += CrdtSignalState.STRIDE) {
      long replica = e[i + CrdtSignalState.REPLICA];
      if (!ReplicaIds.isValid(replica)
          || (i > 0 && Long.compareUnsigned(replica, e[i - CrdtSignalState.STRIDE]) <= 0)) {
        throw invalid(
            entry(i, "replica"),
            Long.toHexString(replica),
            "must be a log, base or local replica id above the previous entry's (unsigned)");
      }
      if (ReplicaIds.isBase(replica)) {
        cutOff = checkBase(s, i, cutOff);
      }
      lastSeenReplicaFound |= replica == s.lastSeenReplica;
      long pos = e[i + CrdtSignalState.POS_COUNT];
      long neg = e[i + CrdtSignalState.NEG_COUNT];
      if (pos < 0) {
        throw invalid(entry(i, "posCount"), pos, "must be >= 0");
      }
      if (neg < 0 || pos + neg <= 0) {
        throw invalid(entry(i, "negCount"), neg, "must be >= 0 with posCount + negCount > 0");
      }
      long end = e[i + CrdtSignalState.END];
      // each record below the end is counted once and may be taken back once (compensate)
      long least = (pos + neg + 1) / 2;
      if (end < least && !ReplicaIds.isBase(replica)) {
        throw invalid(
            entry(i, "end"),
            end,
            "must be >= (posCount + negCount) / 2 = "
                + least
                + " (each record counted once, taken back at most once)");
      }
      checkSum(i, "posSum", e[i + CrdtSignalState.POS_SUM], false);
      checkSum(i, "negSum", e[i + CrdtSignalState.NEG_SUM], false);
      checkSum(i, "posDecay", e[i + CrdtSignalState.POS_DECAY], true);
      checkSum(i, "negDecay", e[i + CrdtSignalState.NEG_DECAY], true);
    }
    // A log replica may have lost its entry: folded into the base entry, or removed by a cut that
    // dropped the effect of its records (replaceEntry keeps the register). Others keep theirs.
    if (!lastSeenReplicaFound && !ReplicaIds.isLog(s.lastSeenReplica)) {
      throw invalid(
          "lastSeenReplica",
          ReplicaIds.toString(s.lastSeenReplica),
          "must have an entry or be a log replica (whose entry was folded into the base entry or"
              + " removed by a cut)");
    }
  }

  /** At most one base entry, end 0, and no log entry at or below its cut-off; returns it. */
  private static long checkBase(CrdtSignalState s, int i, long previousCutOff) {
    long[] e = s.entries;
    long cutOff = ReplicaIds.cutOff(e[i]);
    if (previousCutOff >= 0) {
      throw invalid(entry(i, "replica"), ReplicaIds.toString(e[i]), "must be the only base entry");
    }
    if (e[i + CrdtSignalState.END] != 0) {
      throw invalid(entry(i, "end"), e[i + CrdtSignalState.END], "must be 0 for a base entry");
    }
    if (i > 0 && ReplicaIds.isLog(e[0]) && e[0] <= cutOff) {
      throw invalid(
          "entry 0 replica",
          ReplicaIds.toString(e[0]),
          "must be a log entry above the cut-off of the base entry " + ReplicaIds.toString(e[i]));
    }
    return cutOff;
  }

  /** Sums are +0.0 or positive, +Infinity included, never NaN; decayed sums never subnormal. */
  private static void checkSum(int i, String field, long bits, boolean decayed) {
    boolean ok =
        bits == 0 || (bits >= (decayed ? MIN_NORMAL_BITS : 1) && bits <= POSITIVE_INFINITY_BITS);
    if (!ok) {
      throw invalid(
          entry(i, field),
          Double.longBitsToDouble(bits),
          decayed
              ? "must be +0.0 or at least Double.MIN_NORMAL, not NaN"
              : "must be +0.0 or positive, not NaN");
    }
  }

  private static String entry(int index, String field) {
    return "entry " + index / CrdtSignalState.STRIDE + " " + field;
  }

  private static InvalidArgumentException invalid(String field, Object value, String rule) {
    return new InvalidArgumentException("crdt state " + field, value, rule);
  }

  private static int le(int v, boolean swap) {
    return swap ? Integer.reverseBytes(v) : v;
  }

  private static long le(long v, boolean swap) {
    return swap ? Long.reverseBytes(v) : v;
  }
}
