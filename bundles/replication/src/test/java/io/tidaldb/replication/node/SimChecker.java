package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The history checker, run once the simulation is quiescent: (a) every QUORUM- or ALL-acknowledged
 * signal is in its shard's log at the position it was acknowledged at, on every region, and every
 * region's store counts it exactly once; (b) no store counts any signal more than once (each was
 * written once) or less than zero, and every signal in the logs is counted on every region (a
 * signal a cut kept and that is in no log any more may be counted on the regions that applied it,
 * once: since the issue-11 entry scheme a cut keeps the effect of every cut record, own and
 * foreign, and reconciliation carries it to the others); (c) every region's log of a shard is byte
 * for byte the leader's (quiescence waited for that; the logs agree up to the committed position
 * and beyond). (d), never two leaders in one epoch, is checked after every tick by {@link Sim}.
 */
final class SimChecker {
  private final Sim sim;
  private final SimWriters writers;

  SimChecker(Sim sim, SimWriters writers) {
    this.sim = sim;
    this.writers = writers;
  }

  static boolean same(List<SimBatch> a, List<SimBatch> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).sameBytes(b.get(i))) {
        return false;
      }
    }
    return true;
  }

  /** Returns the first violation found, or null. */
  String check() {
    List<SimRegion> regions = sim.regions();
    Map<Long, Long> positionOf = new HashMap<>();
    for (int s = 0; s < sim.shards(); s++) {
      List<SimBatch> log = regions.get(0).log(s).durableBatches();
      for (SimRegion r : regions) {
        if (!same(log, r.log(s).durableBatches())) {
          return "shard " + s + ": the logs of regions 0 and " + r.index + " differ";
        }
        sim.trace().mix(r.log(s).durablePosition());
      }
      for (SimBatch b : log) {
        long[] ids = b.signalIds();
        for (int i = 0; i < ids.length; i++) {
          Long earlier = positionOf.put(ids[i], b.firstPosition() + i);
          if (earlier != null) {
            return "signal "
                + ids[i]
                + " is in the log twice, at "
                + earlier
                + " and "
                + (b.firstPosition() + i)
                + " (shard "
                + s
                + ")";
          }
        }
      }
    }
    for (SimWriters.Write w : writers.writes()) {
      if (w.outcome != SimWriters.Outcome.ACKED || w.level == Durability.LOCAL) {
        continue;
      }
      Long at = positionOf.get(w.id);
      if (at == null || at != w.position) {
        return "acknowledged " + w + " is " + (at == null ? "in no log" : "at position " + at);
      }
      for (SimRegion r : regions) {
        int n = r.store().count(w.id);
        if (n != 1) {
          return "acknowledged " + w + " is counted " + n + " times at region " + r.index;
        }
      }
    }
    for (SimRegion r : regions) {
      for (long id : positionOf.keySet()) {
        if (r.store().count(id) < 1) {
          return "signal " + id + " is in the log but not counted at region " + r.index;
        }
      }
      for (Map.Entry<Long, Integer> e : r.store().counts().entrySet()) {
        int n = e.getValue();
        if (n > 1 || n < 0) {
          long id = e.getKey();
          boolean kept = r.store().cutKept(id);
          return "signal "
              + id
              + " is counted "
              + n
              + " times at region "
              + r.index
              + (kept
                  ? " (a record a cut kept, which came back through a later leader's log)"
                  : "");
        }
      }
    }
    return null;
  }
}
