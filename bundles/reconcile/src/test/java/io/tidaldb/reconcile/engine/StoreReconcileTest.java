package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine over two real stores (WAL, store, their {@code ReconcileState}): 20,000 divergent
 * entities, 10,000 written on each region, converge both ways in three round trips, to equal
 * digests and equal reads; a second tenant whose 100 entities both regions wrote converges in the
 * same session, each entity then counting both regions' signals.
 */
class StoreReconcileTest {
  /** The store keeps segment digests from this many entities of a (shard, tenant) on. */
  private static final int SEGMENTS_FROM = 32_768;

  static final int SHARDS = 4;
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");
  static final SignalType VIEW = SignalType.of("view");
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  @Test
  void shouldConverge20kDivergentEntitiesOfTwoStoresInThreeRoundTrips() throws Exception {
    try (TwoRegions two =
        new TwoRegions(
            dir.resolve("region"),
            SHARDS,
            ReconcileConfig.DEFAULT_SEGMENT_MIN_ENTITIES,
            "acme",
            "globex")) {
      SignalStoreEngine[] stores = two.stores;
      write(stores[0], ACME, 0, 10_000);
      write(stores[1], ACME, 10_000, 20_000);
      write(stores[0], GLOBEX, 0, 100);
      // the same entities in region 1's own local stream (another replica entry: merged both
      // ways); its series defined in every shard through its log by other entities first (two
      // single-region stores' epoch-0 log entries are different histories: never one entity's)
      write(stores[1], GLOBEX, 1_000, 1_100);
      writeLocal(stores[1], GLOBEX, 0, 100);
      long[] globexBefore = digests(stores[0].reconcileState(), GLOBEX);

      ReconcileReport report = two.run(a -> {}, new long[1]);
      System.out.println(
          "two stores, 20,000 divergent entities (plus 200 on another tenant): " + report);

      assertTrue(report.roundTrips() <= 3, report::toString);
      assertEquals(0, report.statesRejected(), report::toString);
      assertArrayEquals(
          digests(stores[0].reconcileState(), ACME), digests(stores[1].reconcileState(), ACME));
      assertArrayEquals(
          digests(stores[0].reconcileState(), GLOBEX), digests(stores[1].reconcileState(), GLOBEX));
      assertTrue(report.statesMerged() >= 20_000, report::toString);
      for (long e = 0; e < 20_000; e += 97) {
        assertEquals(1, count(stores[0], ACME, e), "entity " + e);
        assertEquals(1, count(stores[1], ACME, e), "entity " + e);
      }
      assertEquals(2, count(stores[0], GLOBEX, 5)); // both regions' signals, merged
      assertTrue(
          !java.util.Arrays.equals(globexBefore, digests(stores[0].reconcileState(), GLOBEX)));
    }
  }

