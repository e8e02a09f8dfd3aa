package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The history's stored signals: every signal some region's store applied (through its shard log or
 * its local stream), by id, the first time; the sequential model counts each once (a client session
 * write once, whichever of its records, at every level: exactly once on every region; a session
 * batch's part once per signal, by its index). A signal applied by two stores must be the same
 * signal (entity, weight, event time, session, seq and index), else the run fails. Also the session
 * records whose effect a cut dropped, and the cut LOCAL session records whose effect a store
 * compensated ({@link ModelCutLocals}).
 */
final class SimStored implements ModelStore.Stored {
  /**
   * A stored signal and the region that applied it first; {@code session} and {@code seq} are 0 for
   * a plain signal; {@code index} is its index in its record (0 but for a session batch's part).
   */
  record Signal(
      long id,
      long entity,
      double weight,
      long eventTime,
      int firstRegion,
      boolean local,
      long session,
      long seq,
      int index,
      Durability level) {

    /**
     * Whether the model counts this signal once per (session, seq, index): any session write's (a
     * part's signal once per index).
     */
    boolean oncePerWrite() {
      return session != 0;
    }
  }

  private final Sim sim;
  private final Map<Long, Signal> signals = new TreeMap<>();
  private final Set<Long> dropped = new TreeSet<>();
  private int drops;
  private final Map<Long, List<Integer>> compensated = new TreeMap<>(); // record -> regions
  private int compensations;
  private final Map<Long, Map<Integer, Long>> appliedAt = new TreeMap<>(); // QUORUM/ALL session
  private final Map<List<Long>, List<Long>> exports = new TreeMap<>(SimStored::compare);
  private final Map<Long, String> spreadBeforeCut = new TreeMap<>();

  SimStored(Sim sim) {
    this.sim = sim;
  }

  Map<Long, Signal> signals() {
    return signals;
  }

  /** The session records whose effect some region's cut dropped. */
  Set<Long> dropped() {
    return dropped;
  }

  /** How many session records' effect cuts dropped, summed over the regions. */
  int drops() {
    return drops;
  }

  /**
   * The cut LOCAL session records whose effect some region's store compensated, each with the
   * regions that did, in order (a region twice if a restart or a second cut made it do it again).
   */
  Map<Long, List<Integer>> compensated() {
    return compensated;
  }

  /** How many compensations the stores made, summed over the regions (restarts redo some). */
  int compensations() {
    return compensations;
  }

  @Override
  public void compensated(int region, long signal, long by) {
    compensations++;
    compensated.computeIfAbsent(signal, k -> new ArrayList<>()).add(region);
    sim.trace()
        .event(
            sim.now(),
            "region "
                + region
                + " compensates cut LOCAL session record "
                + signal
                + " on applying "
                + by);
  }

  /**
   * The dropped session records whose entity the dropping region exported in a reconciliation
   * session after it applied them and before its cut (the known gap of "A cut drops the effect of
   * un-acknowledged session records" in ARCHITECTURE), each with what happened.
   */
  Map<Long, String> spreadBeforeCut() {
    return spreadBeforeCut;
  }

  /** A reconciliation session sent {@code region}'s state of {@code entity}. */
  void exported(int region, long entity) {
    exports.computeIfAbsent(List.of((long) region, entity), k -> new ArrayList<>()).add(sim.now());
  }

  @Override
  public void dropped(int region, List<Long> ids) {
    drops += ids.size();
    dropped.addAll(ids);
    sim.trace().event(sim.now(), "region " + region + " drops session records " + ids);
    for (long id : ids) {
      Signal s = signals.get(id);
      Long applied = appliedAt.getOrDefault(id, Map.of()).get(region);
      if (s == null || applied == null) {
        continue;
      }
      for (long t : exports.getOrDefault(List.of((long) region, s.entity()), List.of())) {
        if (t >= applied) {
          spreadBeforeCut.putIfAbsent(
              id,
              "region "
                  + region
                  + " applied session record "
                  + id
                  + " at "
                  + SimTrace.ms(applied)
                  + ", sent entity "
                  + s.entity()
                  + " in a reconciliation at "
                  + SimTrace.ms(t)
                  + " and cut it at "
                  + SimTrace.ms(sim.now()));
          break;
        }
      }
    }
  }

  private static int compare(List<Long> a, List<Long> b) {
    int c = Long.compare(a.get(0), b.get(0));
    return c != 0 ? c : Long.compare(a.get(1), b.get(1));
  }

  @Override
  public void stored(
      int region,
      long id,
      long entity,
      double weight,
      long eventTime,
      boolean local,
      SessionSeq session,
      int index,
      Durability level) {
    if (session != null && level != Durability.LOCAL) {
      appliedAt.computeIfAbsent(id, k -> new TreeMap<>()).putIfAbsent(region, sim.now());
    }
    long s = session == null ? 0 : session.session();
    long seq = session == null ? 0 : session.seq();
    Signal earlier =
        signals.putIfAbsent(
            id,
            new Signal(
                id,
                entity,
                weight,
                eventTime,
                region,
                local,
                s,
                seq,
                index,
                session == null ? null : level));
    if (earlier == null) {
      if (local) {
        sim.trace()
            .event(
                sim.now(), "region " + region + " applies signal " + id + " from its local stream");
      }
    } else if (earlier.entity() != entity
        || earlier.weight() != weight
        || earlier.eventTime() != eventTime
        || earlier.session() != s
        || earlier.seq() != seq
        || earlier.index() != index) {
      sim.violation("signal " + id + " applied at region " + region + " differs from " + earlier);
    }
  }
}
