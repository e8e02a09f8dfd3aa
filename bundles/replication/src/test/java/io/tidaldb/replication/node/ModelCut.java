package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The model store's step (a) of a cut, as the store's {@code CutDrops} does it: removes from the
 * states the effect of the suffix's {@code QUORUM} and {@code ALL} session records (never
 * acknowledged if cut). For each entity one touches, each of its {@code log(e)} entries holding one
 * is rebuilt from the newest snapshot at or below the cut (empty at 0 without one: the model's logs
 * start at 0) plus the entity's records of epoch {@code e} in the log from there, in log order,
 * skipping the dropped ones, and put in place of the live entry ({@link
 * CrdtSignalState#replaceEntry}); an entity whose base entry already reaches past a dropped record
 * (merged in from a region that held it) keeps the effect, as in the store.
 */
final class ModelCut {
  private ModelCut() {}

  /**
   * Removes the effect of the dropped records at or above {@code position} from {@code states}.
   *
   * @param batches the shard's durable log, cut suffix included
   * @param base the newest snapshot of the shard at or below {@code position}, or null (empty at 0)
   * @return the ids of the dropped records (each record's HLC)
   */
  static List<Long> remove(
      List<SimBatch> batches,
      long position,
      ModelStore.Snapshot base,
      Map<Long, CrdtSignalState> states) {
    Map<Long, Map<Long, Long>> epochs = new TreeMap<>(); // entity -> epoch -> first dropped
    Set<Long> drops = new HashSet<>();
    List<Long> ids = new ArrayList<>();
    for (SimBatch b : batches) {
      long[] hlcs = b.signalIds();
      for (int i = 0; i < b.recordCount(); i++) {
        long at = b.firstPosition() + i;
        if (at >= position && b.isSession(i) && b.durability(i) != Durability.LOCAL) {
          drops.add(at);
          ids.add(hlcs[i]);
          epochs.computeIfAbsent(b.entity(i), e -> new TreeMap<>()).putIfAbsent(b.epoch(), at);
        }
      }
    }
    if (drops.isEmpty()) {
      return ids;
    }
    long from = base == null ? 0 : base.position();
    Map<Long, CrdtSignalState> scratch = new TreeMap<>();
    Set<Long> merged = new HashSet<>();
    for (Map.Entry<Long, Map<Long, Long>> e : epochs.entrySet()) {
      CrdtSignalState b = base == null ? null : base.states().get(e.getKey());
      scratch.put(e.getKey(), b == null ? new CrdtSignalState() : b.copy());
      for (Map.Entry<Long, Long> first : e.getValue().entrySet()) {
        if (b != null && b.entryEnd(ReplicaIds.log(first.getKey())) > first.getValue()) {
          merged.add(e.getKey());
        }
      }
    }
    for (SimBatch b : batches) {
      long[] hlcs = b.signalIds();
      for (int i = 0; i < b.recordCount(); i++) {
        long at = b.firstPosition() + i;
        Map<Long, Long> wanted = epochs.get(b.entity(i));
        if (at < from || drops.contains(at) || wanted == null || !wanted.containsKey(b.epoch())) {
          continue;
        }
        scratch
            .get(b.entity(i))
            .applyAt(
                ReplicaIds.log(b.epoch()),
                at,
                b.weight(i),
                b.eventTime(i),
                hlcs[i],
                ModelStore.DECAY);
      }
    }
    for (Map.Entry<Long, Map<Long, Long>> e : epochs.entrySet()) {
      CrdtSignalState live = states.get(e.getKey());
      if (live == null || merged.contains(e.getKey())) {
        continue;
      }
      CrdtSignalState next = live.copy();
      for (long epoch : e.getValue().keySet()) {
        next.replaceEntry(ReplicaIds.log(epoch), scratch.get(e.getKey()));
      }
      states.put(e.getKey(), next);
    }
    return ids;
  }
}
