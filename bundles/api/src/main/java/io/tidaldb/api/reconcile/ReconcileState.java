package io.tidaldb.api.reconcile;

import io.tidaldb.api.TenantId;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * What reconciliation needs from a region's store: per shard and tenant, a digest of the CRDT state
 * split into {@link #BUCKETS} buckets and kept up to date as signals apply (so asking costs
 * nothing), the entities of chosen buckets with their state hashes, their states, and a merge.
 *
 * <p>An entity's bucket and hash are functions of its (type name, entity id) and of its canonical
 * state bytes only, computed alike in every region; a bucket's digest is the sum, modulo 2^64, of
 * the hashes of its entities, so it is the same in two regions exactly when (barring collisions)
 * they hold the same states there. Thread-safe; the store serves writes and reads meanwhile.
 */
@ProviderType
public interface ReconcileState {
  /** Buckets per (shard, tenant) digest. */
  int BUCKETS = 1024;

  /**
   * Segments per bucket: the level below a bucket. An entity's segment is the top 16 bits of the
   * hash its bucket is the top 10 bits of, so segment {@code s} lies in bucket {@code s /
   * SEGMENTS_PER_BUCKET} and a bucket's digest is the sum of its segments' digests.
   */
  int SEGMENTS_PER_BUCKET = 64;

  /** Segments per (shard, tenant): {@link #BUCKETS} times {@link #SEGMENTS_PER_BUCKET}. */
  int SEGMENTS = BUCKETS * SEGMENTS_PER_BUCKET;

  /** Receives one entity of {@link #forEachInBuckets}. */
  @FunctionalInterface
  interface EntityVisitor {
    /**
     * Visits one entity.
     *
     * @param type the signal type's name
     * @param entity the entity id
     * @param stateHash the hash of its canonical state
     */
    void visit(String type, long entity, long stateHash);
  }

  /**
   * Returns the number of shards.
   *
   * @return the shard count
   */
  int shardCount();

  /**
   * Returns the tenants with at least one series defined in a shard.
   *
   * @param shard the shard
   * @return the tenants; empty if none
   */
  Set<TenantId> tenants(int shard);

  /**
   * Copies the bucket digests of (shard, tenant).
   *
   * @param shard the shard
   * @param tenant the tenant
   * @param into receives bucket {@code b}'s digest at index {@code b}; length {@link #BUCKETS}; all
   *     zero if the tenant has no state in the shard
   */
  void bucketDigests(int shard, TenantId tenant, long[] into);

  /**
   * Returns how many entities of (shard, tenant) hold a non-empty state here (kept as states
   * change; costs nothing).
   *
   * @param shard the shard
   * @param tenant the tenant
   * @return the number of entities; 0 if the tenant has no state in the shard
   * @since 1.2
   */
  int entityCount(int shard, TenantId tenant);

  /**
   * Copies the segment digests of the chosen buckets of (shard, tenant): segment {@code s}'s digest
   * (the sum, modulo 2^64, of its entities' hashes, as for a bucket) at {@code into[s]}, for every
   * segment of every bucket set in {@code buckets}; the other elements are left as they are. The
   * cost grows with the chosen buckets (and, where the store does not keep segment digests for a
   * small (shard, tenant), with their entities), not with the shard.
   *
   * @param shard the shard
   * @param tenant the tenant
   * @param buckets the buckets whose segments to copy
   * @param into receives the digests; length {@link #SEGMENTS}
   * @since 1.2
   */
  void segmentDigests(int shard, TenantId tenant, BitSet buckets, long[] into);

  /**
   * Visits every entity of (shard, tenant) whose segment is set in {@code segments}. The cost grows
   * with the entities of those segments, not with the shard.
   *
   * @param shard the shard
   * @param tenant the tenant
   * @param segments the segments to visit (indices below {@link #SEGMENTS})
   * @param visitor called once per entity, under the store's lock: it must not call back
   * @since 1.2
   */
  void forEachInSegments(int shard, TenantId tenant, BitSet segments, EntityVisitor visitor);

  /**
   * Visits every entity of (shard, tenant) whose bucket is set in {@code buckets}.
   *
   * @param shard the shard
   * @param tenant the tenant
   * @param buckets the buckets to visit
   * @param visitor called once per entity, under the store's lock: it must not call back
   */
  void forEachInBuckets(int shard, TenantId tenant, BitSet buckets, EntityVisitor visitor);

