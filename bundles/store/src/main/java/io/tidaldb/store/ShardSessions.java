package io.tidaldb.store;

import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.StampedLock;

/**
 * A shard's session table ({@link SessionTable}, bundles/session) as shard state: fed by the
 * shard's log on the commit thread, in position order, under the shard's write lock, as the CRDT
 * state is; kept in the shard's snapshots (format 8) and replaced with the state by a snapshot
 * load, an install or a cut. Beside it, the shard's {@link LocalSessions} (this region's local
 * table, fed by the local stream, and the copies of the other regions' local tables): in the
 * snapshots from format 9 on, after the shard's table; an install or a cut leaves it alone (the
 * local log is neither installed nor cut).
 *
 * <p>Feeding rule: a {@code SIGNAL_S} record {@link SessionTable#apply applies} (tenant of its
 * series, session, seq, ackedBelow, payload hash, position, HLC), a session batch's part ({@code
 * SIGNAL_BATCH_S}, read as one SIGNAL_S entry per signal) at its last signal's position and HLC; a
 * {@code SIGNAL}, and a part's other signals, {@link SessionTable#advance advance} the table to
 * their position and HLC; a {@code DEFINE} or {@code COMPACT}, which carry no HLC, advances it to
 * its position at the table's own clock (so the table's applied position follows the log and its
 * clock stays a function of the records). The local stream feeds the local table by the same rule,
 * never the shard's.
 *
 * <p>Locking: a change (records fed, the table replaced or cleared) holds the shard's write lock
 * and this object's {@link StampedLock}'s write lock, and moves the {@link #version} (a sequence
 * lock) to odd before each record's apply (and each replacement) and back to even after it; the
 * leader's {@link #check} and {@link #appliedBelow} take neither lock on their fast path: they read
 * the table between two reads of the version and keep what they read if it stayed the same even
 * value (the usual write, a seq above its session's highest: {@link
 * SessionTable#checkAboveHighest}, no locked instruction, bench/RESULTS.md §17.7), spinning while a
 * record's apply is under way (a fraction of a microsecond), else take the read lock. So a check
 * never waits for the apply of a whole batch under the shard's write lock (bench/RESULTS.md §17.4),
 * nor for a chunk: it parked on the lock whenever it met a chunk's apply, and the commit thread
 * then paid a futex wake to unpark it (bench/RESULTS.md §29). The commit thread applies each record
 * to the table as it applies it to the state ({@link #feed}), holding the write lock for {@value
 * #FEED_CHUNK} records at most and releasing it before it releases the shard's write lock ({@link
 * #flush}), so the lock is taken once per chunk, and a check that must take the read lock (a retry,
 * a seq out of order, a session's first write to the shard) waits for at most one chunk's records
 * (bench/RESULTS.md §17.5; those records were queued and applied to the table apart until the fast
 * path stopped failing on the held lock, §29). The table lags the shard's state by the record being
 * applied at most; the leader's writes in flight cover what it has not applied ({@link
 * SessionWrites}: an entry is dropped only once the table's {@link #appliedBelow} passes it).
 * {@link #table} and {@link #encode} are read under the shard's lock (read or write), which
 * excludes every change.
 */
final class ShardSessions {
  /** Records {@link #feed} applies under one hold of the write lock, at most. */
  static final int FEED_CHUNK = 64;

  private final SessionConfig config;
  private final long owner;

  /**
   * Orders the table's changes (write lock) against the leader's checks and {@link #appliedBelow}
   * that could not decide on the fast path (read lock). Not reentrant: nothing under it takes it
   * again.
   */
  private final StampedLock lock = new StampedLock();

  /**
   * The sequence lock of the fast path: odd while a record is applied to the table or the table is
   * replaced (always under {@link #lock}'s write lock, so one writer at a time), even between; read
   * by {@link #VERSION} (acquire, then a fence before the second read, as {@link
   * StampedLock#validate}).
   */
  @SuppressWarnings("unused") // through VERSION
  private long version;

  private static final VarHandle VERSION;

  /** Fast-path reads that met a change, at most, before a check takes the read lock. */
  private static final int SPINS = 256;

