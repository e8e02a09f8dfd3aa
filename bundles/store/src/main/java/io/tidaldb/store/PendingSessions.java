package io.tidaldb.store;

import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.util.Arrays;

/**
 * The entities of one shard whose state holds the effect of a {@code QUORUM}/{@code ALL} session
 * record that this region does not know to be committed (issue 12, the reconcile-before-cut gap):
 * reconciliation gives none of their states away ({@link ShardReconcile#states}).
 *
 * <p>Why: such a record may still be cut (it was never acknowledged; its client was told "may be
 * stored, retry"), and a cut drops its effect ({@link CutDrops}). A copy of the entity's {@code
 * log(e)} entry that left through reconciliation before the cut would stay in the other regions'
 * states, which no cut there can reach, and the retry would count twice. Once the shard's known
 * commit ({@link #committed(long)}, from replication's {@code ReplicaState.onCommitted}) passes the
 * record, it can never be cut and the entity may leave again.
 *
 * <p>Per entity the highest position of such a record, in an open-addressing map of primitive
 * arrays (linear probing): a record adds or raises its entity's entry, an entry below the known
 * commit counts as absent and is swept out when the map fills up (the survivors rehashed into a
 * second set of arrays: no allocation but when the map grows). The entries are complete from {@link
 * #trackedFrom()} on: the log's start at recovery (which reads the retained log below the snapshot
 * it loaded for these records, {@link #addFrom}), the position of an installed snapshot. A record
 * below the log's start can no longer be cut (a cut below it is refused), so it is not pending. A
 * cut rebuilds the entries of the surviving prefix ({@link ShardTruncation}).
 *
 * <p>Threads: the shard's commit thread adds under the shard's write lock, a cut or install
 * rebuilds under it, reconciliation reads under the read lock; the known commit is a volatile any
 * thread may raise.
 */
final class PendingSessions {
  private static final int MIN_CAPACITY = 64;
  private static final long EMPTY = -1;

  private volatile long committed;
  private volatile boolean tracking = true;
  private long trackedFrom;
  private int size;
  private int sweepAt;
  private int[] series;
  private long[] entities;
  private long[] positions;
  private int[] spareSeries;
  private long[] spareEntities;
  private long[] sparePositions;

  PendingSessions() {
    allocate(MIN_CAPACITY);
  }

  /** Tracks nothing from now on (a single region: nothing is ever cut). */
  void disable() {
    tracking = false;
    clear(0);
  }

  /**
   * Raises the known commit: every record below {@code position} is committed (never lowers it).
   */
  void committed(long position) {
    if (position > committed) {
      committed = position; // one writer: the replication thread
    }
  }

  /** Returns the known commit. */
  long committed() {
    return committed;
  }

  /** Returns the position from which the entries are complete. */
  long trackedFrom() {
    return trackedFrom;
  }

  /**
   * Records a QUORUM/ALL session record of (series, entity) at {@code position} (under the write
   * lock); nothing if the known commit already passed it.
   */
  void add(int seriesId, long entity, long position) {
    if (!tracking || position < committed) {
      return;
    }
    if (size >= sweepAt) {
      sweep();
    }
    int mask = positions.length - 1;
    for (int i = slot(seriesId, entity, mask); ; i = (i + 1) & mask) {
      if (positions[i] == EMPTY) {
        series[i] = seriesId;
        entities[i] = entity;
        positions[i] = position;
        size++;
        return;
      }
      if (series[i] == seriesId && entities[i] == entity) {
        positions[i] = Math.max(positions[i], position);
        return;
      }
    }
  }

  /**
   * Whether the state of (series, entity) holds a QUORUM/ALL session record not known committed
   * (under the read or write lock).
   */
  boolean pending(int seriesId, long entity) {
    if (size == 0) {
      return false;
    }
    long known = committed;
    int mask = positions.length - 1;
    for (int i = slot(seriesId, entity, mask); ; i = (i + 1) & mask) {
      long p = positions[i];
      if (p == EMPTY) {
        return false;
      }
      if (series[i] == seriesId && entities[i] == entity) {
        return p >= known;
      }
    }
  }

  /** Returns how many entries the map holds (some may be committed already, not yet swept). */
  int size() {
    return size;
  }

  /**
   * Forgets every entry; the entries are complete from {@code from} on (a snapshot install, or a
   * cut before {@link #add}s of the surviving records from {@code from}).
   */
  void clear(long from) {
    Arrays.fill(positions, EMPTY);
    size = 0;
    trackedFrom = from;
  }

  /**
   * Adds the QUORUM/ALL session records of {@code log} at positions {@code from} (inclusive) to
   * {@code to} (exclusive): a recovery's retained log below its snapshot, a cut's surviving prefix.
   * The caller holds the write lock or runs before the shard serves.
   *
   * @return how many records were added
   */
  long addFrom(ShardLog log, long from, long to) {
    long added = 0;
    if (!tracking || from >= to) {
      return 0;
    }
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.position() >= to) {
            return added;
          }
          if (c.position() >= from && CutDrops.dropped(c)) {
            add(c.seriesId(), c.entity(), c.position());
            added++;
          }
        }
      }
    }
    return added;
  }

  /**
   * Where a cut at {@code cut} reads the log from to rebuild the entries ({@link ShardTruncation}):
   * the records below the known commit need none, those below {@link #trackedFrom()} are not known
   * here.
   */
  long rebuildFrom(long logStart, long cut) {
    return Math.min(cut, Math.max(Math.max(committed, trackedFrom), logStart));
  }

  /**
   * Removes the committed entries, rehashing the others into the spare arrays (grown while a
   * quarter of them or more would be in use); the next sweep comes when half the slots are used, at
   * least a quarter of the capacity of adds later.
   */
  private void sweep() {
    long known = committed;
    int live = 0;
    for (long p : positions) {
      if (p != EMPTY && p >= known) {
        live++;
      }
    }
    int capacity = positions.length;
    while (live * 4 >= capacity) {
      capacity *= 2;
    }
    if (spareSeries == null || spareSeries.length != capacity) {
      spareSeries = new int[capacity];
      spareEntities = new long[capacity];
      sparePositions = new long[capacity];
    }
    Arrays.fill(sparePositions, EMPTY);
    int mask = capacity - 1;
    for (int j = 0; j < positions.length; j++) {
      long p = positions[j];
      if (p == EMPTY || p < known) {
        continue;
      }
      int i = slot(series[j], entities[j], mask);
      while (sparePositions[i] != EMPTY) {
        i = (i + 1) & mask;
      }
      spareSeries[i] = series[j];
      spareEntities[i] = entities[j];
      sparePositions[i] = p;
    }
    int[] s = series;
    long[] e = entities;
    long[] p = positions;
    series = spareSeries;
    entities = spareEntities;
    positions = sparePositions;
    spareSeries = s.length == capacity ? s : null;
    spareEntities = s.length == capacity ? e : null;
    sparePositions = s.length == capacity ? p : null;
    size = live;
    sweepAt = capacity / 2;
  }

  private void allocate(int capacity) {
    series = new int[capacity];
    entities = new long[capacity];
    positions = new long[capacity];
    Arrays.fill(positions, EMPTY);
    sweepAt = capacity / 2;
  }

  private static int slot(int seriesId, long entity, int mask) {
    long h = (entity ^ ((long) seriesId << 32 | seriesId)) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return (int) h & mask;
  }
}
