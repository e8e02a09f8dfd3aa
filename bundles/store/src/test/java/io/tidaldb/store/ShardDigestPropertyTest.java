package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.reconcile.ReconcileState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The incremental digests equal digests recomputed from scratch after any mix of applies (both
 * tenants, three types, retractions), merges from another region, recovery with and without a
 * snapshot; and every entity's kept hash (which the digest update and the scans read instead of
 * hashing the state) equals its state's content hash.
 */
class ShardDigestPropertyTest {
  private static final TenantId[] TENANTS = {TenantId.of("acme"), TenantId.of("globex")};
  private static final SignalType[] TYPES = {
    SignalType.of("view"), SignalType.of("like"), SignalType.of("buy")
  };

  @Property(tries = 12, seed = "51001")
  void incrementalDigestEqualsRecomputedDigest(@ForAll long seed) throws IOException {
    System.out.println("ShardDigestPropertyTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    Path dir = Files.createTempDirectory("digest-property");
    try (StoreFixture a = ShardReconcileTest.region(dir.resolve("a"), 0);
        StoreFixture b = ShardReconcileTest.region(dir.resolve("b"), 1)) {
      for (int step = 0; step < 6; step++) {
        int n = random.nextInt(1, 150);
        for (int i = 0; i < n; i++) {
          StoreFixture f = random.nextBoolean() ? a : b;
          f.store.signal(
              TENANTS[random.nextInt(TENANTS.length)],
              TYPES[random.nextInt(TYPES.length)],
              EntityId.of(random.nextLong(40)),
              random.nextInt(10) == 0 ? -1.0 : random.nextDouble(0, 5),
              Timestamp.ofMillis(ShardReconcileTest.T0 + random.nextLong(100_000_000L)),
              Durability.LOCAL);
        }
        switch (random.nextInt(4)) {
          case 0 -> mergeSome(b, a);
          case 1 -> a.reopenWithoutCheckpoint();
          case 2 -> a.reopen();
          default -> mergeSome(a, b);
        }
        for (StoreFixture f : new StoreFixture[] {a, b}) {
          for (int shard = 0; shard < f.store.reconcileState().shardCount(); shard++) {
            ShardState s = f.store.shardState(shard);
            s.lock.readLock().lock();
            try {
              assertNull(
                  s.states.staleHash(), "seed " + seed + " step " + step + " shard " + shard);
              assertNull(
                  s.states.staleIndex(
                      (id, slot) -> {
                        long key =
                            ReconcileHashes.keyHash(
                                ReconcileHashes.typeHash(s.registry.get(id).type().name()),
                                s.states.entityAt(slot));
                        return ReconcileHashes.segment(key);
                      }),
                  "seed " + seed + " step " + step + " shard " + shard);
            } finally {
              s.lock.readLock().unlock();
            }
          }
        }
        for (TenantId tenant : TENANTS) {
          for (StoreFixture f : new StoreFixture[] {a, b}) {
            ReconcileState r = f.store.reconcileState();
            checkSegments(r, tenant, random, "seed " + seed + " step " + step);
            assertArrayEquals(
                ShardReconcileTest.recomputed(r, tenant),
                ShardReconcileTest.digests(r, tenant),
                "seed " + seed + " step " + step + " tenant " + tenant);
            assertEquals(
                recomputedBytes(f, tenant),
                f.store.usage(tenant).orElseThrow().bytes(),
                "state bytes, seed " + seed + " step " + step + " tenant " + tenant);
          }
        }
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** The tenant's state bytes summed from every shard's states ({@link TenantBytes}). */
  private static long recomputedBytes(StoreFixture f, TenantId tenant) {
    long[] sum = {0};
    for (int shard = 0; shard < f.store.reconcileState().shardCount(); shard++) {
      ShardState s = f.store.shardState(shard);
      s.lock.readLock().lock();
      try {
        s.states.forEach(
            (id, entity, state) -> {
              SeriesRegistry.Series series = s.registry.get(id);
              if (series != null && series.tenant().equals(tenant)) {
                sum[0] += ShardDigest.stateBytes(state);
              }
            });
      } finally {
        s.lock.readLock().unlock();
      }
    }
    return sum[0];
  }

  /**
   * The segment digests of random buckets and the entities of random segments (few: the index's
   * chains; many: a scan) equal what every entity's hash and key give.
   */
  private static void checkSegments(
      ReconcileState r, TenantId tenant, SplittableRandom random, String where) {
    for (int shard = 0; shard < r.shardCount(); shard++) {
      long[] expected = new long[ReconcileState.SEGMENTS];
      java.util.Map<Integer, java.util.Set<String>> bySegment = new java.util.HashMap<>();
      java.util.BitSet every = new java.util.BitSet();
      every.set(0, ReconcileState.BUCKETS);
      int[] count = new int[1];
      r.forEachInBuckets(
          shard,
          tenant,
          every,
          (type, entity, hash) -> {
            long key = ReconcileHashes.keyHash(ReconcileHashes.typeHash(type), entity);
            expected[ReconcileHashes.segment(key)] += ReconcileHashes.entityHash(key, hash);
            bySegment
                .computeIfAbsent(ReconcileHashes.segment(key), g -> new java.util.HashSet<>())
                .add(type + "/" + entity + "/" + hash);
            count[0]++;
          });
      assertEquals(count[0], r.entityCount(shard, tenant), where + " shard " + shard);
      java.util.BitSet buckets = new java.util.BitSet();
      java.util.BitSet segments = new java.util.BitSet();
      int many = random.nextBoolean() ? 3 : 60_000;
      for (Integer g : bySegment.keySet()) {
        if (random.nextInt(4) == 0 || many > 3) {
          buckets.set(g / ReconcileState.SEGMENTS_PER_BUCKET);
          segments.set(g);
        }
      }
      for (int i = 0; i < many; i++) {
        segments.set(random.nextInt(ReconcileState.SEGMENTS));
      }
      long[] into = new long[ReconcileState.SEGMENTS];
      r.segmentDigests(shard, tenant, buckets, into);
      for (int g = 0; g < ReconcileState.SEGMENTS; g++) {
        long want = buckets.get(g / ReconcileState.SEGMENTS_PER_BUCKET) ? expected[g] : 0;
        assertEquals(want, into[g], where + " shard " + shard + " segment " + g);
      }
      java.util.Set<String> visited = new java.util.HashSet<>();
      java.util.Set<String> wanted = new java.util.HashSet<>();
      for (int g = segments.nextSetBit(0); g >= 0; g = segments.nextSetBit(g + 1)) {
        wanted.addAll(bySegment.getOrDefault(g, java.util.Set.of()));
      }
      r.forEachInSegments(
          shard,
          tenant,
          segments,
          (type, entity, hash) -> visited.add(type + "/" + entity + "/" + hash));
      assertEquals(wanted, visited, where + " shard " + shard + " segments " + many);
    }
  }

  /** Merges every state of {@code from} whose series {@code to} defines. */
  private static void mergeSome(StoreFixture from, StoreFixture to) {
    ReconcileState f = from.store.reconcileState();
    ReconcileState t = to.store.reconcileState();
    java.util.BitSet every = new java.util.BitSet();
    every.set(0, ReconcileState.BUCKETS);
    for (TenantId tenant : TENANTS) {
      for (int shard = 0; shard < f.shardCount(); shard++) {
        java.util.List<io.tidaldb.api.reconcile.EntityKey> keys = new java.util.ArrayList<>();
        f.forEachInBuckets(
            shard,
            tenant,
            every,
            (type, entity, hash) ->
                keys.add(new io.tidaldb.api.reconcile.EntityKey(SignalType.of(type), entity)));
        t.merge(shard, tenant, f.states(shard, tenant, keys)); // undefined series are rejected
      }
    }
  }
}
