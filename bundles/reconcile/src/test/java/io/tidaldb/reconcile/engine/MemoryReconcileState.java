package io.tidaldb.reconcile.engine;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A region's store side in memory, over real {@link CrdtSignalState}s: shards by entity, digests
 * recomputed on each call (the store's are incremental; its own tests check they agree), series
 * defined per (shard, tenant, type) by the first apply; epochs, closed digests and COMPACT records
 * modelled by {@link MemoryEpochs}.
 */
final class MemoryReconcileState implements ReconcileState {
  static final DecayModel DAY = DecayModel.ofHalfLife(86_400_000L);

  record Key(int shard, TenantId tenant, String type, long entity) {}

  private final int shards;
  private final long replica;
  private long position;
  private final Map<Key, CrdtSignalState> states = new HashMap<>();
  private final Set<String> defined = new HashSet<>();

  /**
   * Entities whose states {@link #states} withholds, as a store withholds a state that holds a
   * write it does not know committed.
   */
  final Set<Long> withheld = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private long hlc = 1;
  final MemoryEpochs epochs;

  MemoryReconcileState(int shards, int region) {
    this.shards = shards;
    this.replica = ReplicaIds.local(region, 1);
    this.epochs = new MemoryEpochs(region, shards);
  }

  int shardOf(long entity) {
    return Math.floorMod(entity * 0x9E3779B97F4A7C15L >>> 17, shards);
  }

  /** Applies one signal as this region's own write (defines the series). */
  synchronized void apply(TenantId tenant, String type, long entity, double weight) {
    int shard = shardOf(entity);
    define(shard, tenant, type);
    states
        .computeIfAbsent(new Key(shard, tenant, type, entity), k -> new CrdtSignalState())
        .applyAt(replica, position++, weight, 1_700_000_000_000L + entity, hlc++, DAY);
  }

  /**
   * Applies the shard-log record at {@code position} of epoch {@code epoch} (a leader's append or a
   * follower's apply: the same record gives every region the same {@code log(epoch)} entry).
   */
  synchronized void applyLog(
      TenantId tenant, String type, long entity, double weight, long epoch, long position) {
    int shard = shardOf(entity);
    define(shard, tenant, type);
    states
        .computeIfAbsent(new Key(shard, tenant, type, entity), k -> new CrdtSignalState())
        .applyAt(
            ReplicaIds.log(epoch),
            position,
            weight,
            1_700_000_000_000L + entity,
            position + 1,
            DAY);
    epochs.applied(shard, epoch);
  }

  synchronized void define(int shard, TenantId tenant, String type) {
    defined.add(shard + "/" + tenant + "/" + type);
  }

  synchronized Map<Key, CrdtSignalState> snapshot() {
    Map<Key, CrdtSignalState> copy = new HashMap<>();
    states.forEach((k, v) -> copy.put(k, v.copy()));
    return copy;
  }

  @Override
  public int shardCount() {
    return shards;
  }

  @Override
  public synchronized Set<TenantId> tenants(int shard) {
    Set<TenantId> t = new LinkedHashSet<>();
    for (Key k : states.keySet()) {
      if (k.shard() == shard) {
        t.add(k.tenant());
      }
    }
    return t;
  }

  @Override
  public synchronized void bucketDigests(int shard, TenantId tenant, long[] into) {
    java.util.Arrays.fill(into, 0);
    states.forEach(
        (k, s) -> {
          if (k.shard() == shard && k.tenant().equals(tenant)) {
            long key = keyHash(k.type(), k.entity());
            into[bucket(key)] += mix(key * 31 + s.contentHash());
          }
        });
  }

  @Override
  public synchronized int entityCount(int shard, TenantId tenant) {
    int n = 0;
    for (Map.Entry<Key, CrdtSignalState> e : states.entrySet()) {
      Key k = e.getKey();
      if (k.shard() == shard && k.tenant().equals(tenant) && !e.getValue().isEmpty()) {
        n++;
      }
    }
    return n;
  }

  @Override
  public synchronized void segmentDigests(int shard, TenantId tenant, BitSet buckets, long[] into) {
    for (int b = buckets.nextSetBit(0); b >= 0; b = buckets.nextSetBit(b + 1)) {
      java.util.Arrays.fill(into, b * SEGMENTS_PER_BUCKET, (b + 1) * SEGMENTS_PER_BUCKET, 0L);
    }
    states.forEach(
        (k, s) -> {
          if (k.shard() == shard && k.tenant().equals(tenant)) {
            long key = keyHash(k.type(), k.entity());
            if (buckets.get(bucket(key))) {
              into[segment(key)] += mix(key * 31 + s.contentHash());
            }
          }
        });
  }

  @Override
  public synchronized void forEachInSegments(
      int shard, TenantId tenant, BitSet segments, EntityVisitor visitor) {
    states.forEach(
        (k, s) -> {
          if (k.shard() == shard
              && k.tenant().equals(tenant)
              && segments.get(segment(keyHash(k.type(), k.entity())))) {
            visitor.visit(k.type(), k.entity(), s.contentHash());
          }
        });
  }

  @Override
  public synchronized void forEachInBuckets(
      int shard, TenantId tenant, BitSet buckets, EntityVisitor visitor) {
    states.forEach(
        (k, s) -> {
          if (k.shard() == shard
              && k.tenant().equals(tenant)
              && buckets.get(bucket(keyHash(k.type(), k.entity())))) {
            visitor.visit(k.type(), k.entity(), s.contentHash());
          }
        });
  }

  @Override
  public synchronized List<EntityState> states(
      int shard, TenantId tenant, Collection<EntityKey> keys) {
    List<EntityState> out = new ArrayList<>();
    for (EntityKey key : keys) {
      CrdtSignalState s = states.get(new Key(shard, tenant, key.type().name(), key.entity()));
      if (s != null && !withheld.contains(key.entity())) {
        ByteBuffer b = ByteBuffer.allocate(s.encodedLength());
        s.writeTo(b);
        out.add(new EntityState(key.type(), key.entity(), b.array()));
      }
    }
    return out;
  }

  @Override
  public synchronized MergeReport merge(int shard, TenantId tenant, List<EntityState> in) {
    int changed = 0;
    int unchanged = 0;
    List<String> rejected = new ArrayList<>();
    for (EntityState e : in) {
      String where =
          "tenant " + tenant + " type " + e.type() + " entity " + e.entity() + " shard " + shard;
      if (!defined.contains(shard + "/" + tenant + "/" + e.type().name())) {
        rejected.add(where + ": not defined in this shard here yet");
        continue;
      }
      CrdtSignalState incoming;
      try {
        incoming = CrdtSignalState.readFrom(ByteBuffer.wrap(e.state()));
      } catch (RuntimeException ex) {
        rejected.add(where + ": " + ex.getMessage());
        continue;
      }
      CrdtSignalState s =
          states.computeIfAbsent(
              new Key(shard, tenant, e.type().name(), e.entity()), k -> new CrdtSignalState());
      long before = s.contentHash();
      s.merge(incoming);
      if (s.contentHash() != before) {
        changed++;
      } else {
        unchanged++;
      }
    }
    return new MergeReport(changed, unchanged, rejected);
  }

  @Override
  public synchronized ShardEpochs epochs(int shard) {
    return epochs.epochs(shard);
  }

  @Override
  public synchronized ClosedDigest closedDigest(int shard, long throughEpoch) {
    return epochs.closedDigest(shard, throughEpoch, states);
  }

  @Override
  public synchronized CompletableFuture<Long> compact(int shard, long throughEpoch) {
    return epochs.compact(shard, throughEpoch);
  }

  static SignalType type(String name) {
    return SignalType.of(name);
  }

  private static long keyHash(String type, long entity) {
    return mix(type.hashCode() * 0x9E3779B97F4A7C15L ^ mix(entity));
  }

  private static int bucket(long keyHash) {
    return (int) (keyHash >>> 54);
  }

  private static int segment(long keyHash) {
    return (int) (keyHash >>> 48);
  }

  static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    return h ^ (h >>> 33);
  }

  /** Local session tables per shard: replica id to encoding (here: version, 8 bytes, then any). */
  private final Map<Integer, Map<Long, byte[]>> tables = new HashMap<>();

  /** A table encoding of this model: the version, then {@code payload} bytes. */
  static byte[] table(long version, int payload) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + payload).putLong(version);
    for (int i = 0; i < payload; i++) {
      b.put((byte) (version * 31 + i));
    }
    return b.array();
  }

  /** Sets a table as held here (its own, or a copy). */
  synchronized void putTable(int shard, long replica, byte[] encoding) {
    tables.computeIfAbsent(shard, k -> new HashMap<>()).put(replica, encoding);
  }

  @Override
  public synchronized Map<Long, Long> sessionTableVersions(int shard) {
    Map<Long, Long> out = new java.util.TreeMap<>();
    tables
        .getOrDefault(shard, Map.of())
        .forEach((r, t) -> out.put(r, java.nio.ByteBuffer.wrap(t).getLong()));
    return out;
  }

  @Override
  public synchronized byte[] sessionTable(int shard, long replica) {
    byte[] t = tables.getOrDefault(shard, Map.of()).get(replica);
    return t == null ? null : t.clone();
  }

  @Override
  public synchronized boolean mergeSessionTable(int shard, long replica, byte[] encoding) {
    if (encoding.length < 8 || encoding[8 < encoding.length ? 8 : 0] == (byte) 0xEE) {
      throw new io.tidaldb.api.InvalidArgumentException(
          "session table", encoding.length, "malformed at offset 8: field payload, value 0xee");
    }
    long version = java.nio.ByteBuffer.wrap(encoding).getLong();
    Long held = sessionTableVersions(shard).get(replica);
    if (held != null && held >= version) {
      return false;
    }
    putTable(shard, replica, encoding.clone());
    return true;
  }
}
