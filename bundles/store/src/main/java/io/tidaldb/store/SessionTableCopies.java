package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.SessionTable;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The store's half of carrying the local streams' session tables by reconciliation ({@link
 * io.tidaldb.api.reconcile.ReconcileState#sessionTableVersions}): the versions a shard holds, a
 * table's canonical encoding, and the join of a copy ({@link LocalSessions#join}) under the shard's
 * write lock. A kept copy is fed by no record of this region's logs, so it is made durable like a
 * merged state: counted as a merge and a checkpoint of the shard queued ({@link
 * ShardState#checkpointMerges}).
 */
final class SessionTableCopies {
  private SessionTableCopies() {}

  /** This region's own table (if it holds anything) and the copies, by replica id. */
  static Map<Long, Long> versions(ShardState s) {
    Map<Long, Long> out = new LinkedHashMap<>();
    s.lock.readLock().lock();
    try {
      LocalSessions l = s.sessions.local();
      if (l.table().appliedBelow() > 0) {
        out.put(l.owner(), l.table().appliedBelow());
      }
      l.copies().forEach((replica, t) -> out.put(replica, t.appliedBelow()));
    } finally {
      s.lock.readLock().unlock();
    }
    return out;
  }

  /** The canonical encoding of {@code replica}'s table held here, or null. */
  static byte[] encoding(ShardState s, long replica) {
    s.lock.readLock().lock();
    try {
      LocalSessions l = s.sessions.local();
      SessionTable t = replica == l.owner() ? l.table() : l.copy(replica);
      if (t == null) {
        return null;
      }
      ByteBuffer b = ByteBuffer.allocate(t.encodedLength()).order(ByteOrder.LITTLE_ENDIAN);
      t.writeTo(b);
      return b.array();
    } finally {
      s.lock.readLock().unlock();
    }
  }

  /**
   * Decodes a copy of {@code replica}'s table (outside the lock) and joins it.
   *
   * @return true if kept
   * @throws InvalidArgumentException for a malformed encoding or a replica id that is not local
   */
  static boolean merge(ShardState s, long replica, byte[] encoding) {
    if (replica >= 0 || !ReplicaIds.isValid(replica)) {
      throw new InvalidArgumentException(
          "replica",
          Long.toHexString(replica),
          "shard " + s.shard + ": a session table copy must name a local replica id");
    }
    ByteBuffer b = ByteBuffer.wrap(encoding).order(ByteOrder.LITTLE_ENDIAN);
    SessionTable copy;
    try {
      copy = SessionTable.readFrom(b, s.sessions.config());
    } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
      throw new InvalidArgumentException(
          "session table",
          ReplicaIds.toString(replica),
          "shard " + s.shard + ": cut short at offset " + b.position() + ": " + e);
    }
    if (b.hasRemaining()) {
      throw new InvalidArgumentException(
          "session table",
          ReplicaIds.toString(replica),
          "shard "
              + s.shard
              + ": "
              + b.remaining()
              + " trailing bytes at offset "
              + b.position()
              + " of "
              + encoding.length);
    }
    boolean kept;
    s.lock.writeLock().lock();
    try {
      kept = s.sessions.local().join(replica, copy);
      if (kept) {
        s.merged();
      }
    } finally {
      s.lock.writeLock().unlock();
    }
    if (kept) {
      s.checkpointMerges(); // in no log here: only a snapshot keeps it
    }
    return kept;
  }
}
