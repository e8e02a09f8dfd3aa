package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.Refusal;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.session.table.SessionTable;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;

/**
 * One shard's session tables of the local streams (docs/design/sessions.md, "Partition writes"):
 * this region's own <b>local table</b>, fed by the shard's local log in local-position order on its
 * commit thread ({@link LocalStream}), and the newest <b>copy</b> this region has of every other
 * (region, incarnation)'s local table of the shard, carried by reconciliation.
 *
 * <p>A local table is a single-writer state of its owner (region, incarnation), named by the same
 * replica id as the owner's {@code local(region, incarnation)} CRDT entry ({@link
 * ReplicaIds#local}) and versioned by its {@link SessionTable#appliedBelow() applied position} (the
 * owner's local position: every local record feeds it). The copies join by keeping the higher
 * version; a copy is never edited, and a copy of the owner's own id is ignored (its own table is
 * the truth).
 *
 * <p>Encoding (snapshot format 9, after the shard's session table; little-endian): the owner's
 * replica id (8 bytes), its table ({@link SessionTable#writeTo}), the number of copies (4 bytes),
 * then per copy in unsigned replica-id order its replica id (8 bytes) and table. A snapshot taken
 * under another incarnation of this region loads its table as this region's own (the local log is
 * the same log).
 *
 * <p>Not thread-safe: the shard's lock guards it (write lock to change, read lock to check or
 * encode).
 */
final class LocalSessions {
  private final SessionConfig config;
  private final long owner;

  /** The owner named by the encoding this was read from (an install joins it as a copy). */
  private long writtenBy;

  private SessionTable table;
  private final TreeMap<Long, SessionTable> copies = new TreeMap<>(ReplicaIds::compare);

  /**
   * @param config the policy every table of the shard shares
   * @param owner this region's replica id, {@code ReplicaIds.local(region, incarnation)}
   */
  LocalSessions(SessionConfig config, long owner) {
    this.config = config;
    this.owner = owner;
    this.writtenBy = owner;
    this.table = new SessionTable(config);
  }

  /** Returns this region's replica id (the owner of {@link #table()}). */
  long owner() {
    return owner;
  }

  /** Returns the owner named by the encoding this was read from (else {@link #owner()}). */
  long writtenBy() {
    return writtenBy;
  }

  /** Returns this region's local table. */
  SessionTable table() {
    return table;
  }

  /** Returns the copy of {@code replica}'s table, or null if none. */
  SessionTable copy(long replica) {
    return copies.get(replica);
  }

  /** Returns the copies by replica id (unsigned order; a view, lock held while used). */
  Map<Long, SessionTable> copies() {
    return copies;
  }

  /**
   * Feeds one record of the local log (in local-position order; write lock held), by the shard
   * table's rule ({@link ShardSessions#feed(SessionTable, RecordCursor, SeriesRegistry.Series)}).
   */
  void feed(RecordCursor c, SeriesRegistry.Series series) {
    ShardSessions.feed(table, c, series);
  }

  /**
   * Decides a session write against the local table and the copies, changing nothing (read lock
   * held): a DUPLICATE in any of them first (the original local write's position and HLC), else the
   * first REFUSED, else NEW. Only the table a write is appended to imposes its policy (a full
   * window, a seq gap, too many sessions, an expired session): a write that goes elsewhere ({@code
   * appending} false: the shard log) and every copy refuse only a seq whose record they hold with
   * another payload or below their window, so a frozen copy never blocks a session that goes on
   * writing elsewhere.
   *
   * @param appending whether the write is appended to this region's local stream (its table's
   *     policy applies)
   */
  Decision check(TenantId tenant, SessionSeq s, int payloadHash, boolean appending) {
    Decision d =
        ownRecords(
            table.check(tenant, s.session(), s.seq(), s.ackedBelow(), payloadHash), appending);
    if (d.kind() == Decision.Kind.DUPLICATE || copies.isEmpty()) {
      return d;
    }
    Decision refused = d.kind() == Decision.Kind.REFUSED ? d : null;
    for (SessionTable t : copies.values()) {
      Decision c =
          ownRecords(t.check(tenant, s.session(), s.seq(), s.ackedBelow(), payloadHash), false);
      if (c.kind() == Decision.Kind.DUPLICATE) {
        return c;
      }
      if (refused == null && c.kind() == Decision.Kind.REFUSED) {
        refused = c;
      }
    }
    return refused != null ? refused : Decision.NEW;
  }

