package io.tidaldb.replication.node;

import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.WalBatch;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simulation's model of a region's store, attached to its replication as the {@link
 * ReplicaState}: it applies every durable batch of its logs in log order (the commit listener, as
 * the real store does) and counts each signal id, following the issue-11 entry scheme: a record
 * names one signal by {@code (shard, epoch, position)} everywhere (log matching), and a record this
 * region applied before is skipped (the store's log entry of that epoch holds it: its end lies past
 * the position). A cut ({@link #truncateLog}) keeps the count of every cut record, own and foreign
 * alike, and writes the store's snapshot at the cut: the counts and the set of applied identities,
 * held in {@link Durable}, survive crashes and power loss. A restarted store starts from them and
 * replays the recovered logs under the same rule (the records the snapshot covers are skipped).
 */
final class ModelStore implements ReplicaState {
  /** The identity of a record: the signal {@code (epoch, position)} names in a shard's log. */
  record Applied(int shard, long epoch, long position) {}

  /** What a region's store keeps on disk across restarts: its state as of its last cut. */
  static final class Durable {
    final Map<Long, Integer> counts = new HashMap<>();
    final Set<Applied> applied = new HashSet<>();

    /** Signal ids a cut kept the count of (diagnostics). */
    final Set<Long> cutKept = new HashSet<>();
  }

  private final int self;
  private final SimLog[] logs;
  private final Durable durable;
  private final Map<Long, Integer> counts;
  private final Set<Applied> seen;
  private final long[] applied;
  private final SimTrace trace;
  private final Sim.Now now;

  ModelStore(int self, SimLog[] logs, Durable durable, SimTrace trace, Sim.Now now) {
    this.self = self;
    this.logs = logs;
    this.durable = durable;
    this.counts = new HashMap<>(durable.counts);
    this.seen = new HashSet<>(durable.applied);
    this.trace = trace;
    this.now = now;
    this.applied = new long[logs.length];
    for (SimLog log : logs) {
      for (SimBatch b : log.durableBatches()) {
        apply(b);
      }
      log.setCommitListener(this::apply);
    }
  }

  private void apply(WalBatch batch) {
    SimBatch b = (SimBatch) batch;
    if (b.firstPosition() != applied[b.shard()]) {
      throw new AssertionError(
          "region " + self + " applies " + b + " after position " + applied[b.shard()]);
    }
    long[] ids = b.signalIds();
    for (int i = 0; i < ids.length; i++) {
      if (!seen.add(new Applied(b.shard(), b.epoch(), b.firstPosition() + i))) {
        if (durable.cutKept.contains(ids[i])) {
          trace.event(
              now.nanos(),
              "region " + self + " skips signal " + ids[i] + ": a cut kept it, counted already");
        }
        continue;
      }
      counts.merge(ids[i], 1, Integer::sum);
    }
    applied[b.shard()] = b.end();
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
      long[] ids = b.signalIds();
      for (int i = 0; i < ids.length; i++) {
        durable.cutKept.add(ids[i]);
        if (b.origin(i) == self) {
          own++;
        } else {
          foreign++;
        }
      }
    }
    // The store's snapshot at the cut: the whole state, cut records included.
    durable.counts.clear();
    durable.counts.putAll(counts);
    durable.applied.clear();
    durable.applied.addAll(seen);
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

  /** How often this store counts signal {@code id}. */
  int count(long id) {
    return counts.getOrDefault(id, 0);
  }

  /** Every signal id this store counts, with its count. */
  Map<Long, Integer> counts() {
    return counts;
  }

  /** Whether a cut of this store kept the count of {@code id}. */
  boolean cutKept(long id) {
    return durable.cutKept.contains(id);
  }

  long applied(int shard) {
    return applied[shard];
  }
}