  /**
   * Two stores of 2 shards share 80,000 entities (~40,000 per (shard, tenant): above the store's
   * 32,768 from which it keeps segment digests, and above the engines' threshold, set to that
   * here), then diverge by a few hundred spread over many buckets: the session takes the segment
   * path through the stores' own {@code segmentDigests} and {@code forEachInSegments}, converges
   * both ways in three round trips, and a second finds nothing.
   */
  @Test
  void shouldConvergeThroughSegmentsBesideManySharedEntitiesOfTwoStores() throws Exception {
    int shards = 2;
    try (TwoRegions two = new TwoRegions(dir.resolve("segments"), shards, SEGMENTS_FROM, "acme")) {
      SignalStoreEngine[] stores = two.stores;
      write(stores[1], ACME, 1_000_000, 1_000_100); // defines the series in region 1's shards
      write(stores[0], ACME, 0, 80_000);
      copyAll(stores[0].reconcileState(), stores[1].reconcileState(), ACME);
      ReconcileState r0 = stores[0].reconcileState();
      for (int shard = 0; shard < shards; shard++) {
        assertTrue(
            r0.entityCount(shard, ACME) >= SEGMENTS_FROM,
            "shard " + shard + ": " + r0.entityCount(shard, ACME));
      }
      write(stores[0], ACME, 2_000_000, 2_000_150); // only on region 0
      for (long i = 0; i < 100; i++) {
        write(stores[0], ACME, i * 397, i * 397 + 1); // region 0 changed a shared entity
        writeLocal(stores[1], ACME, i * 397 + 1, i * 397 + 2); // region 1 changed another
        if (i < 50) {
          writeLocal(stores[1], ACME, i * 397, i * 397 + 1); // both changed it
        }
      }
      int[] segmentParts = new int[1];
      long[] hashesBytes = new long[1];

      ReconcileReport report =
          two.run(
              a -> {
                segmentParts[0] += a.segments.size();
                assertTrue(a.ranges.isEmpty(), "a fingerprint part above the threshold");
              },
              hashesBytes);
      System.out.println(
          "two stores, 80,000 shared entities, 400 divergent through segments ("
              + hashesBytes[0]
              + " bytes of HASHES): "
              + report);

      assertEquals(shards, segmentParts[0], report::toString);
      assertEquals(3, report.roundTrips(), report::toString);
      assertEquals(0, report.statesRejected(), report::toString);
      assertArrayEquals(
          digests(stores[0].reconcileState(), ACME), digests(stores[1].reconcileState(), ACME));
      assertEquals(1, count(stores[0], ACME, 1_000_005));
      assertEquals(1, count(stores[1], ACME, 2_000_005));
      assertEquals(3, count(stores[0], ACME, 397), "written, changed on 0 and on 1");
      assertEquals(3, count(stores[1], ACME, 397));
      assertEquals(2, count(stores[0], ACME, 398));
      assertEquals(2, count(stores[1], ACME, 60 * 397));
      assertEquals(1, count(stores[1], ACME, 5));
      assertEquals(1, two.run(a -> {}, new long[1]).roundTrips(), "nothing left");
    }
  }

  /**
   * Two regions, each a WAL, a store and an engine over it, their frames handed over in memory by
   * {@link #run} (no transport).
   */
  private static final class TwoRegions implements AutoCloseable {
    final WalEngine[] wals = new WalEngine[2];
    final SignalStoreEngine[] stores = new SignalStoreEngine[2];
    final ReconciliationEngine[] engines = new ReconciliationEngine[2];
    final ArrayDeque<Object[]> wire = new ArrayDeque<>();
    final int shards;

    TwoRegions(Path dir, int shards, int segmentMinEntities, String... tenants) throws Exception {
      this.shards = shards;
      List<RegionId> regions = List.of(RegionId.of(0), RegionId.of(1));
      try {
        for (int r = 0; r < 2; r++) {
          Path d = dir.resolve("region-" + r);
          wals[r] = WalEngine.open(WalConfig.builder(d.resolve("wal")).shardCount(shards).build());
          stores[r] =
              SignalStoreEngine.open(
                  StoreConfig.builder(d.resolve("store"))
                      .region(RegionId.of(r))
                      .tenants(tenants)
                      .build(),
                  wals[r],
                  new HashShardRouter(shards));
          int self = r;
          engines[r] =
              new ReconciliationEngine(
                  ReconcileConfig.defaults(RegionId.of(r), regions)
                      .withInterval(Duration.ZERO)
                      .withSegmentMinEntities(segmentMinEntities),
                  stores[r].reconcileState(),
                  (to, frame) -> {
                    byte[] copy = new byte[frame.remaining()];
                    frame.duplicate().get(copy);
                    wire.add(new Object[] {self, to.value(), copy});
                    return SendStatus.SENT;
                  },
                  0L);
        }
      } catch (Exception | Error e) {
        close();
        throw e;
      }
    }

