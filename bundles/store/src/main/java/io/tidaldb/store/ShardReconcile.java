package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.crdt.CrdtSignalState;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The store's side of reconciliation ({@link ReconcileState}) over its shards: digests from each
 * shard's {@link ShardDigest}, scans and states under the shard's read lock, merges under its write
 * lock. Hashes and buckets are the functions of {@link ReconcileHashes}.
 *
 * <p>Durability of a merge: a merged state is fed by no record of this region's logs, so nothing
 * could replay it; a merge that changed a state queues a checkpoint of the shard on the snapshot
 * executor ({@link ShardState#checkpointMerges}) and returns, and the merge is durable here once
 * that snapshot is written (milliseconds later; {@link
 * io.tidaldb.store.SignalStoreEngine#awaitMergesDurable} waits for it). From then on it survives a
 * crash here even if the region it came from loses its data. A crash before that loses it here (the
 * region it came from still holds it unless it lost its data at the same time). A cut of the log
 * snapshots the live state, merged states included ({@link ShardTruncation}).
 *
 * <p>Withheld states: {@link #states} gives no state away that holds the effect of a QUORUM/ALL
 * session record this region does not know committed ({@link PendingSessions}): a cut may still
 * drop that effect here, and a copy that left would keep it elsewhere (issue 12). Such an entity is
 * simply not among the states returned; digests and scans still include it, so every session finds
 * it again until the commit passes the record or a cut removes it.
 *
 * <p>Compaction of closed epochs: {@link #epochs}, {@link #closedDigest} and {@link #compact} are
 * {@link ShardCompaction}'s and {@link CompactAppend}'s.
 */
final class ShardReconcile implements ReconcileState {
  private final ShardState[] shards;
  private final Runnable checkOpen;
  private final CompactAppend compactions;

  /** The reconcile state of {@code shards}; {@code replication} is null for a single region. */
  ShardReconcile(ShardState[] shards, Runnable checkOpen, Replication replication) {
    this.shards = shards;
    this.checkOpen = checkOpen;
    this.compactions = new CompactAppend(replication);
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
      if (!s.tenants.isPurged(series.tenant())) {
        tenants.add(series.tenant());
      }
    }
    return tenants;
  }

  @Override
  public void bucketDigests(int shard, TenantId tenant, long[] into) {
    ShardState s = shard(shard);
    if (into.length != BUCKETS) {
      throw new InvalidArgumentException("digest array length", into.length, "must be " + BUCKETS);
    }
    s.compensateCommittedRetries(); // a quiet shard: a due compensation goes into the digest
    s.lock.readLock().lock();
    try {
      s.digest.copy(tenant, into);
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public int entityCount(int shard, TenantId tenant) {
    ShardState s = shard(shard);
    s.lock.readLock().lock();
    try {
      ShardDigest.TenantDigest t = s.digest.of(tenant);
      return t == null ? 0 : t.entities;
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public void segmentDigests(int shard, TenantId tenant, BitSet buckets, long[] into) {
    ShardState s = shard(shard);
    if (into.length != SEGMENTS) {
      throw new InvalidArgumentException(
          "segment digest array length", into.length, "must be " + SEGMENTS);
    }
    BitSet segments = segmentsOf(buckets);
    s.lock.readLock().lock();
    try {
      ShardDigest.TenantDigest t = s.digest.of(tenant);
      for (int g = segments.nextSetBit(0); g >= 0; g = segments.nextSetBit(g + 1)) {
        into[g] = t == null || t.segments == null ? 0 : t.segments[g];
      }
      if (t != null && t.segments == null) { // a small tenant: summed from its entities
        SegmentScan.visit(
            s,
            tenant,
            segments,
            (typeHash, name, entity, content) -> {
              long key = ReconcileHashes.keyHash(typeHash, entity);
              into[ReconcileHashes.segment(key)] += ReconcileHashes.entityHash(key, content);
            });
      }
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public void forEachInSegments(
      int shard, TenantId tenant, BitSet segments, EntityVisitor visitor) {
    ShardState s = shard(shard);
    BitSet valid = segments.get(0, SEGMENTS);
    s.lock.readLock().lock();
    try {
      SegmentScan.visit(
          s,
          tenant,
          valid,
          (typeHash, name, entity, content) -> visitor.visit(name, entity, content));
    } finally {
      s.lock.readLock().unlock();
    }
  }

  @Override
  public void forEachInBuckets(int shard, TenantId tenant, BitSet buckets, EntityVisitor visitor) {
    forEachInSegments(shard, tenant, segmentsOf(buckets), visitor);
  }

  /** The segments of the buckets set in {@code buckets} (those below {@link #BUCKETS}). */
  private static BitSet segmentsOf(BitSet buckets) {
    BitSet segments = new BitSet(SEGMENTS);
    for (int b = buckets.nextSetBit(0); b >= 0 && b < BUCKETS; b = buckets.nextSetBit(b + 1)) {
      segments.set(b * SEGMENTS_PER_BUCKET, (b + 1) * SEGMENTS_PER_BUCKET);
    }
    return segments;
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
        if (state != null && !state.isEmpty() && !s.pending.pending(series, key.entity())) {
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
    if (s.tenants.isPurged(tenant)) { // a peer that has not purged it yet: a no-op here
      return new MergeReport(0, states.size(), List.of());
    }
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
      SignalType lastType = null; // a message's states mostly share one type: look it up once
      SeriesRegistry.Series series = null;
      for (int i = 0; i < decoded.length; i++) {
        CrdtSignalState incoming = decoded[i];
        if (incoming == null) {
          continue;
        }
        EntityState e = states.get(i);
        if (e.type() != lastType) {
          int id = s.registry.find(tenant, e.type());
          series = id < 0 ? null : s.registry.get(id);
          lastType = e.type();
        }
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
    if (changed > 0) {
      s.checkpointMerges(); // merged states are in no log here: only a snapshot keeps them
    }
    return new MergeReport(changed, unchanged, rejected);
  }

  @Override
  public ShardEpochs epochs(int shard) {
    ShardState s = shard(shard);
    return new ShardEpochs(
        shard,
        s.compaction.appliedEpoch(),
        compactions.leaderEpoch(s),
        s.compaction.foldedThrough());
  }

  @Override
  public ClosedDigest closedDigest(int shard, long throughEpoch) {
    ShardState s = shard(shard);
    CompactAppend.checkCutOff(shard, throughEpoch);
    return s.compaction.closedDigest(throughEpoch);
  }

  @Override
  public CompletableFuture<Long> compact(int shard, long throughEpoch) {
    try {
      return compactions.compact(shard(shard), throughEpoch);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Joins one validated state under the write lock; true if this region's state changed. */
  private static boolean join(
      ShardState s, SeriesRegistry.Series series, long entity, CrdtSignalState incoming) {
    if (incoming.isEmpty()) {
      return false;
    }
    s.compaction.logEntries(incoming.lowestLogEpoch()); // before its log entries go in
    // an entity new here takes the decoded state itself (nothing else holds it)
    CrdtSignalState state = s.states.getOrInsert(series.id(), entity, incoming);
    s.digest.before(series, entity, state);
    if (state != incoming) {
      state.merge(incoming);
    }
    boolean changed = s.digest.after(state);
    if (changed) {
      s.merged();
    }
    return changed;
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

  /** {@inheritDoc} This region's local table and its copies ({@link LocalSessions}). */
  @Override
  public Map<Long, Long> sessionTableVersions(int shard) {
    return SessionTableCopies.versions(shard(shard));
  }

  @Override
  public byte[] sessionTable(int shard, long replica) {
    return SessionTableCopies.encoding(shard(shard), replica);
  }

  /** {@inheritDoc} A kept copy queues a checkpoint, as a merge that changed a state does. */
  @Override
  public boolean mergeSessionTable(int shard, long replica, byte[] encoding) {
    checkOpen.run();
    return SessionTableCopies.merge(shard(shard), replica, encoding);
  }
}
