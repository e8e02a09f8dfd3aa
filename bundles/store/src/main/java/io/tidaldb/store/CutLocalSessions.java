package io.tidaldb.store;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code LOCAL} session records a cut of the shard's log kept (issue 12, wp-lcut): a cut keeps
 * their effect (a {@code LOCAL} ack promised this region's disk), and this set remembers them until
 * the shard log shows what became of the write.
 *
 * <p>Only records of this node's origin are held ({@link CutLocalSteps#collect}): the origin alone
 * compensates its records, so the column-wise join stays exact (wp-lcut2).
 *
 * <p>Rule, applied by the commit thread to every signal record of the shard log under the write
 * lock ({@link #applied}): a {@code SIGNAL_S} of a held (session, seq) with the cut record's
 * payload hash is the client's retry, stored again by a later leader: the entry is matched to it
 * (its epoch, position and HLC), and the cut record's effect is taken back ({@link
 * CrdtSignalState#compensate} on the cut record's log entry) only once the shard's known commit
 * passes the retry ({@link #compensateCommitted}: final, a committed record is never cut), the
 * entry then going (INFO); a cut at or below the retry holds the entry again ({@link #rearm}); a
 * matched entry is released neither by {@code ackedBelow} nor by the ttl. With another payload hash
 * it is another write: the entry goes and the effect stays (WARN); the cut record itself returning
 * through a later leader's log (same epoch, position and HLC) counts once already ({@code applyAt}
 * skipped it): the entry goes. Released without compensating (the effect stays, no retry can come
 * any more): a {@code SIGNAL_S} of the session with {@code ackedBelow} above the seq (the client
 * has its answer); the session idle longer than the session ttl by the session table's log clock
 * (the session's last HLC is the newest of its cut records and of its session records applied
 * since); the bound ({@link #MAX_ENTRIES} per shard: the entry of the oldest HLC goes, WARN). Every
 * decision is a function of the log and the set, so a replay from a snapshot holding the set
 * decides alike ({@link CutLocalSessionsCodec}).
 *
 * <p>Not thread-safe: the shard's write lock guards it (read under the read lock for a snapshot).
 */
final class CutLocalSessions {
  private static final Logger LOG = LoggerFactory.getLogger(CutLocalSessions.class);

  /** At most this many entries per shard; over it the oldest (by HLC) goes. */
  static final int MAX_ENTRIES = 65_536;

  /**
   * One kept cut record.
   *
   * @param session the session id
   * @param seq the seq
   * @param series the record's series id
   * @param entity the record's entity
   * @param epoch the epoch of the record's batch (its log entry is {@code ReplicaIds.log(epoch)})
   * @param position the record's log position
   * @param weight the signal's weight
   * @param eventTimeMillis the signal's event time
   * @param payloadHash the record's payload hash
   * @param hlc the record's HLC
   * @param retryEpoch the batch epoch of the retry it is matched to (held: -1)
   * @param retryPosition the log position of the retry it is matched to (held: -1)
   * @param retryHlc the HLC of the retry it is matched to (held: -1)
   */
  record Entry(
      long session,
      long seq,
      int series,
      long entity,
      long epoch,
      long position,
      double weight,
      long eventTimeMillis,
      int payloadHash,
      long hlc,
      long retryEpoch,
      long retryPosition,
      long retryHlc) {

    /** A held entry (no retry matched yet). */
    Entry(
        long session,
        long seq,
        int series,
        long entity,
        long epoch,
        long position,
        double weight,
        long eventTimeMillis,
        int payloadHash,
        long hlc) {
      this(
          session,
          seq,
          series,
          entity,
          epoch,
          position,
          weight,
          eventTimeMillis,
          payloadHash,
          hlc,
          -1,
          -1,
          -1);
    }

    /** Whether a retry in the shard log is matched to it (compensated once that commits). */
    boolean matched() {
      return retryPosition >= 0;
    }

    /** This entry matched to the retry at (epoch, position, hlc). */
    Entry matchedTo(long epoch, long position, long hlc) {
      return new Entry(
          session,
          seq,
          series,
          entity,
          this.epoch,
          this.position,
          weight,
          eventTimeMillis,
          payloadHash,
          this.hlc,
          epoch,
          position,
          hlc);
    }

    /** This entry held again (its retry was cut). */
    Entry held() {
      return new Entry(
          session, seq, series, entity, epoch, position, weight, eventTimeMillis, payloadHash, hlc);
    }
  }

  /** A session's entries by seq, and the session's last HLC seen (for the expiry). */
  static final class Group {
    final TreeMap<Long, Entry> seqs = new TreeMap<>();
    long lastHlc;
  }

  private static final Comparator<Entry> AGE =
      Comparator.comparingLong(Entry::hlc)
          .thenComparingLong(Entry::session)
          .thenComparingLong(Entry::seq);

  private final Map<Long, Group> groups = new HashMap<>();
  private final TreeSet<Entry> byAge = new TreeSet<>(AGE);
  private final List<Entry> matched = new ArrayList<>();
  private long lowestRetry = Long.MAX_VALUE;
  private final long ttlMillis;
  private long nextExpiryMillis = Long.MAX_VALUE;

  /**
   * @param ttlMillis the session table's idle expiry ({@code session.ttl})
   */
  CutLocalSessions(long ttlMillis) {
    this.ttlMillis = ttlMillis;
  }

  int size() {
    return byAge.size();
  }

  boolean isEmpty() {
    return byAge.isEmpty();
  }

  /** Returns the session's group, or null (codec and tests). */
  Group group(long session) {
    return groups.get(session);
  }

  /** Returns the session ttl the expiry uses. */
  long ttlMillis() {
    return ttlMillis;
  }

  /** Returns the entries, oldest HLC first (not to be changed while iterated). */
  Iterable<Entry> entries() {
    return byAge;
  }

  /** Returns the sessions' groups (codec: written in session order). */
  Map<Long, Group> groups() {
    return groups;
  }

  /** Returns the entry of (session, seq), or null. */
  Entry get(long session, long seq) {
    Group g = groups.get(session);
    return g == null ? null : g.seqs.get(seq);
  }

  /**
   * Adds a kept cut record (replacing one of the same session and seq); over {@link #MAX_ENTRIES}
   * the oldest entry goes.
   */
  void add(Entry e, int shard) {
    Group g = groups.computeIfAbsent(e.session(), k -> new Group());
    Entry old = g.seqs.put(e.seq(), e);
    if (old != null) {
      byAge.remove(old);
      unmatch(old);
    }
    if (e.matched()) {
      matched.add(e);
      lowestRetry = Math.min(lowestRetry, e.retryPosition());
    }
    g.lastHlc = Math.max(g.lastHlc, e.hlc());
    byAge.add(e);
    nextExpiryMillis = Math.min(nextExpiryMillis, deadline(g));
    while (byAge.size() > MAX_ENTRIES) {
      Entry oldest = byAge.first();
      remove(oldest);
      LOG.warn(
          "shard {}: more than {} cut LOCAL session records held: released the oldest, session"
              + " {} seq {} at {} (its effect stays; a retry of it now counts twice)",
          shard,
          MAX_ENTRIES,
          Long.toHexString(oldest.session()),
          oldest.seq(),
          oldest.position());
    }
  }

  /** Sets a group's last HLC (codec). */
  void lastHlc(long session, long hlc) {
    Group g = groups.get(session);
    if (g != null) {
      g.lastHlc = Math.max(g.lastHlc, hlc);
      nextExpiryMillis = Math.min(nextExpiryMillis, deadline(g));
    }
  }

  private void remove(Entry e) {
    byAge.remove(e);
    unmatch(e);
    Group g = groups.get(e.session());
    if (g != null) {
      g.seqs.remove(e.seq());
      if (g.seqs.isEmpty()) {
        groups.remove(e.session());
      }
    }
  }

  private void unmatch(Entry e) {
    if (e.matched() && matched.remove(e)) {
      long lowest = Long.MAX_VALUE;
      for (Entry m : matched) {
        lowest = Math.min(lowest, m.retryPosition());
      }
      lowestRetry = lowest;
    }
  }

  /** Returns the lowest position of a matched retry ({@link Long#MAX_VALUE}: none matched). */
  long lowestRetry() {
    return lowestRetry;
  }

  /** Returns how many entries are matched to a retry not yet known committed. */
  int matchedCount() {
    return matched.size();
  }

  /**
   * Compensates every matched entry whose retry lies below {@code committed} (the shard's known
   * commit, exclusive: every record below it is committed, so never cut) and removes it; the write
   * lock held. One comparison while no retry is due.
   *
   * @return how many were compensated
   */
  int compensateCommitted(ShardState s, long committed) {
    if (lowestRetry >= committed) {
      return 0;
    }
    List<Entry> due = new ArrayList<>();
    for (Entry m : matched) {
      if (m.retryPosition() < committed) {
        due.add(m);
      }
    }
    for (Entry m : due) {
      remove(m);
      CutLocalSteps.compensate(s.shard, s.registry, s.states, s.digest, m, m.retryPosition());
    }
    if (!due.isEmpty()) {
      s.merged(); // a change outside the log: the next checkpoint writes it
    }
    return due.size();
  }

  /**
   * A cut at {@code position} (write lock held): a matched entry whose retry lies at or above it is
   * held again, since the retry is gone (the cut record may get another retry, or return itself:
   * then nothing is compensated).
   *
   * @return how many entries were held again
   */
  int rearm(long position, int shard) {
    List<Entry> cut = new ArrayList<>();
    for (Entry m : matched) {
      if (m.retryPosition() >= position) {
        cut.add(m);
      }
    }
    for (Entry m : cut) {
      add(m.held(), shard);
      LOG.info(
          "shard {}: the retry at {} of session {} seq {} was cut at {} before it was known"
              + " committed: its cut LOCAL record at {} is held again, not taken back",
          shard,
          m.retryPosition(),
          Long.toHexString(m.session()),
          m.seq(),
          position,
          m.position());
    }
    return cut.size();
  }

  private long deadline(Group g) {
    return HlcStamp.physicalMillis(g.lastHlc) + ttlMillis;
  }

  /**
   * The commit thread's step for a signal record of the shard log applied while the set holds
   * entries (see the class comment); the write lock held.
   *
   * @param s the shard
   * @param c the cursor on the applied SIGNAL or SIGNAL_S record
   * @param epoch the record's batch epoch
   * @param series the record's series
   * @param clock the session table's clock after the record (the highest HLC applied)
   */
  void applied(ShardState s, RecordCursor c, long epoch, SeriesRegistry.Series series, long clock) {
    if (c.kind() == WalRecordKind.SIGNAL_S) {
      Group g = groups.get(c.session());
      if (g != null && sameTenant(s, g.seqs.firstEntry().getValue(), series)) {
        g.lastHlc = Math.max(g.lastHlc, c.hlc());
        Entry e = g.seqs.get(c.seq());
        if (e != null && !e.matched()) {
          settle(s, e, epoch, c.position(), c.hlc(), c.payloadHash());
        }
        releaseBelow(s, c.session(), c.ackedBelow());
      }
    }
    if (HlcStamp.physicalMillis(clock) > nextExpiryMillis) {
      expire(s, HlcStamp.physicalMillis(clock));
    }
  }

  /** Decides a held entry against a session record of it at (epoch, position, hlc). */
  private void settle(ShardState s, Entry e, long epoch, long position, long hlc, int hash) {
    if (epoch != e.epoch() || position != e.position() || hlc != e.hlc()) {
      if (hash == e.payloadHash()) { // the retry: taken back once it is known committed
        add(e.matchedTo(epoch, position, hlc), s.shard);
        LOG.info(
            "shard {}: session {} seq {} stored again at {}: its cut LOCAL record at {} (epoch {})"
                + " is taken back once the retry is known committed",
            s.shard,
            Long.toHexString(e.session()),
            e.seq(),
            position,
            e.position(),
            e.epoch());
        return;
      }
    }
    remove(e);
    if (epoch == e.epoch() && position == e.position() && hlc == e.hlc()) {
      LOG.info(
          "shard {}: cut LOCAL session record (session {}, seq {}) at {} returned through the"
              + " leader's log; counted once",
          s.shard,
          Long.toHexString(e.session()),
          e.seq(),
          position);
    } else {
      LOG.warn(
          "shard {}: session {} seq {} at {} has payload hash {} but the cut LOCAL record at {}"
              + " has {}: another write, the cut record's effect stays",
          s.shard,
          Long.toHexString(e.session()),
          e.seq(),
          position,
          Integer.toHexString(hash),
          e.position(),
          Integer.toHexString(e.payloadHash()));
    }
  }

  private static boolean sameTenant(ShardState s, Entry e, SeriesRegistry.Series series) {
    SeriesRegistry.Series cut = s.registry.get(e.series());
    return cut != null && cut.tenant().equals(series.tenant());
  }

  /** Releases the session's entries below {@code ackedBelow}: the client has their outcome. */
  private void releaseBelow(ShardState s, long session, long ackedBelow) {
    Group g = groups.get(session);
    if (g == null || g.seqs.firstKey() >= ackedBelow) {
      return;
    }
    List<Entry> below = new ArrayList<>(g.seqs.headMap(ackedBelow).values());
    for (Entry e : below) {
      if (e.matched()) {
        continue; // its retry is in the log: it waits for the retry's commit or cut
      }
      remove(e);
      LOG.info(
          "shard {}: session {} acknowledged below {}: released its cut LOCAL record of seq {} at"
              + " {} (its effect stays)",
          s.shard,
          Long.toHexString(session),
          ackedBelow,
          e.seq(),
          e.position());
    }
  }

  /** Releases the sessions idle longer than the ttl at {@code nowMillis}. */
  private void expire(ShardState s, long nowMillis) {
    long next = Long.MAX_VALUE;
    int released = 0;
    for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
      Group g = it.next();
      long deadline = deadline(g);
      if (nowMillis > deadline) {
        for (Iterator<Entry> es = g.seqs.values().iterator(); es.hasNext(); ) {
          Entry e = es.next();
          if (!e.matched()) { // a matched one waits for its retry's commit or cut
            byAge.remove(e);
            es.remove();
            released++;
          }
        }
        if (g.seqs.isEmpty()) {
          it.remove();
        }
      } else {
        next = Math.min(next, deadline);
      }
    }
    nextExpiryMillis = next;
    if (released > 0) {
      LOG.info(
          "shard {}: released {} cut LOCAL session records of sessions idle longer than {} ms"
              + " (their effect stays)",
          s.shard,
          released,
          ttlMillis);
    }
  }
}
