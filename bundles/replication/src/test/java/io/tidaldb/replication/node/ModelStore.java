package io.tidaldb.replication.node;

import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.WalBatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The simulation's model of a region's store, attached to its replication as the {@link
 * ReplicaState}: it applies every durable batch of its logs in log order (the commit listener, as
 * the real store does) and counts each signal id; a cut ({@link #truncateLog}) follows the
 * documented rule, removing the effect of the cut records of other origins and keeping that of this
 * region's own ones, which it remembers in {@code keptOwn} (the store's snapshot written before the
 * cut: it survives crashes and power loss), and their {@code (shard, epoch, position)} in {@code
 * keptAt} (the store's counted ranges): one of them that comes back through a later leader's log is
 * not counted again. A restarted store starts from {@code keptOwn} plus a replay of the recovered
 * logs under the same rule.
 */
final class ModelStore implements ReplicaState {
  /** Where a kept own record was in the log: the record {@code (epoch, position)} names. */
  record Kept(int shard, long epoch, long position) {}

  private final int self;
  private final SimLog[] logs;
  private final Set<Long> keptOwn;
  private final Set<Kept> keptAt;
  private final Map<Long, Integer> counts = new HashMap<>();
  private final long[] applied;
  private final SimTrace trace;
  private final Sim.Now now;

  ModelStore(
      int self, SimLog[] logs, Set<Long> keptOwn, Set<Kept> keptAt, SimTrace trace, Sim.Now now) {
    this.self = self;
    this.logs = logs;
    this.keptOwn = keptOwn;
    this.keptAt = keptAt;
    this.trace = trace;
    this.now = now;
    this.applied = new long[logs.length];
    for (long id : keptOwn) {
      counts.merge(id, 1, Integer::sum);
    }
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
      if (b.origin(i) == self
          && keptAt.contains(new Kept(b.shard(), b.epoch(), b.firstPosition() + i))) {
        trace.event(
            now.nanos(),
            "region " + self + " skips its kept own signal " + ids[i] + ": counted already");
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
    int ownKept = 0;
    int foreign = 0;
    for (SimBatch b : batches) {
      if (b.end() <= position) {
        continue;
      }
      long[] ids = b.signalIds();
      for (int i = 0; i < ids.length; i++) {
        if (b.origin(i) == self) {
          keptOwn.add(ids[i]);
          keptAt.add(new Kept(shard, b.epoch(), b.firstPosition() + i));
          ownKept++;
        } else {
          counts.merge(ids[i], -1, Integer::sum);
          foreign++;
        }
      }
    }
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
            + foreign
            + " foreign removed, "
            + ownKept
            + " own kept");
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

  /** Whether the store applied {@code id} as one of its own kept cut records. */
  boolean keptOwn(long id) {
    return keptOwn.contains(id);
  }

  long applied(int shard) {
    return applied[shard];
  }
}
