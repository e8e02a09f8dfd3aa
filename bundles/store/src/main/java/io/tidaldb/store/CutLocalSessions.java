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
 * <p>A session batch's part ({@code SIGNAL_BATCH_S}) is held one entry per signal, keyed by
 * (session, seq, index in the part): a cut keeps or drops whole records, so all of a part's signals
 * are held together, and each is matched to the retry's signal of the same index (the payload hash
 * covers the whole part), compensated, released or expired by the rules below as a {@code SIGNAL_S}
 * is.
 *
 * <p>Rule, applied by the commit thread to every signal record of the shard log under the write
 * lock ({@link #applied}): a {@code SIGNAL_S} of a held (session, seq) with the cut record's
 * payload hash is the client's retry, stored again by a later leader: the entry is matched to it
 * (its epoch, position and HLC), and the cut record's effect is taken back ({@link
 * CrdtSignalState#compensate} on the cut record's log entry) only once the shard's known commit
 * passes the retry ({@link CutLocalSteps#compensateCommitted}: final, a committed record is never
 * cut), the entry then going (INFO); a cut at or below the retry holds the entry again ({@link
 * CutLocalSteps#rearm}); a matched entry is released neither by {@code ackedBelow} nor by the ttl.
 * With another payload hash it is another write: the entry goes and the effect stays (WARN); the
 * cut record itself returning through a later leader's log (same epoch, position and HLC) counts
 * once already ({@code applyAt} skipped it): the entry goes. Released without compensating (the
 * effect stays, no retry can come any more): a {@code SIGNAL_S} of the session with {@code
 * ackedBelow} above the seq (the client has its answer); the session idle longer than the session
 * ttl by the session table's log clock (the session's last HLC is the newest of its cut records and
 * of its session records applied since); the bound ({@link #MAX_ENTRIES} per shard: the entry of
 * the oldest HLC goes, WARN). Every decision is a function of the log and the set, so a replay from
 * a snapshot holding the set decides alike ({@link CutLocalSessionsCodec}).
 *
 * <p>Not thread-safe: the shard's write lock guards it (read under the read lock for a snapshot).
 */
final class CutLocalSessions {
  private static final Logger LOG = LoggerFactory.getLogger(CutLocalSessions.class);

  /** At most this many entries per shard; over it the oldest (by HLC) goes. */
  static final int MAX_ENTRIES = 65_536;

  /**
   * A held signal's key in its session's group: its seq, and its index in its record (0 but for the
   * signals of a session batch's part, held one entry each).
   */
  record Key(long seq, int index) implements Comparable<Key> {
    static Key of(CutLocalEntry e) {
      return new Key(e.seq(), e.partIndex());
    }

    @Override
    public int compareTo(Key o) {
      int bySeq = Long.compare(seq, o.seq);
      return bySeq != 0 ? bySeq : Integer.compare(index, o.index);
    }
  }

  /** A session's entries by seq and index, and the session's last HLC seen (for the expiry). */
  static final class Group {
    final TreeMap<Key, CutLocalEntry> seqs = new TreeMap<>();
    long lastHlc;
  }

  private static final Comparator<CutLocalEntry> AGE =
      Comparator.comparingLong(CutLocalEntry::hlc)
          .thenComparingLong(CutLocalEntry::session)
          .thenComparingLong(CutLocalEntry::seq);

  private final Map<Long, Group> groups = new HashMap<>();
  private final TreeSet<CutLocalEntry> byAge = new TreeSet<>(AGE);
  private final List<CutLocalEntry> matched = new ArrayList<>();
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
  Iterable<CutLocalEntry> entries() {
    return byAge;
  }

  /** Returns the sessions' groups (codec: written in session order). */
  Map<Long, Group> groups() {
    return groups;
  }

  /** Returns the entry of (session, seq) (a SIGNAL_S record's, or a part's first), or null. */
  CutLocalEntry get(long session, long seq) {
    return get(session, seq, 0);
  }

  /** Returns the entry of (session, seq) and the signal's index in its record, or null. */
  CutLocalEntry get(long session, long seq, int index) {
    Group g = groups.get(session);
    return g == null ? null : g.seqs.get(new Key(seq, index));
  }

  /**
   * Adds a kept cut record's signal (replacing one of the same session, seq and index); over {@link
   * #MAX_ENTRIES} the oldest entry goes.
   */
  void add(CutLocalEntry e, int shard) {
    Group g = groups.computeIfAbsent(e.session(), k -> new Group());
    CutLocalEntry old = g.seqs.put(Key.of(e), e);
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
      CutLocalEntry oldest = byAge.first();
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

  /** Removes an entry (a matched one also from the matched list). */
  void remove(CutLocalEntry e) {
    byAge.remove(e);
    unmatch(e);
    Group g = groups.get(e.session());
    if (g != null) {
      g.seqs.remove(Key.of(e));
      if (g.seqs.isEmpty()) {
        groups.remove(e.session());
      }
    }
  }

  private void unmatch(CutLocalEntry e) {
    if (e.matched() && matched.remove(e)) {
      long lowest = Long.MAX_VALUE;
      for (CutLocalEntry m : matched) {
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
   * Returns a copy of the matched entries ({@link CutLocalSteps#compensateCommitted}, {@link
   * CutLocalSteps#rearm}).
   */
  List<CutLocalEntry> matched() {
    return new ArrayList<>(matched);
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
        CutLocalEntry e = g.seqs.get(new Key(c.seq(), c.partIndex()));
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
  private void settle(
      ShardState s, CutLocalEntry e, long epoch, long position, long hlc, int hash) {
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

  private static boolean sameTenant(ShardState s, CutLocalEntry e, SeriesRegistry.Series series) {
    SeriesRegistry.Series cut = s.registry.get(e.series());
    return cut != null && cut.tenant().equals(series.tenant());
  }

  /** Releases the session's entries below {@code ackedBelow}: the client has their outcome. */
  private void releaseBelow(ShardState s, long session, long ackedBelow) {
    Group g = groups.get(session);
    if (g == null || g.seqs.firstKey().seq() >= ackedBelow) {
      return;
    }
    List<CutLocalEntry> below = new ArrayList<>(g.seqs.headMap(new Key(ackedBelow, 0)).values());
    for (CutLocalEntry e : below) {
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
        for (Iterator<CutLocalEntry> es = g.seqs.values().iterator(); es.hasNext(); ) {
          CutLocalEntry e = es.next();
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
