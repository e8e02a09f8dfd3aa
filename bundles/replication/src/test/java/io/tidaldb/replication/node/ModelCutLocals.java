package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.SessionConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model store's cut LOCAL session records of one shard, as the store keeps them (the rule of
 * wp-lcut with wp-lcut2's origin and commit conditions): (1) at a cut every {@code LOCAL} session
 * record of the cut suffix that this region appended (its origin) enters the set, keyed by
 * (session, seq, index): a session batch's part ({@code SIGNAL_BATCH_S}) one entry per signal, as
 * the store's {@code CutLocalSessions}, each with its entity, its log replica {@code log(batch
 * epoch)}, weight, event time and the part's payload hash; its effect stays. Only the origin holds
 * a record, so every compensation of a record comes from one region (two holders' compensations,
 * joined, took it back twice: seed 657). (2) When the shard log applies a session record whose
 * (session, seq, index) is held (not matched): the same payload hash in another record is the retry
 * (for a part's signal: the retry's signal of the same index), and the entry is <em>matched</em> to
 * it (its position and id kept); another hash removes the entry (effect stays), and so does the cut
 * record itself returning through a later leader's log (the same record: its entry's end skips it,
 * its kept effect is its count; seed 3007). (3) A matched entry's cut record is {@link
 * CrdtSignalState#compensate compensated} and the entry removed once the shard's known commit
 * ({@code ReplicaState.onCommitted}, exclusive) passes the retry's position ({@link
 * #compensateCommitted}, after every applied record and at every rise of the known commit): a
 * committed record is never cut, so no compensation is ever undone. (4) A cut at or below a matched
 * retry's position holds the entry again (the retry is gone; before step 1). (5) A held entry is
 * released (effect stays) by a session record of its session applied with {@code ackedBelow > seq}
 * (the client holds the write acknowledged, so no retry follows), by its session's expiry by the
 * log clock (the highest HLC applied, idle longer than the session ttl), and by the size bound (the
 * oldest goes); a matched one by none of them (it waits for its retry's commit or cut). With {@code
 * originOnly} false ({@code -Dsimulation.compensate=holders}, wp-lcut's first rule) step 1 takes
 * every holder's records. Steps 2 and 5 run for the records the shard log applies at or after
 * {@code from}: the position of the snapshot the set came from (or of the last cut), so a restart
 * (snapshot's set, matched entries included, then the replay) decides exactly as the run before it.
 * Not thread-safe (the model is single-threaded).
 */
final class ModelCutLocals {
  /** Entries kept per shard before the oldest is released. */
  static final int MAX_ENTRIES = 1 << 16;

  /** Idle time of a session after which its entries are released: the session ttl. */
  static final long TTL_MILLIS = SessionConfig.DEFAULTS.ttlMillis();

  /** What the set learns of a cut record's fate. */
  interface Listener {
    /** The effect of cut record {@code signal} was compensated on applying {@code by}. */
    void compensated(long signal, long by);
  }

  /**
   * One cut LOCAL session record's signal: {@code index} is its index in its record (0 but for a
   * session batch's part, held one entry per signal); {@code lastHlc} is its session's last write
   * seen here; {@code retryPosition} and {@code retrySignal} the retry's signal of the same index
   * it is matched to (held: -1).
   */
  record Entry(
      long session,
      long seq,
      int index,
      long signal,
      long entity,
      long replica,
      double weight,
      long eventTime,
      int payloadHash,
      long lastHlc,
      long retryPosition,
      long retrySignal) {
    /** A held entry (no retry matched). */
    Entry(
        long session,
        long seq,
        int index,
        long signal,
        long entity,
        long replica,
        double weight,
        long eventTime,
        int payloadHash,
        long lastHlc) {
      this(
          session,
          seq,
          index,
          signal,
          entity,
          replica,
          weight,
          eventTime,
          payloadHash,
          lastHlc,
          -1,
          -1);
    }

    /** Its key in the set: (session, seq, index). */
    List<Long> key() {
      return ModelCutLocals.key(session, seq, index);
    }

    Entry seen(long hlc) {
      return hlc <= lastHlc
          ? this
          : new Entry(
              session,
              seq,
              index,
              signal,
              entity,
              replica,
              weight,
              eventTime,
              payloadHash,
              hlc,
              retryPosition,
              retrySignal);
    }

    boolean matched() {
      return retryPosition >= 0;
    }

    Entry matchedTo(long position, long retry) {
      return new Entry(
          session,
          seq,
          index,
          signal,
          entity,
          replica,
          weight,
          eventTime,
          payloadHash,
          lastHlc,
          position,
          retry);
    }

    Entry held() {
      return new Entry(
          session, seq, index, signal, entity, replica, weight, eventTime, payloadHash, lastHlc);
    }
  }

  /**
   * The key of a cut record's signal: (session, seq, index in its record), as the store's {@code
   * CutLocalSessions.Key}; with (session, seq) alone a part's signals would share one entry.
   */
  static List<Long> key(long session, long seq, int index) {
    return List.of(session, seq, (long) index);
  }

  private final LinkedHashMap<List<Long>, Entry> entries = new LinkedHashMap<>();
  private final int self;
  private final boolean originOnly;
  private long from;
  private long clock;

  /**
   * @param self this region
   * @param originOnly whether step 1 takes only the records this region appended
   * @param from the position from which applied records run steps 2 and 3 (the snapshot's)
   * @param kept the snapshot's entries, oldest first
   */
  ModelCutLocals(int self, boolean originOnly, long from, List<Entry> kept) {
    this.self = self;
    this.originOnly = originOnly;
    this.from = from;
    for (Entry e : kept) {
      entries.put(e.key(), e);
    }
  }

  /** The entries, oldest first (for the snapshot). */
  List<Entry> entries() {
    return new ArrayList<>(entries.values());
  }

  /**
   * Step 1, at a cut at {@code position}: the suffix's LOCAL session records enter the set, and the
   * records applied from {@code position} on (the new leader's) run steps 2 and 3.
   */
  void cut(List<SimBatch> batches, long position) {
    from = position;
    entries.replaceAll((k, e) -> e.matched() && e.retryPosition() >= position ? e.held() : e);
    for (SimBatch b : batches) {
      long[] ids = b.signalIds();
      for (int i = 0; i < b.recordCount(); i++) {
        if (b.firstPosition() + i < position
            || !b.isSession(i)
            || b.durability(i) != Durability.LOCAL
            || (originOnly && b.origin(i) != self)) {
          continue;
        }
        SessionSeq s = b.session(i);
        List<Long> key = key(s.session(), s.seq(), b.partIndex(i));
        entries.remove(key); // a newer record of the write replaces it, as in the store
        entries.put(
            key,
            new Entry(
                s.session(),
                s.seq(),
                b.partIndex(i),
                ids[i],
                b.entity(i),
                ReplicaIds.log(b.epoch()),
                b.weight(i),
                b.eventTime(i),
                b.payloadHash(i),
                ids[i]));
        while (entries.size() > MAX_ENTRIES) {
          Iterator<List<Long>> oldest = entries.keySet().iterator();
          oldest.next();
          oldest.remove();
        }
      }
    }
  }

  /**
   * Steps 2, 3 and 5 for a batch the shard log applied (its records' effect already applied), the
   * shard's known commit being {@code committed} (exclusive).
   *
   * @return how many cut records it compensated
   */
  int apply(SimBatch b, long committed, Map<Long, CrdtSignalState> states, Listener listener) {
    long[] ids = b.signalIds();
    int compensated = 0;
    for (int i = 0; i < b.recordCount(); i++) {
      clock = Math.max(clock, ids[i]);
      long at = b.firstPosition() + i;
      if (at < from) {
        continue; // its decision is in the snapshot
      }
      if (!entries.isEmpty() && b.isSession(i)) {
        SessionSeq s = b.session(i);
        List<Long> key = key(s.session(), s.seq(), b.partIndex(i));
        Entry cut = entries.get(key);
        if (cut != null && !cut.matched()) {
          if (cut.signal() != ids[i] && cut.payloadHash() == b.payloadHash(i)) {
            entries.put(key, cut.matchedTo(at, ids[i])); // the retry: taken back once committed
          } else {
            entries.remove(key); // the record itself, or another write: the effect stays
          }
        }
        release(s, ids[i]);
      }
      compensated += compensateCommitted(committed, states, listener);
      if (!entries.isEmpty()) {
        expire();
      }
    }
    return compensated;
  }

  /**
   * Step 3: compensates every matched entry whose retry lies below {@code committed} (the shard's
   * known commit, exclusive) and removes it.
   *
   * @return how many it compensated
   */
  int compensateCommitted(long committed, Map<Long, CrdtSignalState> states, Listener listener) {
    int compensated = 0;
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry cut = it.next();
      if (!cut.matched() || cut.retryPosition() >= committed) {
        continue;
      }
      it.remove();
      CrdtSignalState state = states.get(cut.entity());
      if (state == null
          || !state.compensate(cut.replica(), cut.weight(), cut.eventTime(), ModelStore.DECAY)) {
        throw new AssertionError(
            "no entry "
                + Long.toHexString(cut.replica())
                + " of entity "
                + cut.entity()
                + " to compensate cut record "
                + cut.signal()
                + " in: "
                + state);
      }
      listener.compensated(cut.signal(), cut.retrySignal());
      compensated++;
    }
    return compensated;
  }

  /** A matched entry whose retry is not yet known committed, or null. */
  Entry waitingForCommit() {
    for (Entry e : entries.values()) {
      if (e.matched()) {
        return e;
      }
    }
    return null;
  }

  /** Releases the entries of the session below its ackedBelow; notes its last write. */
  private void release(SessionSeq s, long hlc) {
    for (Iterator<Map.Entry<List<Long>, Entry>> it = entries.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<List<Long>, Entry> e = it.next();
      if (e.getValue().session() != s.session()) {
        continue;
      }
      if (e.getValue().seq() < s.ackedBelow() && !e.getValue().matched()) {
        it.remove();
      } else {
        e.setValue(e.getValue().seen(hlc));
      }
    }
  }

  private void expire() {
    long now = HlcStamp.physicalMillis(clock);
    entries
        .values()
        .removeIf(e -> !e.matched() && now - HlcStamp.physicalMillis(e.lastHlc()) > TTL_MILLIS);
  }
}