  /** {@code d}, or NEW for a refusal by a table's policy rather than by its records. */
  private static Decision ownRecords(Decision d, boolean policy) {
    if (policy || d.kind() != Decision.Kind.REFUSED) {
      return d;
    }
    Refusal r = d.refusal();
    return r == Refusal.BELOW_WINDOW || r == Refusal.PAYLOAD_DIFFERS ? d : Decision.NEW;
  }

  /**
   * Joins a copy of {@code replica}'s local table (write lock held): kept if newer (a higher
   * applied position) than the copy held; the owner's own id and an empty table (nothing fed) are
   * ignored.
   *
   * @return true if the copy replaced the one held (or was the first)
   */
  boolean join(long replica, SessionTable copy) {
    if (replica == owner) {
      return false;
    }
    SessionTable held = copies.get(replica);
    if (held == null ? copy.appliedBelow() == 0 : held.appliedBelow() >= copy.appliedBelow()) {
      return false;
    }
    copies.put(replica, copy);
    return true;
  }

  /**
   * Joins another region's tables (a leader's snapshot being installed): its own table as a copy of
   * the owner its encoding names, and each of its copies (write lock held).
   *
   * @return true if any copy here changed
   */
  boolean joinAll(LocalSessions other) {
    boolean changed = join(other.writtenBy, other.table);
    for (Map.Entry<Long, SessionTable> e : other.copies.entrySet()) {
      changed |= join(e.getKey(), e.getValue());
    }
    return changed;
  }

  /**
   * Returns the version (applied position) this region holds of {@code replica}'s table: its own
   * table's for the owner, -1 if it holds none.
   */
  long version(long replica) {
    if (replica == owner) {
      return table.appliedBelow();
    }
    SessionTable t = copies.get(replica);
    return t == null ? -1 : t.appliedBelow();
  }

  /** Returns the length of {@link #writeTo}'s encoding. */
  int encodedLength() {
    int n = 8 + table.encodedLength() + 4;
    for (SessionTable t : copies.values()) {
      n += 8 + t.encodedLength();
    }
    return n;
  }

  /** Writes the encoding (see the class comment) at the buffer's position, little-endian. */
  void writeTo(ByteBuffer b) {
    ByteOrder order = b.order();
    b.order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(owner);
    table.writeTo(b);
    b.putInt(copies.size());
    for (Map.Entry<Long, SessionTable> e : copies.entrySet()) {
      b.putLong(e.getKey());
      e.getValue().writeTo(b);
    }
    b.order(order);
  }

  /**
   * Reads an encoding written by {@link #writeTo} at the buffer's position and advances past it;
   * the table read is this region's own ({@code owner}) whichever incarnation wrote it.
   *
   * @param owner this region's replica id, or 0 to take the one the encoding names (a leader's
   *     snapshot verified for an install)
   * @throws InvalidArgumentException naming the offset, field and value of a malformed encoding
   */
  static LocalSessions readFrom(ByteBuffer b, SessionConfig config, long owner) {
    ByteOrder order = b.order();
    b.order(ByteOrder.LITTLE_ENDIAN);
    int at = b.position();
    try {
      long written = b.getLong();
      requireLocal("owner", at, written);
      LocalSessions l = new LocalSessions(config, owner == 0 ? written : owner);
      l.writtenBy = written;
      l.table = SessionTable.readFrom(b, config);
      at = b.position();
      int count = b.getInt();
      if (count < 0) {
        throw malformed(at, "copy count", count);
      }
      long previous = 0;
      for (int i = 0; i < count; i++) {
        at = b.position();
        long replica = b.getLong();
        requireLocal("copy replica id", at, replica);
        if (i > 0 && ReplicaIds.compare(previous, replica) >= 0) {
          throw malformed(at, "copy replica id (not ascending)", ReplicaIds.toString(replica));
        }
        previous = replica;
        l.copies.put(replica, SessionTable.readFrom(b, config));
      }
      l.copies.remove(l.owner); // written under another incarnation, then merged back: ours rules
      return l;
    } catch (BufferUnderflowException e) {
      throw malformed(b.position(), "local session tables", "truncated");
    } finally {
      b.order(order);
    }
  }

  private static void requireLocal(String field, int at, long replica) {
    if (replica >= 0 || !ReplicaIds.isValid(replica)) {
      throw malformed(at, field + " (not a local replica id)", Long.toHexString(replica));
    }
  }

  private static InvalidArgumentException malformed(int offset, String field, Object value) {
    return new InvalidArgumentException(
        field, value, "malformed local session tables at offset " + offset + ": " + field);
  }
}
