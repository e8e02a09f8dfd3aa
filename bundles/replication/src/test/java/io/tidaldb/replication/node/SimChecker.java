package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.crdt.CrdtSignalState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The history checker, run once the simulation is quiescent and every region reconciled with every
 * other: (a) every region's log of a shard is byte for byte the first region's, and no signal is in
 * the logs twice; (b) every QUORUM- or ALL-acknowledged signal is in its shard's log at the
 * position it was acknowledged at; (c) every acknowledged signal (any level, a shard log's or a
 * local stream's) was stored, i.e. applied by some region's store; (d) every region's state is
 * identical to the first region's: the same bucket digests, the same entities, and every entity's
 * CRDT state equal bit for bit; (e) that state equals the sequential model of the history: per
 * entity, the signals any region's store ever applied, each counted once (exact count and weight
 * sum, the last-seen event time of the highest HLC, the decayed score within 1e-9), so nothing
 * stored anywhere is lost and nothing is counted twice; a client session's write counts once,
 * whichever of its records (attempts) were stored, and every signal of a session batch's part once
 * (by its index in the part) ({@link SimSessionChecker} checks the rest of the sessions' history).
 * (f), never two leaders in one epoch, is checked after every tick by {@link Sim}.
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
    String failure = checkLogs();
    if (failure == null) {
      failure = checkAcknowledged();
    }
    if (failure == null && writers.clients() != null) {
      failure = new SimSessionChecker(sim, writers.clients()).check();
    }
    if (failure == null) {
      failure = checkStatesAgree();
    }
    if (failure == null) {
      failure = checkModel();
    }
    return failure;
  }

  private final Map<Long, Long> positionOf = new HashMap<>();

  private String checkLogs() {
    List<SimRegion> regions = sim.regions();
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
    return null;
  }

  private String checkAcknowledged() {
    for (SimWrite w : writers.writes()) {
      if (w.outcome != SimWrite.Outcome.ACKED) {
        continue;
      }
      if (!sim.stored().signals().containsKey(w.id)) {
        return "acknowledged " + w + " was never applied by any region's store";
      }
      if (w.local || w.level == Durability.LOCAL) {
        continue;
      }
      Long at = positionOf.get(w.id);
      if (at == null || at != w.position) {
        return "acknowledged " + w + " is " + (at == null ? "in no log" : "at position " + at);
      }
    }
    return null;
  }

  private String checkStatesAgree() {
    SimRegion first = sim.regions().get(0);
    Map<Long, CrdtSignalState> expected = first.store().states();
    long[] digests = SimReconcile.digests(expected);
    for (SimRegion r : sim.regions()) {
      Map<Long, CrdtSignalState> states = r.store().states();
      sim.trace().mix(Arrays.hashCode(SimReconcile.digests(states)));
      TreeSet<Long> entities = new TreeSet<>(expected.keySet());
      entities.addAll(states.keySet());
      for (long e : entities) {
        CrdtSignalState a = expected.getOrDefault(e, new CrdtSignalState());
        CrdtSignalState b = states.getOrDefault(e, new CrdtSignalState());
        if (!a.equals(b) || !SimReconcile.encode(a).equals(SimReconcile.encode(b))) {
          return "entity "
              + e
              + ": region 0 holds "
              + a
              + " and region "
              + r.index
              + " holds "
              + b
              + (Arrays.equals(digests, SimReconcile.digests(states))
                  ? " (their bucket digests are equal: a difference the digests miss)"
                  : "");
        }
      }
    }
    return null;
  }

  private String checkModel() {
    Map<Long, List<SimStored.Signal>> byEntity = new TreeMap<>();
    Map<List<Long>, SimStored.Signal> writes = new TreeMap<>(SimChecker::compareKeys);
    for (SimStored.Signal s : sim.stored().signals().values()) {
      if (!s.oncePerWrite()) {
        byEntity.computeIfAbsent(s.entity(), e -> new ArrayList<>()).add(s);
      } else { // a session write's signal (any level) counts once, as its record of the highest
        // stamp: a part's signals once each, by index (its records hold the same signals in order)
        writes.merge(
            List.of(s.session(), s.seq(), (long) s.index()), s, (a, b) -> a.id() > b.id() ? a : b);
      }
    }
    for (SimStored.Signal s : writes.values()) {
      byEntity.computeIfAbsent(s.entity(), e -> new ArrayList<>()).add(s);
    }
    for (List<SimStored.Signal> signals : byEntity.values()) {
      signals.sort((a, b) -> Long.compare(a.id(), b.id()));
    }
    Map<Long, CrdtSignalState> states = sim.regions().get(0).store().states();
    TreeSet<Long> entities = new TreeSet<>(byEntity.keySet());
    entities.addAll(states.keySet());
    for (long e : entities) {
      List<SimStored.Signal> signals = byEntity.getOrDefault(e, List.of());
      CrdtSignalState state = states.getOrDefault(e, new CrdtSignalState());
      long count = signals.size();
      double sum = 0;
      SimStored.Signal last = null;
      CrdtSignalState sequential = new CrdtSignalState();
      long position = 0;
      for (SimStored.Signal s : signals) {
        sum += s.weight();
        if (last == null || s.id() > last.id()) {
          last = s;
        }
        sequential.applyAt(0, position++, s.weight(), s.eventTime(), s.id(), ModelStore.DECAY);
      }
      String differs = null;
      if (state.count() != count) {
        differs = "count " + state.count() + ", the model " + count;
      } else if (state.weightSum() != sum) {
        differs = "weight sum " + state.weightSum() + ", the model " + sum;
      } else if (last != null && state.lastSeenMillis() != last.eventTime()) {
        differs = "last seen " + state.lastSeenMillis() + ", the model " + last.eventTime();
      } else if (last != null) {
        long at = last.eventTime();
        double got = state.score(at, ModelStore.DECAY);
        double want = sequential.score(at, ModelStore.DECAY);
        if (Math.abs(got - want) > 1e-9 * Math.max(1, Math.abs(want))) {
          differs = "score " + got + ", the model " + want;
        }
      }
      if (differs != null) {
        return "entity "
            + e
            + " on every region: "
            + differs
            + " (the model's signals: "
            + ids(signals)
            + "; the state: "
            + state
            + ")"
            + (writers.clients() == null
                ? ""
                : new SimSessionChecker(sim, writers.clients()).explain(e));
      }
    }
    return null;
  }

  /**
   * How many stored signals of shard logs are in no log at the end: a deposed leader's cut suffix
   * that never came back, counted everywhere only because reconciliation carried its entry.
   */
  static int cutSuffixSignals(Sim sim) {
    Set<Long> inLogs = new HashSet<>();
    for (int s = 0; s < sim.shards(); s++) {
      for (SimBatch b : sim.regions().get(0).log(s).durableBatches()) {
        for (long id : b.signalIds()) {
          inLogs.add(id);
        }
      }
    }
    int n = 0;
    for (SimStored.Signal s : sim.stored().signals().values()) {
      n += !s.local() && s.session() == 0 && !inLogs.contains(s.id()) ? 1 : 0;
    }
    return n;
  }

  private static int compareKeys(List<Long> a, List<Long> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = Long.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static String ids(List<SimStored.Signal> signals) {
    StringBuilder b = new StringBuilder();
    for (SimStored.Signal s : signals) {
      b.append(b.length() == 0 ? "" : " ").append(s.id()).append('@').append(s.firstRegion());
    }
    return b.toString();
  }

  /** Each region's logs in short: the positions of each epoch's run of batches. */
  static String logs(Sim sim) {
    StringBuilder b = new StringBuilder();
    for (int s = 0; s < sim.shards(); s++) {
      for (SimRegion r : sim.regions()) {
        b.append("  shard ").append(s).append(" region ").append(r.index).append(':');
        long runEpoch = -1;
        long runStart = 0;
        long end = 0;
        for (SimBatch batch : r.log(s).durableBatches()) {
          if (batch.epoch() != runEpoch) {
            if (runEpoch >= 0) {
              b.append(" e")
                  .append(runEpoch)
                  .append('[')
                  .append(runStart)
                  .append("..")
                  .append(end)
                  .append(')');
            }
            runEpoch = batch.epoch();
            runStart = batch.firstPosition();
          }
          end = batch.end();
        }
        if (runEpoch >= 0) {
          b.append(" e")
              .append(runEpoch)
              .append('[')
              .append(runStart)
              .append("..")
              .append(end)
              .append(')');
        }
        b.append('\n');
      }
    }
    return b.toString();
  }
}
