package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The history checker's part about client sessions ({@link SimClients}), run after {@link
 * SimChecker}'s log checks: every write ended with an acknowledgement (none refused); every signal
 * of every acknowledged write (each of a part's) was stored by some region; for QUORUM/ALL every
 * acknowledgement of the write (of any attempt) equals the first (position and HLC) and the final
 * log holds that write's record there: at that position with that HLC its last signal (a part's
 * acknowledgement is its last signal's), the record holding the write's signals in order, and so
 * does every QUORUM acknowledgement of a LOCAL write (a retry at another region asks for QUORUM);
 * no (session, seq) is in a final log twice (a part's record counted once, not per signal). That
 * every (session, seq) is counted at most once (exactly once if acknowledged) in every region's
 * final state is {@link SimChecker}'s model check, which counts each written (session, seq) once (a
 * part's signals once per index), at every level; its failure names the writes of the entity that
 * more than one record holds ({@link #explain}). A LOCAL write whose record a deposed leader's cut
 * kept and whose retry the new leader stored has two records (counted by {@link
 * #localStoredTwice}); the stores compensate the cut one's effect when they apply the retry ({@link
 * ModelCutLocals}), so the write still counts once.
 */
final class SimSessionChecker {
  /** What a failure report says of a record spread by reconciliation before its region's cut. */
  static final String KNOWN_GAP = "the known gap (reconciliation before the cut)";

  /** What it says of a write stored twice otherwise. */
  static final String OTHER_CAUSE =
      "NOT the known gap: no session record of this entity spread before its region's cut";

  private final Sim sim;
  private final SimClients clients;

  SimSessionChecker(Sim sim, SimClients clients) {
    this.sim = sim;
    this.clients = clients;
  }

  /** Returns the first violation found, or null. */
  String check() {
    Map<Long, Map<Long, List<Long>>> inLogs = inLogs();
    Set<List<Long>> stored = storedSignals();
    for (SimClients.Write w : clients.writes()) {
      String failure = check(w, inLogs, stored);
      if (failure != null) {
        return failure + ":\n    " + w;
      }
    }
    return null;
  }

  private String check(
      SimClients.Write w, Map<Long, Map<Long, List<Long>>> inLogs, Set<List<Long>> stored) {
    if (!w.done || w.ack == null) {
      return w.refusal != null ? "a session write was refused" : "a session write never ended";
    }
    long session = w.first.session();
    long seq = w.first.seq();
    for (int i = 0; i < w.signals.size(); i++) {
      if (!stored.contains(List.of(session, seq, (long) i))) {
        return "an acknowledged session write"
            + (w.part ? "'s signal " + i : "")
            + " was never applied by any region's store";
      }
    }
    List<Long> positions = inLogs.getOrDefault(session, Map.of()).getOrDefault(seq, List.of());
    if (positions.size() > 1) {
      return "a session write is in the final log " + positions.size() + " times, at " + positions;
    }
    if (w.level == Durability.LOCAL) {
      // a retry at another region asks for QUORUM: such an acknowledgement promises the log
      for (SignalAck ack : w.acks) {
        if (ack.durability() != Durability.LOCAL && !ack.local()) {
          String failure = inFinalLog(w, ack);
          if (failure != null) {
            return "a LOCAL write's " + ack.durability() + " acknowledgement: " + failure;
          }
        }
      }
      return null;
    }
    for (SignalAck ack : w.acks) {
      if (ack.position() != w.ack.position() || !ack.stamp().equals(w.ack.stamp())) {
        return "a retry's acknowledgement " + ack + " differs from the first " + w.ack;
      }
    }
    return inFinalLog(w, w.ack);
  }

  /**
   * Null if the final log holds the write's record with its last signal at the acknowledged
   * position and HLC (a part's acknowledgement is its last signal's) and the write's signals, in
   * order.
   */
  private String inFinalLog(SimClients.Write w, SignalAck ack) {
    SimBatch b = batchAt(w.shard, ack.position());
    int i = b == null ? -1 : (int) (ack.position() - b.firstPosition());
    int n = w.signals.size();
    if (b == null
        || !b.isSession(i)
        || b.session(i).session() != w.first.session()
        || b.session(i).seq() != w.first.seq()
        || b.signalIds()[i] != ack.stamp().value()) {
      return "the acknowledged position "
          + ack.position()
          + " of shard "
          + w.shard
          + " holds "
          + (b == null ? "nothing" : "another record")
          + " in the final log";
    }
    if (b.inPart(i) != w.part || b.partSize(i) != n || b.partIndex(i) != n - 1) {
      return "the acknowledged position "
          + ack.position()
          + " of shard "
          + w.shard
          + " holds signal "
          + b.partIndex(i)
          + " of a record of "
          + b.partSize(i)
          + ", not the last of the write's "
          + n;
    }
    for (int k = 0; k < n; k++) { // the record's signals are the write's, in order
      int at = i - (n - 1) + k;
      Signal s = w.signals.get(k);
      if (b.entity(at) != s.entity().value()
          || b.weight(at) != s.weight()
          || b.eventTime(at) != s.eventTime().epochMillis()) {
        return "the record acknowledged at "
            + ack.position()
            + " of shard "
            + w.shard
            + " holds at "
            + (b.firstPosition() + at)
            + " entity "
            + b.entity(at)
            + " weight "
            + b.weight(at)
            + ", not the write's signal "
            + k
            + " ("
            + s
            + ")";
      }
    }
    return null;
  }

  /**
   * How many LOCAL session writes more than one record of which was stored (a retry of a cut LOCAL
   * write at the new leader is a second record; the cut one's effect is compensated).
   */
  int localStoredTwice() {
    Map<Long, Map<Long, Integer>> stored = storedCopies();
    int n = 0;
    for (SimClients.Write w : clients.writes()) {
      int copies = stored.getOrDefault(w.first.session(), Map.of()).getOrDefault(w.first.seq(), 0);
      n += w.level == Durability.LOCAL && copies > 1 ? 1 : 0;
    }
    return n;
  }

  /**
   * For a failure of the model check on {@code entity}: the writes of it of which more than one
   * record was stored, and whether a session record of it was spread by a reconciliation session
   * before its region's cut (the known gap: the copy that left keeps the record's effect elsewhere,
   * and its join with the entry the cut rebuilt is column-wise, so it can count a write twice or
   * replace another record's effect of the same entry).
   */
  String explain(long entity) {
    Map<Long, Map<Long, Integer>> stored = storedCopies();
    StringBuilder b = new StringBuilder();
    for (SimClients.Write w : clients.writes()) {
      int n = stored.getOrDefault(w.first.session(), Map.of()).getOrDefault(w.first.seq(), 0);
      if (w.touches(entity) && n > 1) {
        b.append("\n    ").append(n).append(" records stored of ").append(w);
        Map<Long, List<Long>> logs = inLogs().getOrDefault(w.first.session(), Map.of());
        for (SimStored.Signal s : sim.stored().signals().values()) {
          if (s.session() == w.first.session()
              && s.seq() == w.first.seq()
              && s.entity() == entity) {
            b.append("\n      record ")
                .append(s.id())
                .append(w.part ? " (signal " + s.index() + " of the part)" : "")
                .append(" (first applied at region ")
                .append(s.firstRegion())
                .append("): ")
                .append(
                    logs.containsKey(w.first.seq()) && inFinalLog(w.shard, s.id())
                        ? "in the final log"
                        : "in no final log")
                .append(", compensated at regions ")
                .append(sim.stored().compensated().getOrDefault(s.id(), List.of()));
          }
        }
      }
    }
    boolean gap = false;
    for (Map.Entry<Long, String> e : sim.stored().spreadBeforeCut().entrySet()) {
      SimStored.Signal s = sim.stored().signals().get(e.getKey());
      if (s != null && s.entity() == entity) {
        b.append("\n    ").append(KNOWN_GAP).append(": ").append(e.getValue());
        gap = true;
      }
    }
    return gap ? b.toString() : b.append("\n    ").append(OTHER_CAUSE).toString();
  }

  /**
   * Per session and seq, how many distinct records some store applied (a part's record once: by its
   * first signal; a store applies a record whole).
   */
  private Map<Long, Map<Long, Integer>> storedCopies() {
    Map<Long, Map<Long, Integer>> copies = new HashMap<>();
    for (SimStored.Signal s : sim.stored().signals().values()) {
      if (s.session() != 0 && s.index() == 0) {
        copies.computeIfAbsent(s.session(), k -> new HashMap<>()).merge(s.seq(), 1, Integer::sum);
      }
    }
    return copies;
  }

  /** The (session, seq, index) of every session signal some store applied. */
  private Set<List<Long>> storedSignals() {
    Set<List<Long>> signals = new HashSet<>();
    for (SimStored.Signal s : sim.stored().signals().values()) {
      if (s.session() != 0) {
        signals.add(List.of(s.session(), s.seq(), (long) s.index()));
      }
    }
    return signals;
  }

  /**
   * Per session and seq, the positions of its records in region 0's final logs (each record's last
   * signal's, the position its acknowledgement names).
   */
  private Map<Long, Map<Long, List<Long>>> inLogs() {
    Map<Long, Map<Long, List<Long>>> at = new HashMap<>();
    for (int s = 0; s < sim.shards(); s++) {
      for (SimBatch b : sim.regions().get(0).log(s).durableBatches()) {
        for (int i = 0; i < b.recordCount(); i++) {
          if (b.isSession(i) && b.partIndex(i) == b.partSize(i) - 1) {
            SessionSeq k = b.session(i);
            at.computeIfAbsent(k.session(), x -> new HashMap<>())
                .computeIfAbsent(k.seq(), x -> new ArrayList<>())
                .add(b.firstPosition() + i);
          }
        }
      }
    }
    return at;
  }

  private boolean inFinalLog(int shard, long id) {
    for (SimBatch b : sim.regions().get(0).log(shard).durableBatches()) {
      for (long x : b.signalIds()) {
        if (x == id) {
          return true;
        }
      }
    }
    return false;
  }

  private SimBatch batchAt(int shard, long position) {
    for (SimBatch b : sim.regions().get(0).log(shard).durableBatches()) {
      if (b.firstPosition() <= position && position < b.end()) {
        return b;
      }
    }
    return null;
  }
}
