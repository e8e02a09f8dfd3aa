package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The segment index of {@link EntityStateMap} and the counts and segment digests of {@link
 * ShardDigest} after any mix of applies (the table growing many times), cuts of a series (unbound,
 * removed, rebuilt) and rebuilds, with a random threshold for keeping segment digests: every
 * non-empty slot is reachable through its (series, segment) chain, a chain visit returns exactly
 * the entries a brute-force filter finds, each tenant's count equals a recount, and its bucket and
 * kept segment digests equal sums recomputed from every entity's hash.
 */
class SegmentIndexPropertyTest {
  private static final DecayModel DAY = DecayModel.ofHalfLife(86_400_000L);
  private static final String[] TENANTS = {"acme", "globex"};
  private static final String[] TYPES = {"view", "like", "buy"};

  @Property(tries = 30, seed = "61001")
  void indexCountsAndSegmentDigestsMatchARecount(@ForAll long seed) {
    System.out.println("SegmentIndexPropertyTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    SeriesRegistry registry = new SeriesRegistry(type -> DAY);
    EntityStateMap map = new EntityStateMap();
    int threshold = random.nextInt(1, 400);
    ShardDigest digest = new ShardDigest(map, threshold);
    int nextSeries = 0;
    long position = 0;
    for (int step = 0; step < 12; step++) {
      int n = random.nextInt(1, 400);
      for (int i = 0; i < n; i++) {
        int id = random.nextInt(6);
        if (registry.get(id) == null) {
          registry.bind(id, TENANTS[id % 2], TYPES[id % 3] + nextSeries++, "test");
        }
        SeriesRegistry.Series series = registry.get(id);
        long entity = random.nextLong(1_500);
        CrdtSignalState state = map.getOrCreate(id, entity);
        digest.before(series, entity, state);
        state.applyAt(ReplicaIds.local(1, 1), position++, 1.0, 1_000L, position, DAY);
        digest.after(state);
      }
      String where = "seed " + seed + " step " + step + " threshold " + threshold;
      switch (random.nextInt(4)) {
        case 0 -> { // a cut unbinds a series and drops its entries
          int id = random.nextInt(6);
          if (registry.unbind(id) != null) {
            map.removeSeries(s -> s == id);
            digest.rebuild(registry, map);
          }
        }
        case 1 -> digest.rebuild(registry, map);
        default -> {}
      }
      check(registry, map, digest, random, where);
    }
  }

  private static void check(
      SeriesRegistry registry,
      EntityStateMap map,
      ShardDigest digest,
      SplittableRandom random,
      String where) {
    assertNull(map.staleHash(), where);
    assertNull(
        map.staleIndex((id, slot) -> segmentOf(registry.get(id), map.entityAt(slot))), where);
    for (String name : TENANTS) {
      TenantId tenant = TenantId.of(name);
      long[] buckets = new long[ReconcileState.BUCKETS];
      long[] segments = new long[ReconcileState.SEGMENTS];
      int[] count = new int[1];
      map.forEachHash(
          (id, entity, content) -> {
            SeriesRegistry.Series series = registry.get(id);
            if (series != null && series.tenant().equals(tenant)) {
              long key =
                  ReconcileHashes.keyHash(ReconcileHashes.typeHash(series.type().name()), entity);
              long hash = ReconcileHashes.entityHash(key, content);
              buckets[ReconcileHashes.bucket(key)] += hash;
              segments[ReconcileHashes.segment(key)] += hash;
              count[0]++;
            }
          });
      ShardDigest.TenantDigest t = digest.of(tenant);
      if (t == null) {
        assertEquals(0, count[0], where + " " + name);
        continue;
      }
      assertEquals(count[0], t.entities, where + " " + name);
      long[] copied = new long[ReconcileState.BUCKETS];
      digest.copy(tenant, copied);
      assertArrayEquals(buckets, copied, where + " " + name);
      assertEquals(t.entities >= digest.segmentsFrom(), t.segments != null, where + " " + name);
      if (t.segments != null) {
        assertArrayEquals(segments, t.segments, where + " " + name);
      }
    }
    for (int probe = 0; probe < 50; probe++) { // a chain visit finds what a filter finds
      int id = random.nextInt(6);
      SeriesRegistry.Series series = registry.get(id);
      if (series == null) {
        continue;
      }
      int segment = segmentOf(series, random.nextLong(1_500));
      Set<Long> expected = new HashSet<>();
      map.forEachHash(
          (s, entity, content) -> {
            if (s == id && segmentOf(series, entity) == segment) {
              expected.add(entity);
            }
          });
      List<Long> visited = new ArrayList<>();
      map.forEachInSegment(id, segment, (s, entity, content) -> visited.add(entity));
      assertEquals(expected, new HashSet<>(visited), where + " series " + id);
      assertEquals(expected.size(), visited.size(), where + " series " + id + ": a duplicate");
    }
  }

  private static int segmentOf(SeriesRegistry.Series series, long entity) {
    long key = ReconcileHashes.keyHash(ReconcileHashes.typeHash(series.type().name()), entity);
    return ReconcileHashes.segment(key);
  }
}
