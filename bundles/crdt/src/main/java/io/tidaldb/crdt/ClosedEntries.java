package io.tidaldb.crdt;

import static io.tidaldb.crdt.CrdtSignalState.END;
import static io.tidaldb.crdt.CrdtSignalState.NEG_COUNT;
import static io.tidaldb.crdt.CrdtSignalState.POS_COUNT;
import static io.tidaldb.crdt.CrdtSignalState.POS_SUM;
import static io.tidaldb.crdt.CrdtSignalState.STRIDE;

/**
 * The closed-epoch helpers of {@link CrdtSignalState} over its flat entry array (sorted by unsigned
 * replica id: log entries, then at most one base entry, then local entries; see {@link
 * ReplicaIds}). Invariant: beside a base entry {@code base(c)} there is no log entry {@code log(e)}
 * with {@code e <= c}.
 */
final class ClosedEntries {
  private static final long BASE_LOW = ReplicaIds.base(0);

  private ClosedEntries() {}

  /** Returns the index of the base entry, or -1 if there is none. */
  static int baseIndex(long[] entries) {
    int at = ReplicaEntries.find(entries, STRIDE, BASE_LOW);
    int i = at >= 0 ? at : -at - 1;
    return i * STRIDE < entries.length && ReplicaIds.isBase(entries[i * STRIDE]) ? i : -1;
  }

  /** Returns the cut-off of the base entry, or -1 if there is none. */
  static long cutOff(long[] entries) {
    int b = baseIndex(entries);
    return b < 0 ? -1 : ReplicaIds.cutOff(entries[b * STRIDE]);
  }

  /** Returns how many (leading) log entries have an epoch at or below {@code cutOff}. */
  static int closedLogEntries(long[] entries, long cutOff) {
    int n = 0;
    while (n * STRIDE < entries.length
        && ReplicaIds.isLog(entries[n * STRIDE])
        && entries[n * STRIDE] <= cutOff) {
      n++;
    }
    return n;
  }

  /**
   * Folds the log entries of epochs at or below {@code cutOff} and the old base into one base
   * entry, summed column by column in replica-id order.
   *
   * @return {@code entries} itself if there is no such log entry, else a new array
   */
  static long[] fold(long[] entries, long cutOff) {
    int n = closedLogEntries(entries, cutOff);
    if (n == 0) {
      return entries;
    }
    int oldBase = baseIndex(entries);
    int count = entries.length / STRIDE;
    long[] out = new long[(count - n + (oldBase < 0 ? 1 : 0)) * STRIDE];
    int openLogs = firstNonLog(entries) - n; // the base, if any, follows the last log entry
    System.arraycopy(entries, n * STRIDE, out, 0, openLogs * STRIDE);
    int b = openLogs * STRIDE;
    out[b] = ReplicaIds.base(cutOff);
    for (int i = 0; i < n; i++) {
      addInto(out, b, entries, i * STRIDE);
    }
    if (oldBase >= 0) {
      addInto(out, b, entries, oldBase * STRIDE);
    }
    int rest = (oldBase < 0 ? n + openLogs : oldBase + 1) * STRIDE;
    System.arraycopy(entries, rest, out, b + STRIDE, entries.length - rest);
    return out;
  }

  /**
   * Drops the base entry and every log entry of an epoch at or below {@code cutOff}.
   *
   * @return {@code entries} itself if there is none, else a new array
   */
  static long[] dropThrough(long[] entries, long cutOff) {
    int n = closedLogEntries(entries, cutOff);
    int base = baseIndex(entries);
    if (n == 0 && base < 0) {
      return entries;
    }
    long[] out = new long[entries.length - (n + (base < 0 ? 0 : 1)) * STRIDE];
    int o = 0;
    for (int i = n * STRIDE; i < entries.length; i += STRIDE) {
      if (i != base * STRIDE) {
        System.arraycopy(entries, i, out, o, STRIDE);
        o += STRIDE;
      }
    }
    return out;
  }

  /**
   * A hash of the landmark, the half-life, the base entry and every log entry of an epoch at or
   * below {@code cutOff}; 0 if there is no such entry. Allocation-free.
   */
  static long closedHash(long[] entries, long halfLifeMillis, long landmark, long cutOff) {
    int n = closedLogEntries(entries, cutOff);
    int base = baseIndex(entries);
    if (n == 0 && base < 0) {
      return 0;
    }
    long h =
        (n + (base < 0 ? 0 : 1)) * 0x9E3779B97F4A7C15L
            + halfLifeMillis * 0xC2B2AE3D27D4EB4FL
            + landmark * 0x165667B19E3779F9L;
    long k = 0x94D049BB133111EBL; // odd; stays odd (the step is even)
    for (int v = 0; v < n * STRIDE; v++) {
      h += entries[v] * k;
      k += 0x9E3779B97F4A7C16L;
    }
    if (base >= 0) {
      for (int v = base * STRIDE, end = v + STRIDE; v < end; v++) {
        h += entries[v] * k;
        k += 0x9E3779B97F4A7C16L;
      }
    }
    return fmix(h);
  }

  static long fmix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }

  private static int firstNonLog(long[] entries) {
    int i = 0;
    while (i * STRIDE < entries.length && ReplicaIds.isLog(entries[i * STRIDE])) {
      i++;
    }
    return i;
  }

  private static void addInto(long[] out, int o, long[] in, int i) {
    for (int c = POS_COUNT; c <= NEG_COUNT; c++) {
      out[o + c] += in[i + c];
    }
    for (int c = POS_SUM; c < STRIDE; c++) {
      out[o + c] =
          Double.doubleToRawLongBits(
              Double.longBitsToDouble(out[o + c]) + Double.longBitsToDouble(in[i + c]));
    }
    out[o + END] = 0;
  }
}
