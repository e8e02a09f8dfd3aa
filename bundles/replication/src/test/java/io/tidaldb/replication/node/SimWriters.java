package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulation's writers: each write picks a shard, a durability level and one of the regions
 * that currently take writes for it, and goes the store's way through the real replication: {@code
 * checkLeaderEpoch}, the fenced append, {@code whenStored}. Every signal has a unique id (its
 * entity) and its region as origin; the history keeps what became of each.
 */
final class SimWriters {
  enum Outcome {
    PENDING,
    ACKED,
    FAILED
  }

  /** One written signal. */
  static final class Write {
    final long id;
    final int shard;
    final int region;
    final int incarnation;
    final Durability level;
    final long position;
    final long epoch;
    Outcome outcome = Outcome.PENDING;

    Write(
        long id,
        int shard,
        int region,
        int incarnation,
        Durability level,
        long position,
        long epoch) {
      this.id = id;
      this.shard = shard;
      this.region = region;
      this.incarnation = incarnation;
      this.level = level;
      this.position = position;
      this.epoch = epoch;
    }

    @Override
    public String toString() {
      return "signal "
          + id
          + " ("
          + level
          + " at region "
          + region
          + ", shard "
          + shard
          + ", position "
          + position
          + ", epoch "
          + epoch
          + ", "
          + outcome
          + ")";
    }
  }

  private static final Durability[] LEVELS = Durability.values();

  private final Sim sim;
  private final List<Write> writes = new ArrayList<>();
  private long nextId = 1;
  private int refused;

  SimWriters(Sim sim) {
    this.sim = sim;
  }

  List<Write> writes() {
    return writes;
  }

  int refused() {
    return refused;
  }

  /** Makes one write attempt. */
  void write() {
    int shard = sim.random().nextInt(sim.shards());
    Durability level = LEVELS[sim.random().nextInt(LEVELS.length)];
    List<SimRegion> leaders = new ArrayList<>();
    List<Long> epochs = new ArrayList<>();
    for (SimRegion r : sim.regions()) {
      if (r.running()) {
        try {
          epochs.add(r.node().checkLeaderEpoch(shard));
          leaders.add(r);
        } catch (NotLeaderException e) {
          // not this one
        }
      }
    }
    if (leaders.isEmpty()) {
      refused++;
      return;
    }
    int pick = sim.random().nextInt(leaders.size());
    SimRegion r = leaders.get(pick);
    long epoch = epochs.get(pick);
    long id = nextId++;
    long position;
    try {
      position = r.log(shard).appendSignal(epoch, 1, id, 1.0, id, id, r.index);
    } catch (UnavailableException | InvalidArgumentException e) {
      refused++; // fenced, or the log is fed by replication right now: nothing stored
      return;
    }
    Write w = new Write(id, shard, r.index, r.incarnation(), level, position, epoch);
    writes.add(w);
    r.node()
        .whenStored(shard, position, level)
        .whenComplete(
            (ok, failure) -> {
              w.outcome = failure == null ? Outcome.ACKED : Outcome.FAILED;
              if (failure == null && level != Durability.LOCAL) {
                sim.trace().event(sim.now(), "acked " + w);
              }
            });
  }

  /** Whether a write of a region that is still the same process waits for its outcome. */
  boolean anyPending() {
    for (Write w : writes) {
      if (w.outcome == Outcome.PENDING) {
        SimRegion r = sim.regions().get(w.region);
        if (r.up() && r.incarnation() == w.incarnation) {
          return true;
        }
      }
    }
    return false;
  }
}