  /**
   * Returns the canonical states of the given entities of (shard, tenant).
   *
   * @param shard the shard
   * @param tenant the tenant
   * @param keys the entities
   * @return their states, in the order of {@code keys}; entities without state are left out, and so
   *     are entities the store withholds for now (a state that holds a write this region does not
   *     know committed, which a cut of its log may still remove): a caller must not count a missing
   *     state as an error, and the next session compares the entity again
   */
  List<EntityState> states(int shard, TenantId tenant, Collection<EntityKey> keys);

  /**
   * Joins states another region holds into this region's (the CRDT merge: commutative, associative,
   * idempotent, so merging a state twice, or one this region already holds, changes nothing). Each
   * state is validated first; one that fails is rejected, the others are merged.
   *
   * @param shard the shard
   * @param tenant the tenant
   * @param states the states to join
   * @return how many changed this region's state, how many did not, and the rejections
   */
  MergeReport merge(int shard, TenantId tenant, List<EntityState> states);

  /**
   * Returns what a shard knows about its epochs (for the compaction of closed epochs).
   *
   * @param shard the shard
   * @return the applied, led and folded-through epochs
   */
  ShardEpochs epochs(int shard);

  /**
   * Computes the digest of a shard's closed-epoch entries through a cut-off (a scan of the shard's
   * state under its read lock: the cost grows with the shard's entities; called rarely).
   *
   * @param shard the shard
   * @param throughEpoch the cut-off epoch, >= 0
   * @return the digest and how many entries it covers
   */
  ClosedDigest closedDigest(int shard, long throughEpoch);

  /**
   * Appends a COMPACT record folding every entity's log entries of epochs at or below {@code
   * throughEpoch} into one base entry, in every region that applies the shard's log. The caller
   * must have checked that every configured region holds the same closed entries ({@link
   * #closedDigest}) and applied a record of a later epoch; the store checks that this region leads
   * the shard in an epoch above the cut-off. The record carries this region's closed digest through
   * the cut-off at the time of the append; a region (this one included) folds only where its own
   * closed digest equals it when it applies the record, and otherwise skips it (a crash lost some
   * merged closed entries there; reconciliation then brings the base), so {@link
   * ShardEpochs#foldedThrough} may stay below the cut-off and a later round tries again.
   *
   * @param shard the shard
   * @param throughEpoch the cut-off epoch, >= 0
   * @return completes with the record's log position once durable here, or exceptionally with
   *     {@code NotLeaderException} if this region does not lead the shard in an epoch above the
   *     cut-off, {@code InvalidArgumentException} for a bad shard or epoch
   */
  CompletableFuture<Long> compact(int shard, long throughEpoch);

  /**
   * Returns the versions of the local streams' session tables this region holds for {@code shard}
   * (client sessions written in a region's local stream while it was cut off from the leader): per
   * replica id {@code local(region, incarnation)} (the id of that region's CRDT entry), the table's
   * version, its applied local position; this region's own table (if it holds anything) and its
   * copies of the other regions'. A table is a single-writer state of its replica id, so a higher
   * version holds everything a lower one does. The default holds none.
   *
   * @param shard the shard
   * @return replica id to version, each version above 0
   * @since 1.3.0
   */
  default Map<Long, Long> sessionTableVersions(int shard) {
    return Map.of();
  }

  /**
   * Returns the canonical encoding ({@code SessionTable.writeTo}) of the local session table of
   * {@code replica} that this region holds for {@code shard}, or null if it holds none.
   *
   * @param shard the shard
   * @param replica the table's replica id, as {@link #sessionTableVersions} names it
   * @return the encoding, or null
   * @since 1.3.0
   */
  default byte[] sessionTable(int shard, long replica) {
    return null;
  }

  /**
   * Joins a copy of {@code replica}'s local session table of {@code shard}: kept if its version is
   * above the one held (this region's own id is ignored); made durable like a merged state.
   *
   * @param shard the shard
   * @param replica the table's replica id (a local one)
   * @param encoding its canonical encoding
   * @return true if the copy was kept
   * @throws io.tidaldb.api.InvalidArgumentException if the encoding is malformed (naming offset,
   *     field and value) or the replica id is not a local one; nothing changes then
   * @since 1.3.0
   */
  default boolean mergeSessionTable(int shard, long replica, byte[] encoding) {
    return false;
  }
}
