package io.tidaldb.replication.node;

import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulation's model of a region's store, attached to its replication as the {@link
 * ReplicaState}, over the real CRDT states ({@link CrdtSignalState}, one per entity): it applies
 * every durable batch of its shard logs in log order (the commit listener, as the real store does)
 * as {@code applyAt(log(epoch), position)}, and every durable batch of its local logs (the region's
 * local stream) as {@code applyAt(local(region, incarnation), local position)}: the issue-11 entry
 * scheme, so a record already inside an entry's prefix is skipped by the entry's end. A cut ({@link
 * #truncateLog}) keeps every cut record's effect and writes the store's snapshot at the cut; {@link
 * #snapshot} writes one at any time (the store's periodic checkpoint). Snapshots are held in {@link
 * Durable} and survive crashes and power loss; a restarted store starts from the last one and
 * replays the recovered logs, shard and local, under the same rule. States merged in by
 * reconciliation ({@link #merge}) live in memory until the next snapshot, as in the real store.
 *
 * <p>The incarnation is always 1: the simulation loses no data the store had applied (applied means
 * fsynced, and a power loss keeps fsynced records), so no recovery retires a snapshot.
 */
final class ModelStore implements ReplicaState {
  /** The signal type's name in the digests. */
  static final String TYPE = "sim";

  /** The signal type's decay: a half-life of one minute, so event times cross landmarks. */
  static final DecayModel DECAY = DecayModel.ofHalfLife(60_000);

  /** The store's incarnation in its local entry (see the class comment). */
  static final int INCARNATION = 1;

  /** Where a store reports every signal it applied (the history's set of stored signals). */
  @FunctionalInterface
  interface Stored {
    void stored(int region, long signal, long entity, double weight, long eventTime, boolean local);
  }

  /** What a region's store keeps on disk across restarts: its last snapshot's states. */
  static final class Durable {
    final Map<Long, CrdtSignalState> states = new TreeMap<>();
  }

  private final int self;
  private final SimLog[] logs;
  private final SimLog[] localLogs;
  private final Durable durable;
  private final Map<Long, CrdtSignalState> states = new TreeMap<>();
  private final long[] applied;
  private final long[] localApplied;
  private final Stored stored;
  private final SimTrace trace;
  private final Sim.Now now;

  ModelStore(
      int self,
      SimLog[] logs,
      SimLog[] localLogs,
      Durable durable,
      Stored stored,
      SimTrace trace,
      Sim.Now now) {
    this.self = self;
    this.logs = logs;
    this.localLogs = localLogs;
    this.durable = durable;
    this.stored = stored;
    this.trace = trace;
    this.now = now;
    durable.states.forEach((entity, state) -> states.put(entity, state.copy()));
    this.applied = new long[logs.length];
    this.localApplied = new long[logs.length];
    for (SimLog log : logs) {
      for (SimBatch b : log.durableBatches()) {
        apply(b);
      }
      log.setCommitListener(this::apply);
    }
    for (SimLog log : localLogs) {
      for (SimBatch b : log.durableBatches()) {
        applyLocal(b);
      }
      log.setCommitListener(this::applyLocal);
    }
  }

  private void apply(WalBatch batch) {
    SimBatch b = (SimBatch) batch;
    if (b.firstPosition() != applied[b.shard()]) {
      throw new AssertionError(
          "region " + self + " applies " + b + " after position " + applied[b.shard()]);
    }
    applyAll(b, ReplicaIds.log(b.epoch()), false);
    applied[b.shard()] = b.end();
  }

  private void applyLocal(WalBatch batch) {
    SimBatch b = (SimBatch) batch;
    if (b.firstPosition() != localApplied[b.shard()]) {
      throw new AssertionError(
          "region "
              + self
              + " applies local "
              + b
              + " after local position "
              + localApplied[b.shard()]);
    }
    applyAll(b, ReplicaIds.local(self, INCARNATION), true);
    localApplied[b.shard()] = b.end();
  }

  private void applyAll(SimBatch b, long replica, boolean local) {
    long[] ids = b.signalIds();
    for (int i = 0; i < ids.length; i++) {
      long entity = b.entity(i);
      double weight = b.weight(i);
      long eventTime = b.eventTime(i);
      states
          .computeIfAbsent(entity, e -> new CrdtSignalState())
          .applyAt(replica, b.firstPosition() + i, weight, eventTime, ids[i], DECAY);
      stored.stored(self, ids[i], entity, weight, eventTime, local);
    }
  }

  @Override
  public long truncateLog(int shard, long position, long fenceEpoch) {
    SimLog log = logs[shard];
    List<SimBatch> batches = log.durableBatches();
    int own = 0;
    int foreign = 0;
    for (SimBatch b : batches) {
      if (b.end() <= position) {
        continue;
      }
      for (int i = 0; i < b.recordCount(); i++) {
        if (b.origin(i) == self) {
          own++;
        } else {
          foreign++;
        }
      }
    }
    snapshot(); // the store's snapshot at the cut: the whole state, cut records included
    long removed = log.truncateFrom(position);
    applied[shard] = position;
    trace.event(
        now.nanos(),
        "region "
            + self
            + " cuts shard "
            + shard
            + " at "
            + position
            + " for epoch "
            + fenceEpoch
            + ": "
            + own
            + " own and "
            + foreign
            + " foreign signals kept");
    return removed;
  }

  /** Writes the store's snapshot: every state as it is now, merged states included. */
  void snapshot() {
    durable.states.clear();
    states.forEach((entity, state) -> durable.states.put(entity, state.copy()));
  }

  /** Joins {@code other} into this store's state of {@code entity}; whether it changed. */
  boolean merge(long entity, CrdtSignalState other) {
    CrdtSignalState mine = states.computeIfAbsent(entity, e -> new CrdtSignalState());
    long before = mine.contentHash();
    mine.merge(other);
    return mine.contentHash() != before;
  }

  /** Every entity's state (live; callers copy what they hand to another region). */
  Map<Long, CrdtSignalState> states() {
    return states;
  }

  long applied(int shard) {
    return applied[shard];
  }
}
