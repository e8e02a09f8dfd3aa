package io.tidaldb.store;

import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of one shard whose effect its state already holds although its log does not: a cut
 * kept the effect of this region's own records ({@link ShardTruncation}), and those can come back
 * through a later leader's log verbatim at the same {@code (epoch, position)} (with five or more
 * regions: a region the former leader reached leads later). Each range names them as (origin
 * replica, epoch, first position, end position); since {@code (epoch, position)} names one record
 * everywhere (log matching), a signal of that origin and epoch at a position in a range is such a
 * record: the apply path skips its effect and consumes it (removes its position from the range). It
 * is in the log then; if it is cut again, the cut records it again.
 *
 * <p>The ranges are part of the shard's state at its applied position: snapshots carry them ({@link
 * SnapshotDescriptor}, version 4), recovery loads them with the snapshot and replay consumes them
 * as the live path did, {@link CutRebuild} rebuilds them with the state, and a snapshot install
 * takes the leader's plus this region's own. Bounded: at most {@link #MAX_RANGES} per shard; beyond
 * that the oldest are dropped, counted and logged at WARN (a dropped range's records would count
 * twice if they still came back). Ranges a returning record does not reach (the later leader's log
 * holds only a prefix of the cut records) stay until dropped.
 *
 * <p>Thread-safety: changed only under the shard's write lock (the commit thread applying, a cut,
 * an install); read under its read lock.
 */
final class CountedRanges {
  private static final Logger LOG = LoggerFactory.getLogger(CountedRanges.class);

  /** The most ranges a shard keeps. */
  static final int MAX_RANGES = 1024;

  /**
   * Records {@code [first, end)} of {@code epoch} and origin {@code origin} are counted already.
   *
   * @param origin the records' CRDT replica id
   */
  record Range(int origin, long epoch, long first, long end) {
    Range {
      if (first >= end || first < 0 || epoch < 0) {
        throw new IllegalArgumentException(
            "bad range: origin " + origin + ", epoch " + epoch + ", " + first + ".." + end);
      }
    }
  }

  private final int shard;
  private final LongAdder dropped = new LongAdder();
  private final ArrayList<Range> ranges = new ArrayList<>();

  CountedRanges(int shard) {
    this.shard = shard;
  }

  /** Whether there are none (the apply path's one check per chunk). */
  boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** Returns a copy of the ranges, oldest first. */
  List<Range> copy() {
    return List.copyOf(ranges);
  }

  /** Replaces every range with {@code with} (oldest first; bounded as {@link #add}). */
  void replace(List<Range> with) {
    ranges.clear();
    addAll(with);
  }

  /** Appends {@code more} (oldest first), dropping the oldest beyond {@link #MAX_RANGES}. */
  void addAll(List<Range> more) {
    ranges.addAll(more);
    int over = ranges.size() - MAX_RANGES;
    if (over > 0) {
      ranges.subList(0, over).clear();
      dropped.add(over);
      LOG.warn(
          "shard {}: more than {} ranges of cut records counted already: the {} oldest dropped"
              + " ({} so far); their records count twice if they still return through a later"
              + " leader's log",
          shard,
          MAX_RANGES,
          over,
          dropped.sum());
    }
  }

  /** Returns how many ranges were dropped for the bound. */
  long dropped() {
    return dropped.sum();
  }

  /**
   * Whether the signal of {@code origin} at {@code (epoch, position)} is counted already; if so,
   * consumes it (its position leaves its range).
   */
  boolean consume(int origin, long epoch, long position) {
    for (int i = 0; i < ranges.size(); i++) {
      Range r = ranges.get(i);
      if (r.origin != origin || r.epoch != epoch || position < r.first || position >= r.end) {
        continue;
      }
      if (r.end - r.first == 1) {
        ranges.remove(i);
      } else if (position == r.first) {
        ranges.set(i, new Range(origin, epoch, position + 1, r.end));
      } else if (position == r.end - 1) {
        ranges.set(i, new Range(origin, epoch, r.first, position));
      } else {
        ranges.set(i, new Range(origin, epoch, r.first, position));
        ranges.add(i + 1, new Range(origin, epoch, position + 1, r.end));
      }
      return true;
    }
    return false;
  }

  /**
   * Returns the ranges of {@code origin} in {@code ranges} that reach {@code position} or beyond:
   * those of this region's own records that can still come back through a log continuing at {@code
   * position} (records below it never return: no cut reaches below a log's start).
   */
  static List<Range> reaching(List<Range> ranges, int origin, long position) {
    List<Range> out = new ArrayList<>();
    for (Range r : ranges) {
      if (r.origin == origin && r.end > position) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Returns the counted ranges of a snapshot installed at {@code position}: the leader's that reach
   * {@code position}, then this region's {@code own} (its own entries are joined into the state).
   */
  static List<Range> installed(List<Range> leader, List<Range> own, long position) {
    List<Range> out = new ArrayList<>();
    for (Range r : leader) {
      if (r.end > position && !own.contains(r)) {
        out.add(r);
      }
    }
    out.addAll(own);
    return out;
  }

  /**
   * Returns the ranges of the signals of origin {@code replica} in {@code log} from {@code
   * position} on (a suffix about to be cut) whose series is still {@code bound} (a cut drops the
   * states of series its suffix defines, and with them those signals' effect), one per run of such
   * signals within an epoch.
   */
  static List<Range> ofSuffix(ShardLog log, long position, int replica, IntPredicate bound) {
    List<Range> out = new ArrayList<>();
    long epoch = -1;
    long first = -1;
    long end = -1;
    try (WalReader reader = log.openReader(position)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          long p = c.position();
          if (p < position) {
            continue;
          }
          boolean own =
              c.kind() == WalRecordKind.SIGNAL && c.origin() == replica && bound.test(c.seriesId());
          if (own && first >= 0 && epoch == batch.epoch() && end == p) {
            end = p + 1;
            continue;
          }
          if (first >= 0) {
            out.add(new Range(replica, epoch, first, end));
            first = -1;
          }
          if (own) {
            epoch = batch.epoch();
            first = p;
            end = p + 1;
          }
        }
      }
    }
    if (first >= 0) {
      out.add(new Range(replica, epoch, first, end));
    }
    return out;
  }
}
