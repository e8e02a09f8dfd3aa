package io.tidaldb.replication.node;

import java.util.Map;
import java.util.TreeMap;

/**
 * The history's stored signals: every signal some region's store applied (through its shard log or
 * its local stream), by id, the first time; the sequential model counts each once. A signal applied
 * by two stores must be the same signal (entity, weight, event time), else the run fails.
 */
final class SimStored implements ModelStore.Stored {
  /** A stored signal and the region that applied it first. */
  record Signal(
      long id, long entity, double weight, long eventTime, int firstRegion, boolean local) {}

  private final Sim sim;
  private final Map<Long, Signal> signals = new TreeMap<>();

  SimStored(Sim sim) {
    this.sim = sim;
  }

  Map<Long, Signal> signals() {
    return signals;
  }

  @Override
  public void stored(
      int region, long id, long entity, double weight, long eventTime, boolean local) {
    Signal earlier =
        signals.putIfAbsent(id, new Signal(id, entity, weight, eventTime, region, local));
    if (earlier == null) {
      if (local) {
        sim.trace()
            .event(
                sim.now(), "region " + region + " applies signal " + id + " from its local stream");
      }
    } else if (earlier.entity() != entity
        || earlier.weight() != weight
        || earlier.eventTime() != eventTime) {
      sim.violation("signal " + id + " applied at region " + region + " differs from " + earlier);
    }
  }
}
