package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.session.table.SessionTable;
import io.tidaldb.store.SimSessionWrites;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulation's model of a region's store, attached to its replication as the {@link
 * ReplicaState}, over the real CRDT states ({@link CrdtSignalState}, one per entity): it applies
 * every durable batch of its shard logs in log order (the commit listener, as the real store does)
 * as {@code applyAt(log(epoch), position)}, and every durable batch of its local logs (the region's
 * local stream) as {@code applyAt(local(region, incarnation), local position)}: the issue-11 entry
 * scheme, so a record already inside an entry's prefix is skipped by the entry's end; a session
 * batch's part ({@code SIGNAL_BATCH_S}) is applied one signal per position. Per shard a real {@link
 * SessionTable} is fed the shard log's records in position order ({@code SIGNAL_S} applies, a part
 * at its last signal, {@code SIGNAL} and a part's other signals advance), and the real leader's
 * check ({@link SimSessionWrites}: the writes in flight, then the table) decides each session write
 * and part this region takes as leader. A cut ({@link #truncateLog}) drops the effect of the
 * suffix's QUORUM/ALL session records ({@link ModelCut}, as the store's {@code CutDrops}), keeps
 * every other cut record's effect, puts the suffix's LOCAL session records it appended in the
 * shard's set of cut LOCAL records ({@link ModelCutLocals}: a later record of the same write in the
 * log, the retry, compensates the cut one's effect once replication's known commit passes it),
 * rebuilds the table of the surviving prefix, forgets the writes in flight and writes the store's
 * snapshot at the cut; {@link #snapshot} writes one at any time (the store's periodic checkpoint).
 * Snapshots (the last two per shard, with their positions, states and sets of cut LOCAL records)
 * are held in {@link Durable} and survive crashes and power loss; a restarted store starts from the
 * last one and replays the recovered logs, shard and local, under the same rule (the tables from
 * the log's start, the set's steps from the snapshot's position). States merged in by
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

  /** The tenant of the simulation's session writes. */
  static final TenantId TENANT = TenantId.of("sim");

  /** Snapshots a store keeps per shard (the store keeps two). */
  static final int SNAPSHOTS_KEPT = 2;

  /** Where a store reports every signal it applied (the history's set of stored signals). */
  interface Stored {
    /**
     * @param session the record's session, seq and ackedBelow; null for a plain signal
     * @param index the signal's index in its record (0 but for a signal of a session batch's part)
     * @param level a session record's durability (null for a plain signal)
     */
    void stored(
        int region,
        long signal,
        long entity,
        double weight,
        long eventTime,
        boolean local,
        SessionSeq session,
        int index,
        Durability level);

    /** A cut at {@code region} dropped the effect of these session records. */
    void dropped(int region, List<Long> signals);

    /**
     * {@code region} compensated the effect of its cut LOCAL session record {@code signal} on
     * applying {@code by}, a record of the same write.
     */
    void compensated(int region, long signal, long by);
  }

  /**
   * A snapshot of one shard: its states at {@code position} and its cut LOCAL session records
   * ({@link ModelCutLocals}), oldest first.
   */
  record Snapshot(
      long position, Map<Long, CrdtSignalState> states, List<ModelCutLocals.Entry> cutLocals) {}

  /** What a region's store keeps on disk across restarts: the last snapshots of each shard. */
  static final class Durable {
    final List<List<Snapshot>> snapshots = new ArrayList<>();

    Durable(int shards) {
      for (int s = 0; s < shards; s++) {
        snapshots.add(new ArrayList<>());
      }
    }
  }

  /** The shard of an entity of the simulation's writers. */
  static int shardOf(long entity) {
    return (int) (entity / SimWriters.ENTITY_SPACE);
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
  private final ModelSessions sessions;
  private final ModelCutLocals[] cutLocals;

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
    this.cutLocals = new ModelCutLocals[logs.length];
    boolean originOnly = Sim.compensatesAtOriginOnly();
    for (int s = 0; s < logs.length; s++) {
      List<Snapshot> kept = durable.snapshots.get(s);
      Snapshot last = kept.isEmpty() ? null : kept.get(kept.size() - 1);
      if (last != null) {
        last.states().forEach((e, state) -> states.put(e, state.copy()));
      }
      // the snapshot's set, and the replay from its position re-runs the set's steps 2 and 3
      cutLocals[s] =
          last == null
              ? new ModelCutLocals(self, originOnly, 0, List.of())
              : new ModelCutLocals(self, originOnly, last.position(), last.cutLocals());
    }
    // as the store's recovery: the pending session records from the log's start (0 here), since
    // the snapshot may hold their effect and the known commit is 0 after a restart
    this.sessions = new ModelSessions(self, logs);
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
    cutLocals[b.shard()].apply(
        b,
        sessions.committed(b.shard()),
        states,
        (signal, by) -> stored.compensated(self, signal, by));
    sessions.apply(b);
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
      boolean session = b.isSession(i);
      stored.stored(
          self,
          ids[i],
          entity,
          weight,
          eventTime,
          local,
          session ? b.session(i) : null,
          b.partIndex(i),
          session ? b.durability(i) : null);
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
    List<Snapshot> kept = durable.snapshots.get(shard);
    Snapshot base = null;
    for (Snapshot snap : kept) {
      if (snap.position() <= position) {
        base = snap; // the newest at or below the cut
      }
    }
    List<Long> dropped = ModelCut.remove(batches, position, base, states);
    if (!dropped.isEmpty()) {
      stored.dropped(self, dropped);
    }
    sessions.cut(shard, position, batches);
    cutLocals[shard].cut(batches, position);
    applied[shard] = position;
    kept.removeIf(snap -> snap.position() > position);
    snapshot(shard); // the store's snapshot at the cut: cut records kept but the dropped ones
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
            + " foreign signals, "
            + dropped.size()
            + " QUORUM/ALL session records dropped");
    return removed;
  }

  /** Writes the store's snapshot of every shard: its states as they are now, merged included. */
  void snapshot() {
    for (int s = 0; s < logs.length; s++) {
      snapshot(s);
    }
  }

  private void snapshot(int shard) {
    Map<Long, CrdtSignalState> copy = new TreeMap<>();
    states.forEach(
        (entity, state) -> {
          if (shardOf(entity) == shard) {
            copy.put(entity, state.copy());
          }
        });
    List<Snapshot> kept = durable.snapshots.get(shard);
    kept.add(new Snapshot(applied[shard], copy, cutLocals[shard].entries()));
    while (kept.size() > SNAPSHOTS_KEPT) {
      kept.remove(0);
    }
  }

  /**
   * Replication's known commit of {@code shard} rose: the entities whose QUORUM/ALL session records
   * it passed may leave in reconciliation again ({@link ModelSessions#pending}).
   */
  @Override
  public void onCommitted(int shard, long position) {
    sessions.committed(shard, position);
    // the store runs it on its snapshot thread (and before a digest export or a checkpoint)
    cutLocals[shard].compensateCommitted(
        sessions.committed(shard), states, (signal, by) -> stored.compensated(self, signal, by));
  }

  /**
   * Why this store still waits for the known commit to take a cut LOCAL record back (a matched
   * retry not yet known committed), or null.
   */
  String awaitsCommit() {
    for (int s = 0; s < cutLocals.length; s++) {
      ModelCutLocals.Entry e = cutLocals[s].waitingForCommit();
      if (e != null) {
        return "cut LOCAL record "
            + e.signal()
            + " of shard "
            + s
            + " waits for its retry at "
            + e.retryPosition()
            + " to be known committed (below "
            + sessions.committed(s)
            + ")";
      }
    }
    return null;
  }

  /** Attaches the region's replication (the acknowledgements of session writes wait on it). */
  void attach(ReplicationNode node) {
    sessions.attach(node);
  }

  /** The leader's check of session writes at this region. */
  SimSessionWrites sessionWrites() {
    return sessions.writes();
  }

  /** The session half: tables, the leader's check, the entities not to give away. */
  ModelSessions sessions() {
    return sessions;
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
