package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's side of reconciliation: digests, scans, states and merges over a real store. */
class ShardReconcileTest {
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");
  static final SignalType VIEW = SignalType.of("view");
  static final SignalType LIKE = SignalType.of("like");
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  static StoreFixture region(Path dir, int region) {
    return new StoreFixture(
        dir, b -> b.region(RegionId.of(region)).halfLife("like", Duration.ofMinutes(5)), b -> b);
  }

  static void signal(StoreFixture f, TenantId tenant, SignalType type, long entity, double w) {
    f.store.signal(
        tenant, type, EntityId.of(entity), w, Timestamp.ofMillis(T0 + entity), Durability.LOCAL);
  }

  /**
   * A signal in the region's own local stream (two single-region stores do not share a shard log
   * history: their log entries of epoch 0 would be two different histories under one replica id, so
   * a test of two regions writes the second one's signals locally).
   */
  static void local(StoreFixture f, TenantId tenant, SignalType type, long entity, double w) {
    int shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(tenant, entity);
    f.store
        .appendLocal(shard, tenant, type, EntityId.of(entity), w, Timestamp.ofMillis(T0 + entity))
        .join();
  }

  /**
   * Defines the types in every shard through the log, with entities from {@code from} on that no
   * test reads (another store's from another {@code from}: no two stores write one entity's log
   * entry).
   */
  static void defineEverywhere(StoreFixture f, long from, TenantId tenant, SignalType... types) {
    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      long entity = entityOfShard(tenant, shard, from);
      for (SignalType type : types) {
        signal(f, tenant, type, entity, 1.0);
      }
    }
  }

  /** The first entity from {@code from} on that the router places in {@code shard}. */
  static long entityOfShard(TenantId tenant, int shard, long from) {
    HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
    long e = from;
    while (router.shardOf(tenant, e) != shard || e == 1) {
      e++;
    }
    return e;
  }

  /** Every (shard, tenant) digest of a store, concatenated. */
  static long[] digests(ReconcileState r, TenantId tenant) {
    long[] all = new long[r.shardCount() * ReconcileState.BUCKETS];
    long[] one = new long[ReconcileState.BUCKETS];
    for (int shard = 0; shard < r.shardCount(); shard++) {
      r.bucketDigests(shard, tenant, one);
      System.arraycopy(one, 0, all, shard * ReconcileState.BUCKETS, one.length);
    }
    return all;
  }

  /** The digests recomputed from every entity's hash, as a region without increments would. */
  static long[] recomputed(ReconcileState r, TenantId tenant) {
    long[] all = new long[r.shardCount() * ReconcileState.BUCKETS];
    BitSet every = new BitSet();
    every.set(0, ReconcileState.BUCKETS);
    for (int shard = 0; shard < r.shardCount(); shard++) {
      int base = shard * ReconcileState.BUCKETS;
      r.forEachInBuckets(
          shard,
          tenant,
          every,
          (type, entity, hash) -> {
            long key = ReconcileHashes.keyHash(ReconcileHashes.typeHash(type), entity);
            all[base + ReconcileHashes.bucket(key)] += ReconcileHashes.entityHash(key, hash);
          });
    }
    return all;
  }

  /** Sends every state of {@code from} for {@code tenant} to {@code to}. */
  static void mergeAll(ReconcileState from, ReconcileState to, TenantId tenant) {
    BitSet every = new BitSet();
    every.set(0, ReconcileState.BUCKETS);
    for (int shard = 0; shard < from.shardCount(); shard++) {
      List<EntityKey> keys = new ArrayList<>();
      from.forEachInBuckets(
          shard,
          tenant,
          every,
          (type, entity, hash) -> keys.add(new EntityKey(SignalType.of(type), entity)));
      MergeReport report = to.merge(shard, tenant, from.states(shard, tenant, keys));
      assertEquals(List.of(), report.rejected());
    }
  }

  @Test
  void shouldHaveEqualDigestsExactlyWhenStatesAreEqual() {
    try (StoreFixture a = region(dir.resolve("a"), 0);
        StoreFixture b = region(dir.resolve("b"), 1)) {
      defineEverywhere(a, 2_000_000, ACME, VIEW, LIKE);
      defineEverywhere(b, 1_000_000, ACME, VIEW, LIKE);
      for (long e = 0; e < 200; e++) {
        signal(a, ACME, VIEW, e, 1.0);
        local(b, ACME, VIEW, e, 1.0); // another region's own stream: another replica entry
      }
      signal(a, ACME, LIKE, 7, 2.0);
      local(b, ACME, LIKE, 7, 2.0);
      ReconcileState ra = a.store.reconcileState();
      ReconcileState rb = b.store.reconcileState();
      assertFalse(java.util.Arrays.equals(digests(ra, ACME), digests(rb, ACME)));

      mergeAll(ra, rb, ACME);
      mergeAll(rb, ra, ACME);

      assertArrayEquals(digests(ra, ACME), digests(rb, ACME));
      assertArrayEquals(recomputed(ra, ACME), digests(ra, ACME));
      for (long e = 0; e < 200; e++) {
        SignalAggregate x = read(a, VIEW, e);
        assertEquals(2, x.count(), "entity " + e);
        assertEquals(x, read(b, VIEW, e));
      }
      // one more signal on one side: the digests differ again, in exactly one bucket
      signal(a, ACME, VIEW, 3, 1.0);
      long[] da = digests(ra, ACME);
      long[] db = digests(rb, ACME);
      int differing = 0;
      for (int i = 0; i < da.length; i++) {
        differing += da[i] != db[i] ? 1 : 0;
      }
      assertEquals(1, differing);
    }
  }

  @Test
  void shouldKeepEachTenantsDigestAndScanToItsOwnSeries() {
    try (StoreFixture a = region(dir, 0)) {
      for (long e = 0; e < 100; e++) {
        signal(a, ACME, VIEW, e, 1.0);
      }
      ReconcileState r = a.store.reconcileState();
      assertTrue(java.util.Arrays.stream(digests(r, GLOBEX)).allMatch(d -> d == 0));
      assertFalse(java.util.Arrays.stream(digests(r, ACME)).allMatch(d -> d == 0));
      BitSet every = new BitSet();
      every.set(0, ReconcileState.BUCKETS);
      int[] visited = new int[2];
      for (int shard = 0; shard < r.shardCount(); shard++) {
        assertFalse(r.tenants(shard).contains(GLOBEX));
        r.forEachInBuckets(shard, GLOBEX, every, (t, e, h) -> visited[0]++);
        r.forEachInBuckets(shard, ACME, every, (t, e, h) -> visited[1]++);
        assertEquals(
            List.of(),
            r.states(shard, GLOBEX, List.of(new EntityKey(VIEW, 1), new EntityKey(VIEW, 2))));
      }
      assertEquals(0, visited[0]);
      assertEquals(100, visited[1]);

      signal(a, GLOBEX, VIEW, 1, 5.0);
      int shard = shardOf(r, GLOBEX);
      assertEquals(Set.of(ACME, GLOBEX), Set.copyOf(r.tenants(shard)));
      long[] globex = digests(r, GLOBEX);
      assertEquals(1, java.util.Arrays.stream(globex).filter(d -> d != 0).count());
      assertArrayEquals(recomputed(r, ACME), digests(r, ACME));
    }
  }

  @Test
  void shouldRejectStatesThatFailValidationNamingTheValues() {
    try (StoreFixture a = region(dir.resolve("a"), 0);
        StoreFixture b = region(dir.resolve("b"), 1)) {
      signal(a, ACME, VIEW, 1, 1.0);
      signal(a, ACME, LIKE, 1, 1.0);
      ReconcileState ra = a.store.reconcileState();
      int shard = shardOf(ra, ACME);
      List<EntityState> good =
          ra.states(shard, ACME, List.of(new EntityKey(VIEW, 1), new EntityKey(LIKE, 1)));
      assertEquals(2, good.size());
      ReconcileState rb = b.store.reconcileState();
      long[] before = digests(rb, ACME);

      MergeReport undefined = rb.merge(shard, ACME, good);
      assertEquals(0, undefined.changed());
      assertEquals(2, undefined.rejected().size());
      assertTrue(
          undefined
              .rejected()
              .get(0)
              .contains(
                  "tenant acme type view entity 1 shard "
                      + shard
                      + ": series not defined in this shard here yet"),
          undefined.rejected()::toString);

      long other = entityOfShard(ACME, shard, 2); // defines both series in b's shard
      signal(b, ACME, VIEW, other, 1.0);
      signal(b, ACME, LIKE, other, 1.0);
      before = digests(rb, ACME);
      byte[] truncated = java.util.Arrays.copyOf(good.get(0).state(), 20);
      byte[] trailing =
          java.util.Arrays.copyOf(good.get(0).state(), good.get(0).state().length + 1);
      // a 'view' state under the 'like' type: half-life 1 day, not 5 minutes
      EntityState wrongDecay = new EntityState(LIKE, 1, good.get(0).state());
      MergeReport bad =
          rb.merge(
              shard,
              ACME,
              List.of(
                  new EntityState(VIEW, 1, truncated),
                  new EntityState(VIEW, 1, trailing),
                  wrongDecay));
      assertEquals(0, bad.changed() + bad.unchanged());
      assertEquals(3, bad.rejected().size(), bad.rejected()::toString);
      assertTrue(bad.rejected().get(0).contains("not a canonical state"), bad.rejected()::toString);
      assertTrue(bad.rejected().get(1).contains("1 bytes after the state"));
      assertTrue(bad.rejected().get(2).contains("half-life 86400000 ms"), bad.rejected()::toString);
      assertArrayEquals(before, digests(rb, ACME));

      MergeReport ok = rb.merge(shard, ACME, good);
      assertEquals(2, ok.changed());
      MergeReport again = rb.merge(shard, ACME, good);
      assertEquals(2, again.unchanged());
      assertFalse(java.util.Arrays.equals(before, digests(rb, ACME)));
    }
  }

  @Test
  void shouldKeepMergesThroughACrashBeforeTheNextSnapshotAndRestoreTheDigests() {
    try (StoreFixture a = region(dir.resolve("a"), 0);
        StoreFixture b = region(dir.resolve("b"), 1)) {
      for (long e = 0; e < 300; e++) {
        signal(a, ACME, VIEW, e, 1.0);
        signal(b, ACME, VIEW, e % 50, 1.0);
      }
      long[] before = digests(a.store.reconcileState(), ACME);
      mergeAll(b.store.reconcileState(), a.store.reconcileState(), ACME);
      long[] merged = digests(a.store.reconcileState(), ACME);
      assertFalse(java.util.Arrays.equals(before, merged));
      assertTrue(a.store.awaitMergesDurable(java.time.Duration.ofSeconds(10)));
      // replay only, no closing checkpoint: b's states are in no log of a, only in the checkpoint
      // the merge queued
      a.reopenWithoutCheckpoint();
      assertArrayEquals(merged, digests(a.store.reconcileState(), ACME));
      assertArrayEquals(recomputed(a.store.reconcileState(), ACME), merged);
      for (long e = 300; e < 310; e++) {
        signal(a, ACME, VIEW, e, 1.0); // and the log replays on top of that checkpoint
      }
      long[] more = digests(a.store.reconcileState(), ACME);
      a.reopenWithoutCheckpoint();
      assertArrayEquals(more, digests(a.store.reconcileState(), ACME));
      a.reopen(); // a clean close checkpoints
      assertArrayEquals(more, digests(a.store.reconcileState(), ACME));
      assertArrayEquals(recomputed(a.store.reconcileState(), ACME), more);
    }
  }

  private static SignalAggregate read(StoreFixture f, SignalType type, long entity) {
    return f.store.read(ACME, type, EntityId.of(entity), Timestamp.ofMillis(T0 + 1_000_000));
  }

  private static int shardOf(ReconcileState r, TenantId tenant) {
    for (int shard = 0; shard < r.shardCount(); shard++) {
      if (r.tenants(shard).contains(tenant)) {
        long[] d = new long[ReconcileState.BUCKETS];
        r.bucketDigests(shard, tenant, d);
        if (java.util.Arrays.stream(d).anyMatch(x -> x != 0)) {
          return shard;
        }
      }
    }
    throw new AssertionError("no shard holds " + tenant);
  }
}
