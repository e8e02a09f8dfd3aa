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
  static final int SHARDS = 4;
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");
  static final SignalType VIEW = SignalType.of("view");
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  @Test
  void shouldConverge20kDivergentEntitiesOfTwoStoresInThreeRoundTrips() throws Exception {
    WalEngine[] wals = new WalEngine[2];
    SignalStoreEngine[] stores = new SignalStoreEngine[2];
    ReconciliationEngine[] engines = new ReconciliationEngine[2];
    ArrayDeque<Object[]> wire = new ArrayDeque<>();
    List<RegionId> regions = List.of(RegionId.of(0), RegionId.of(1));
    try {
      for (int r = 0; r < 2; r++) {
        Path d = dir.resolve("region-" + r);
        wals[r] = WalEngine.open(WalConfig.builder(d.resolve("wal")).shardCount(SHARDS).build());
        stores[r] =
            SignalStoreEngine.open(
                StoreConfig.builder(d.resolve("store"))
                    .region(RegionId.of(r))
                    .tenants("acme", "globex")
                    .build(),
                wals[r],
                new HashShardRouter(SHARDS));
        int self = r;
        engines[r] =
            new ReconciliationEngine(
                ReconcileConfig.defaults(RegionId.of(r), regions).withInterval(Duration.ZERO),
                stores[r].reconcileState(),
                (to, frame) -> {
                  byte[] copy = new byte[frame.remaining()];
                  frame.duplicate().get(copy);
                  wire.add(new Object[] {self, to.value(), copy});
                  return SendStatus.SENT;
                },
                0L);
      }
      write(stores[0], ACME, 0, 10_000);
      write(stores[1], ACME, 10_000, 20_000);
      write(stores[0], GLOBEX, 0, 100);
      // the same entities in region 1's own local stream (another replica entry: merged both
      // ways); its series defined in every shard through its log by other entities first (two
      // single-region stores' epoch-0 log entries are different histories: never one entity's)
      write(stores[1], GLOBEX, 1_000, 1_100);
      writeLocal(stores[1], GLOBEX, 0, 100);
      long[] globexBefore = digests(stores[0].reconcileState(), GLOBEX);

      CompletableFuture<ReconcileReport> done = engines[0].reconcileAll();
      long now = 0;
      while (!done.isDone() && now < 100_000) {
        boolean busy = engines[0].doWork(now) | engines[1].doWork(now);
        for (Object[] f; (f = wire.poll()) != null; busy = true) {
          engines[(Integer) f[1]].onFrame(
              RegionId.of((Integer) f[0]), ByteBuffer.wrap((byte[]) f[2]));
        }
        now += busy ? 0 : 1_000_000;
      }
      ReconcileReport report = done.get();
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
    } finally {
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

  private static void write(SignalStoreEngine store, TenantId tenant, long from, long to) {
    long[] last = new long[SHARDS];
    boolean[] touched = new boolean[SHARDS];
    for (long e = from; e < to; e++) {
      long ticket = store.submit(tenant, VIEW, e, 1.0, T0 + e);
      last[SignalTickets.shard(ticket)] = ticket;
      touched[SignalTickets.shard(ticket)] = true;
    }
    for (int shard = 0; shard < SHARDS; shard++) {
      if (touched[shard]) {
        store.awaitDurable(last[shard], Duration.ofSeconds(30));
      }
    }
  }

  private static void writeLocal(SignalStoreEngine store, TenantId tenant, long from, long to) {
    HashShardRouter router = new HashShardRouter(SHARDS);
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
    long[] all = new long[SHARDS * ReconcileState.BUCKETS];
    long[] one = new long[ReconcileState.BUCKETS];
    for (int shard = 0; shard < SHARDS; shard++) {
      r.bucketDigests(shard, tenant, one);
      System.arraycopy(one, 0, all, shard * ReconcileState.BUCKETS, one.length);
    }
    return all;
  }
}