  static {
    try {
      VERSION = MethodHandles.lookup().findVarHandle(ShardSessions.class, "version", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private long held; // the write lock's stamp while feed holds it (commit thread only), else 0
  private int heldFor; // records fed in this hold

  private SessionTable table;
  private volatile LocalSessions local; // read without the lock by ShardState#checkLocalSessions

  /** Sessions of a region 0, incarnation 0 (tests and files read without a region). */
  ShardSessions(SessionConfig config) {
    this(config, ReplicaIds.local(0, 0));
  }

  /**
   * @param config the policy
   * @param owner this region's replica id, {@code ReplicaIds.local(region, incarnation)}
   */
  ShardSessions(SessionConfig config, long owner) {
    this.config = config;
    this.owner = owner;
    this.table = new SessionTable(config);
    this.local = new LocalSessions(config, owner);
  }

  /** Returns the local streams' tables (this region's and the copies). */
  LocalSessions local() {
    return local;
  }

  /** Returns this region's replica id. */
  long owner() {
    return owner;
  }

  /** Replaces the local streams' tables (a snapshot of format 9 loaded); write lock held. */
  void replaceLocal(LocalSessions loaded) {
    this.local = loaded;
  }

  /** Returns the current table; the shard's lock held. */
  SessionTable table() {
    return table;
  }

  /** Returns the shared policy. */
  SessionConfig config() {
    return config;
  }

  /** Replaces the table (a snapshot loaded or installed, a cut rebuilt); write lock held. */
  void replaceWith(SessionTable loaded) {
    long w = lock.writeLock();
    long v = beginChange();
    try {
      this.table = loaded;
    } finally {
      endChange(v);
      lock.unlockWrite(w);
    }
  }

  /**
   * Empties the table and the local streams' tables (a snapshot of a format without them); write
   * lock held.
   */
  void clear() {
    long w = lock.writeLock();
    long v = beginChange();
    try {
      this.table = new SessionTable(config);
      this.local = new LocalSessions(config, owner);
    } finally {
      endChange(v);
      lock.unlockWrite(w);
    }
  }

  /**
   * Applies one record of the shard log to the table (see the class comment), inside its own change
   * of {@link #version}, under the write lock, which it takes if this hold has not and releases
   * after {@value #FEED_CHUNK} records. Commit thread only, under the shard's write lock, which
   * must not be released before {@link #flush}.
   *
   * @param c the cursor on the record
   * @param series the record's series (a SIGNAL or SIGNAL_S), or null for other kinds
   */
  void feed(RecordCursor c, SeriesRegistry.Series series) {
    if (held == 0) {
      held = lock.writeLock();
    }
    long v = beginChange();
    try {
      feed(table, c, series);
    } finally {
      endChange(v);
    }
    if (++heldFor == FEED_CHUNK) {
      flush();
    }
  }

  /**
   * Releases the write lock {@link #feed} holds, if it does; the commit thread calls it before it
   * releases the shard's write lock (also after a record's apply threw).
   */
  void flush() {
    long w = held;
    if (w != 0) {
      held = 0;
      heldFor = 0;
      lock.unlockWrite(w);
    }
  }

  /** Moves {@link #version} to odd before a change (commit thread, write lock held); its value. */
  private long beginChange() {
    long v = (long) VERSION.getOpaque(this);
    VERSION.setOpaque(this, v + 1);
    VarHandle.storeStoreFence(); // the odd value is seen before any store of the change
    return v;
  }

  /**
   * Whether no change began since {@link #version} read {@code v} (even), so the table reads made
   * since then saw one state ({@link StampedLock#validate}'s pattern).
   */
  private boolean unchanged(long v) {
    VarHandle.acquireFence(); // the table's reads before the version's second read
    return (long) VERSION.getOpaque(this) == v;
  }

  /** Moves {@link #version} back to even after the change begun at {@code v}. */
  private void endChange(long v) {
    VERSION.setRelease(this, v + 2); // after every store of the change
  }

  /** Feeds one record to {@code into}, as {@link #feed(RecordCursor, SeriesRegistry.Series)}. */
  static void feed(SessionTable into, RecordCursor c, SeriesRegistry.Series series) {
    byte kind = c.kind();
    if (kind == WalRecordKind.SIGNAL_S && c.partIndex() == c.partSize() - 1) {
      into.apply(
          series.tenant(),
          c.session(),
          c.seq(),
          c.ackedBelow(),
          c.payloadHash(),
          c.position(),
          c.hlc());
    } else if (kind == WalRecordKind.SIGNAL || kind == WalRecordKind.SIGNAL_S) {
      into.advance(c.position(), c.hlc()); // a SIGNAL, or a session part's signal but its last
    } else {
      into.advance(c.position(), into.clock());
    }
  }

  /**
   * Decides a session write against the table, changing nothing. The usual write, a seq above its
   * session's highest, is decided without a lock ({@link SessionTable#checkAboveHighest}, read
   * between two equal even values of {@link #version}: no locked instruction; spinning while a
   * record's apply is under way); any other, or one whose reads kept meeting changes, under the
   * read lock.
   *
   * @param tenant the write's tenant
   * @param session the write's session, seq and ackedBelow
   * @param payloadHash {@link SessionPayload#hash} of the write
   * @return the table's decision
   */
  Decision check(TenantId tenant, SessionSeq session, int payloadHash) {
    for (int spin = 0; spin < SPINS; spin++) {
      long v = (long) VERSION.getAcquire(this);
      if ((v & 1) == 0) {
        Decision d =
            table.checkAboveHighest(tenant, session.session(), session.seq(), session.ackedBelow());
        if (unchanged(v)) {
          if (d != null) {
            return d;
          }
          break; // not the usual write: the full check, under the read lock
        }
      }
      Thread.onSpinWait(); // a record's apply is under way
    }
    long r = lock.readLock();
    try {
      return table.check(
          tenant, session.session(), session.seq(), session.ackedBelow(), payloadHash);
    } finally {
      lock.unlockRead(r);
    }
  }

  /**
   * Returns the table's applied position (every record below it is in the table); read as {@link
   * #check} reads the table, under the read lock if its reads kept meeting changes.
   */
  long appliedBelow() {
    for (int spin = 0; spin < SPINS; spin++) {
      long v = (long) VERSION.getAcquire(this);
      if ((v & 1) == 0) {
        long applied = table.appliedBelow();
        if (unchanged(v)) {
          return applied;
        }
      }
      Thread.onSpinWait();
    }
    long r = lock.readLock();
    try {
      return table.appliedBelow();
    } finally {
      lock.unlockRead(r);
    }
  }

  /**
   * Returns what a snapshot of format 9 holds after its entries: the canonical encoding of the
   * table, then the local streams' tables ({@link LocalSessions#writeTo}); little-endian,
   * positioned at 0; lock held.
   */
  ByteBuffer encode() {
    return encodeWith(table);
  }

  /**
   * As {@link #encode()} with {@code shardTable} in place of this shard's table (an install: the
   * leader's table beside this region's local streams' tables); lock held.
   */
  ByteBuffer encodeWith(SessionTable shardTable) {
    ByteBuffer b =
        ByteBuffer.allocate(shardTable.encodedLength() + local.encodedLength())
            .order(ByteOrder.LITTLE_ENDIAN);
    shardTable.writeTo(b);
    local.writeTo(b);
    return b.flip();
  }

  /** Returns the canonical encoding of {@code t}, positioned at 0. */
  static ByteBuffer encode(SessionTable t) {
    ByteBuffer b = ByteBuffer.allocate(t.encodedLength()).order(ByteOrder.LITTLE_ENDIAN);
    t.writeTo(b);
    return b.flip();
  }

  /**
   * Rebuilds the table of the log prefix below {@code position}: {@code base} (a snapshot's table
   * at {@code from}) fed every record of the log from {@code from} up to {@code position}. The
   * commit thread's rule, so the result equals a table fed that prefix alone.
   *
   * @param s the shard (its registry names the series of the prefix's session signals)
   * @param base the table at {@code from}
   * @param from the snapshot's position
   * @param position the end of the prefix
   * @return {@code base}, fed
   * @throws StorageException if the log does not hold the positions from {@code from}
   */
  static SessionTable replay(ShardState s, SessionTable base, long from, long position) {
    long next = from;
    try (WalReader reader = s.log.openReader(from)) {
      for (WalBatch batch = reader.next();
          batch != null && next < position;
          batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next() && c.position() < position) {
          if (c.position() < next) {
            continue;
          }
          SeriesRegistry.Series series = null;
          if (c.kind() == WalRecordKind.SIGNAL_S) {
            series = s.registry.get(c.seriesId());
            if (series == null) {
              throw new StorageException(
                  "shard "
                      + s.shard
                      + ": session signal at position "
                      + c.position()
                      + " uses undefined series "
                      + c.seriesId()
                      + " while rebuilding the session table below "
                      + position);
            }
          }
          feed(base, c, series);
          next = c.position() + 1;
        }
      }
    }
    if (next != position) {
      throw new StorageException(
          "shard "
              + s.shard
              + ": rebuilding the session table below "
              + position
              + " from "
              + from
              + " found the log's records only up to "
              + next);
    }
    return base;
  }
}
