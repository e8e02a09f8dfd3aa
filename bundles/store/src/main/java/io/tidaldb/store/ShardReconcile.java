package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.crdt.CrdtSignalState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The store's side of reconciliation ({@link ReconcileState}) over its shards: digests from each
 * shard's {@link ShardDigest}, scans and states under the shard's read lock, merges under its write
 * lock. Hashes and buckets are the functions of {@link ReconcileHashes}.
 *
 * <p>Durability of a merge: a merged state is held in memory and becomes durable with the shard's
 * next snapshot (after {@code snapshotEveryRecords} applied records, an explicit checkpoint, or a
 * clean close); a crash before that loses it here, and the next reconciliation fetches it again
 * from the region that holds it (it is in that region's log or snapshots). A cut of this shard's
 * log, which rebuilds the state from a snapshot and the log, drops merges made after that snapshot
 * the same way.
 */
final class ShardReconcile implements ReconcileState {
  private final ShardState[] shards;
  private final Runnable checkOpen;

  ShardReconcile(ShardState[] shards, Runnable checkOpen) {
    this.shards = shards;
    this.checkOpen = checkOpen;
  }

  @Override
  public int shardCount() {
    return shards.length;
  }

  @Override
  public Set<TenantId> tenants(int shard) {
    ShardState s = shard(shard);
    Set<TenantId> tenants = new LinkedHashSet<>();
    for (SeriesRegistry.Series series : s.registry.snapshot()) {
      tenants.add(series.tenant());
    }
    return tenants;
  }

  @Override
  public void bucketDigests(int shard, TenantId tenant, long[] into) {
    ShardState s = shard(shard);
    if (into.length != BUCKETS) {
      throw new InvalidArgumentException("digest array length", into.length, "must be " + BUCKETS);
    }
    s.lock.readLock().lock();
    try {
      s.digest.copy(tenant, into);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public void forEachInBuckets(int shard, TenantId tenant, BitSet buckets, EntityVisitor visitor) {
    ShardState s = shard(shard);
    s.lock.readLock().lock();
    try {
      SeriesRegistry.Series[] all = s.registry.snapshot();
      int maxId = -1;
      for (SeriesRegistry.Series series : all) {
        maxId = Math.max(maxId, series.id());
      }
      String[] names = new String[maxId + 1];
      long[] typeHashes = new long[maxId + 1];
      for (SeriesRegistry.Series series : all) {
        if (series.tenant().equals(tenant)) {
          names[series.id()] = series.type().name();
          typeHashes[series.id()] = ReconcileHashes.typeHash(series.type().name());
        }
      }
      s.states.forEach(
          (id, entity, state) -> {
            if (id < names.length && names[id] != null && !state.isEmpty()) {
              long key = ReconcileHashes.keyHash(typeHashes[id], entity);
              if (buckets.get(ReconcileHashes.bucket(key))) {
                visitor.visit(names[id], entity, state.contentHash());
              }
            }
          });
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public List<EntityState> states(int shard, TenantId tenant, Collection<EntityKey> keys) {
    ShardState s = shard(shard);
    List<EntityState> out = new ArrayList<>(keys.size());
    s.lock.readLock().lock();
    try {
      for (EntityKey key : keys) {
        int series = s.registry.find(tenant, key.type());
        CrdtSignalState state = series < 0 ? null : s.states.get(series, key.entity());
        if (state != null && !state.isEmpty()) {
          ByteBuffer bytes = ByteBuffer.allocate(state.encodedLength());
          state.writeTo(bytes);
          out.add(new EntityState(key.type(), key.entity(), bytes.array()));
        }
      }
    } finally {
      s.lock.readLock().unlock();
    }
    return out;
  }

  @Override
  public MergeReport merge(int shard, TenantId tenant, List<EntityState> states) {
    ShardState s = shard(shard);
    int changed = 0;
    int unchanged = 0;
    List<String> rejected = new ArrayList<>();
    // decode outside the lock
    CrdtSignalState[] decoded = new CrdtSignalState[states.size()];
    for (int i = 0; i < decoded.length; i++) {
      EntityState e = states.get(i);
      try {
        ByteBuffer bytes = ByteBuffer.wrap(e.state());
        decoded[i] = CrdtSignalState.readFrom(bytes);
        if (bytes.hasRemaining()) {
          rejected.add(
              where(tenant, e, shard) + ": " + bytes.remaining() + " bytes after the state");
          decoded[i] = null;
        }
      } catch (InvalidArgumentException ex) {
        rejected.add(where(tenant, e, shard) + ": not a canonical state: " + ex.getMessage());
      }
    }
    s.lock.writeLock().lock();
    try {
      for (int i = 0; i < decoded.length; i++) {
        CrdtSignalState incoming = decoded[i];
        if (incoming == null) {
          continue;
        }
        EntityState e = states.get(i);
        int id = s.registry.find(tenant, e.type());
        SeriesRegistry.Series series = id < 0 ? null : s.registry.get(id);
        if (series == null) {
          rejected.add(where(tenant, e, shard) + ": series not defined in this shard here yet");
        } else if (!incoming.isEmpty()
            && incoming.halfLifeMillis() != series.decay().halfLifeMillis()) {
          rejected.add(
              where(tenant, e, shard)
                  + ": half-life "
                  + incoming.halfLifeMillis()
                  + " ms, but the type decays with "
                  + series.decay().halfLifeMillis()
                  + " ms here");
        } else if (join(s, series, e.entity(), incoming)) {
          changed++;
        } else {
          unchanged++;
        }
      }
    } finally {
      s.lock.writeLock().unlock();
    }
    return new MergeReport(changed, unchanged, rejected);
  }

  /** Joins one validated state under the write lock; true if this region's state changed. */
  private static boolean join(
      ShardState s, SeriesRegistry.Series series, long entity, CrdtSignalState incoming) {
    if (incoming.isEmpty()) {
      return false;
    }
    CrdtSignalState state = s.states.getOrCreate(series.id(), entity);
    s.digest.before(series, entity, state);
    state.merge(incoming);
    return s.digest.after(state);
  }

  private static String where(TenantId tenant, EntityState e, int shard) {
    return "tenant "
        + tenant
        + " type "
        + e.type().name()
        + " entity "
        + e.entity()
        + " shard "
        + shard;
  }

  private ShardState shard(int shard) {
    checkOpen.run();
    if (shard < 0 || shard >= shards.length) {
      throw new InvalidArgumentException("shard", shard, "must be in 0.." + (shards.length - 1));
    }
    return shards[shard];
  }

  @Override
  public ShardEpochs epochs(int shard) {
    throw new UnsupportedOperationException("TEMP stub for wp-compact-engine");
  }

  @Override
  public ClosedDigest closedDigest(int shard, long throughEpoch) {
    throw new UnsupportedOperationException("TEMP stub for wp-compact-engine");
  }

  @Override
  public CompletableFuture<Long> compact(int shard, long throughEpoch) {
    throw new UnsupportedOperationException("TEMP stub for wp-compact-engine");
  }
}
