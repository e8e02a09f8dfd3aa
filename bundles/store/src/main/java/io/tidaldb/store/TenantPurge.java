package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import java.util.BitSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's purge of a deleted tenant. The registry owns the registry; the store owns purges:
 * {@link #purge} first records the tenant in the durable purged set ({@link
 * TenantGate#recordPurge}: from then on every record of it in the shard log, the local log and the
 * WAL replay, and every reconciliation merge of it, is a no-op whose position still advances, and
 * every call refuses it), then, per shard under the write lock, drops the tenant's entity states
 * and recomputes the shard's digests, entity counts and top-K indexes from what is left, and queues
 * a checkpoint so the next snapshot no longer holds them. A crash between the record and the drops
 * is finished at the next open ({@link #dropPurged}), which also drops a purged tenant's states
 * that an older snapshot brought back; an installed snapshot is filtered the same way ({@link
 * ShardState#resetPositions}).
 *
 * <p>A writer racing the purge: a record validated before the set was published and applied before
 * the drop is dropped with the rest; one applied after it is a no-op. Not yet purged: the session
 * tables' entries of the tenant (they expire with the session TTL) and the tenant's series
 * definitions (a name in the series dictionary, no state).
 */
final class TenantPurge {
  private static final Logger LOG = LoggerFactory.getLogger(TenantPurge.class);

  private final ShardState[] shards;
  private final TenantGate gate;

  TenantPurge(ShardState[] shards, TenantGate gate) {
    this.shards = shards;
    this.gate = gate;
  }

  /**
   * Purges a tenant; idempotent.
   *
   * @return how many entity states were dropped
   */
  int purge(TenantId tenant) {
    boolean fresh = gate.recordPurge(tenant);
    int dropped = 0;
    for (ShardState s : shards) {
      dropped += drop(s);
    }
    if (fresh || dropped > 0) {
      LOG.info("tenant {} purged: {} entity states dropped", tenant, dropped);
    }
    return dropped;
  }

  /** Drops every purged tenant's states (at open, after recovery). */
  void dropPurged() {
    if (!gate.anyPurged()) {
      return;
    }
    int dropped = 0;
    for (ShardState s : shards) {
      dropped += drop(s);
    }
    if (dropped > 0) {
      LOG.info("purged tenants {}: {} entity states dropped at open", gate.purged(), dropped);
    }
  }

  private static int drop(ShardState s) {
    int dropped;
    s.lock.writeLock().lock();
    try {
      dropped = removePurged(s);
      if (dropped > 0) {
        s.digest.rebuild(s.registry, s.states);
        s.compaction.recount();
        s.merged(); // the next checkpoint writes the state without them
      }
    } finally {
      s.lock.writeLock().unlock();
    }
    if (dropped > 0) {
      s.checkpointMerges();
    }
    return dropped;
  }

  /** Removes the states of every purged tenant's series; write lock held. */
  static int removePurged(ShardState s) {
    BitSet ids = new BitSet();
    for (SeriesRegistry.Series series : s.registry.snapshot()) {
      if (series != null && s.tenants.isPurged(series.tenant())) {
        ids.set(series.id());
      }
    }
    return ids.isEmpty() ? 0 : s.states.removeSeries(ids::get);
  }
}