    /** Runs a session of region 0 with region 1; {@code hashes} sees each HASHES frame decoded. */
    ReconcileReport run(java.util.function.Consumer<Assembly> hashes, long[] hashesBytes)
        throws Exception {
      CompletableFuture<ReconcileReport> done = engines[0].reconcileAll();
      long now = 0;
      while (!done.isDone() && now < 100_000_000_000L) {
        boolean busy = engines[0].doWork(now) | engines[1].doWork(now);
        for (Object[] f; (f = wire.poll()) != null; busy = true) {
          byte[] bytes = (byte[]) f[2];
          if (bytes[ReconcileFrameDescriptor.TYPE_OFFSET] == ReconcileFrameDescriptor.HASHES) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            FrameDecoder.Header h = FrameDecoder.header(b, shards);
            Assembly a = new Assembly(h.type(), h.session());
            FrameDecoder.records(b, h, shards, a);
            hashes.accept(a);
            hashesBytes[0] += bytes.length;
          }
          engines[(Integer) f[1]].onFrame(RegionId.of((Integer) f[0]), ByteBuffer.wrap(bytes));
        }
        now += busy ? 0 : 1_000_000;
      }
      return done.get();
    }

    @Override
    public void close() {
      for (int r = 0; r < 2; r++) {
        if (stores[r] != null) {
          stores[r].close();
        }
        if (wals[r] != null) {
          wals[r].close();
        }
      }
    }
  }

  /** Merges every state of a tenant {@code from} holds into {@code to}. */
  private static void copyAll(ReconcileState from, ReconcileState to, TenantId tenant) {
    java.util.BitSet every = new java.util.BitSet();
    every.set(0, ReconcileState.BUCKETS);
    for (int shard = 0; shard < from.shardCount(); shard++) {
      List<io.tidaldb.api.reconcile.EntityKey> keys = new java.util.ArrayList<>();
      from.forEachInBuckets(
          shard,
          tenant,
          every,
          (type, entity, hash) ->
              keys.add(new io.tidaldb.api.reconcile.EntityKey(SignalType.of(type), entity)));
      assertEquals(0, to.merge(shard, tenant, from.states(shard, tenant, keys)).rejected().size());
    }
  }

  private static void write(SignalStoreEngine store, TenantId tenant, long from, long to) {
    int shards = store.reconcileState().shardCount();
    long[] last = new long[shards];
    boolean[] touched = new boolean[shards];
    for (long e = from; e < to; e++) {
      long ticket = store.submit(tenant, VIEW, e, 1.0, T0 + e);
      last[SignalTickets.shard(ticket)] = ticket;
      touched[SignalTickets.shard(ticket)] = true;
    }
    for (int shard = 0; shard < shards; shard++) {
      if (touched[shard]) {
        store.awaitDurable(last[shard], Duration.ofSeconds(30));
      }
    }
  }

  private static void writeLocal(SignalStoreEngine store, TenantId tenant, long from, long to) {
    HashShardRouter router = new HashShardRouter(store.reconcileState().shardCount());
    for (long e = from; e < to; e++) {
      store
          .appendLocal(
              router.shardOf(tenant, e),
              tenant,
              VIEW,
              EntityId.of(e),
              1.0,
              Timestamp.ofMillis(T0 + e))
          .join();
    }
  }

  private static long count(SignalStoreEngine store, TenantId tenant, long entity) {
    return store.read(tenant, VIEW, EntityId.of(entity), Timestamp.ofMillis(T0)).count();
  }

  private static long[] digests(ReconcileState r, TenantId tenant) {
    long[] all = new long[r.shardCount() * ReconcileState.BUCKETS];
    long[] one = new long[ReconcileState.BUCKETS];
    for (int shard = 0; shard < r.shardCount(); shard++) {
      r.bucketDigests(shard, tenant, one);
      System.arraycopy(one, 0, all, shard * ReconcileState.BUCKETS, one.length);
    }
    return all;
  }
}
