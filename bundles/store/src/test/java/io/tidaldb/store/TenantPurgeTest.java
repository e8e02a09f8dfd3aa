package io.tidaldb.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Run-time tenants in one store: known through the directory, purged on deletion (I6). */
class TenantPurgeTest {
  private static final TenantId A = TenantId.of("ta");
  private static final TenantId B = TenantId.of("tb");
  private static final SignalType VIEW = SignalType.of("view");
  private static final SignalType LIKE = SignalType.of("like");
  private static final long T = 1_700_000_000_000L;

  @TempDir Path dir;

  private static void write(SignalStoreEngine store, TenantId t, int entities) {
    for (int e = 0; e < entities; e++) {
      store.signal(t, VIEW, EntityId.of(e), 1.0 + e, Timestamp.ofMillis(T));
      store.signal(t, LIKE, EntityId.of(e), 2.0, Timestamp.ofMillis(T));
    }
  }

  /** What another tenant could leak into: reads, top-K, digests and entity counts of B. */
  private static List<Object> viewOf(SignalStoreEngine store, TenantId t, int entities) {
    List<Object> view = new ArrayList<>();
    for (int e = 0; e < entities; e++) {
      view.add(store.read(t, VIEW, EntityId.of(e), Timestamp.ofMillis(T)));
      view.add(store.read(t, LIKE, EntityId.of(e), Timestamp.ofMillis(T)));
    }
    view.add(store.top(t, VIEW, 50, Timestamp.ofMillis(T)));
    view.add(store.top(t, LIKE, 50, Timestamp.ofMillis(T)));
    ReconcileState rs = store.reconcileState();
    for (int s = 0; s < rs.shardCount(); s++) {
      long[] d = new long[ReconcileState.BUCKETS];
      rs.bucketDigests(s, t, d);
      view.add(List.of(s, rs.entityCount(s, t), java.util.Arrays.toString(d)));
    }
    return view;
  }

  private static void assertNothingOf(SignalStoreEngine store, TenantId t) {
    ReconcileState rs = store.reconcileState();
    for (int i = 0; i < rs.shardCount(); i++) {
      int s = i;
      assertEquals(0, rs.entityCount(s, t), "entities of " + t + " in shard " + s);
      long[] d = new long[ReconcileState.BUCKETS];
      rs.bucketDigests(s, t, d);
      assertArrayEquals(new long[ReconcileState.BUCKETS], d, "digests of " + t);
      assertFalse(rs.tenants(s).contains(t), "tenants of shard " + s);
      ShardState state = store.shardState(s);
      state.lock.readLock().lock();
      try {
        state.states.forEach(
            (series, entity, st) ->
                assertFalse(
                    state.registry.get(series).tenant().equals(t),
                    "a state of " + t + " in shard " + s + ": entity " + entity));
      } finally {
        state.lock.readLock().unlock();
      }
    }
    UnknownTenantException e =
        assertThrows(
            UnknownTenantException.class,
            () -> store.read(t, VIEW, EntityId.of(1), Timestamp.ofMillis(T)));
    assertTrue(e.getMessage().contains("deleted"), e.getMessage());
    assertThrows(
        UnknownTenantException.class,
        () -> store.signal(t, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T)));
  }

  @Test
  void shouldKnowDirectoryTenantsOnlyWhileActive() {
    try (StoreFixture f = new StoreFixture(dir)) {
      assertThrows(
          UnknownTenantException.class,
          () -> f.store.signal(A, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T)));
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED);
      f.store.signal(A, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T));
      assertEquals(1, f.store.read(A, VIEW, EntityId.of(1), Timestamp.ofMillis(T)).count());
    }
  }

  /**
   * A restarted store admits the registry's tenants (and keeps their quotas) at once, before the
   * tenancy component binds again; before, a client saw its tenant refused as unknown in that
   * window. A corrupt copy of the view is read as empty: refused until the registry binds.
   */
  @Test
  void shouldAdmitTheRegistrysTenantsAfterARestartBeforeTheRegistryBinds() throws Exception {
    StoreFixture f = new StoreFixture(dir);
    try {
      FakeTenantDirectory d = new FakeTenantDirectory(); // told by hand: the store is replaced
      d.create("ta", TenantQuotas.UNLIMITED).create("tb", new TenantQuotas(0, 1, 0));
      f.store.tenantsChanged(d);
      f.store.signal(B, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T));
      f.reopen(); // no registry bound yet
      f.store.signal(A, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T));
      assertEquals(1, f.store.read(A, VIEW, EntityId.of(1), Timestamp.ofMillis(T)).count());
      assertThrows(
          io.tidaldb.api.tenancy.QuotaExceededException.class,
          () -> f.store.signal(B, VIEW, EntityId.of(2), 1.0, Timestamp.ofMillis(T)));

      d.delete("ta");
      f.store.tenantsChanged(d); // bound again: its view replaces the kept one
      f.reopen();
      assertThrows(
          UnknownTenantException.class,
          () -> f.store.signal(A, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T)));
      f.store.signal(B, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T));

      f.close();
      Path file = dir.resolve("store").resolve(RegistryTenants.NAME);
      byte[] bytes = Files.readAllBytes(file);
      bytes[bytes.length - 1] ^= 1;
      Files.write(file, bytes);
      f.open(); // opens: the copy is only a cache
      assertThrows(
          UnknownTenantException.class,
          () -> f.store.signal(B, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T)));
      f.store.tenantsChanged(d);
      f.store.signal(B, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T));
    } finally {
      f.close();
    }
  }

  @Test
  void shouldPurgeOneTenantAndLeaveTheOtherUntouched() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED).create("tb", TenantQuotas.UNLIMITED);
      write(f.store, A, 40);
      write(f.store, B, 40);
      List<Object> before = viewOf(f.store, B, 40);
      assertTrue(
          f.store.reconcileState().entityCount(0, A) + f.store.reconcileState().entityCount(1, A)
              > 0);

      d.delete("ta");

      assertNothingOf(f.store, A);
      assertEquals(before, viewOf(f.store, B, 40));
      assertEquals(Set.of("ta"), f.store.purgedTenants());
    }
  }

  @Test
  void shouldStayPurgedAfterARestartAndSkipTheReplayedRecords() {
    StoreFixture f = new StoreFixture(dir);
    try {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED).create("tb", TenantQuotas.UNLIMITED);
      write(f.store, A, 30);
      write(f.store, B, 30);
      List<Object> before = viewOf(f.store, B, 30);
      f.reopen(); // a snapshot holding A
      f.store.tenantsChanged(d); // the registry is bound again after a restart
      write(f.store, A, 30); // more of A in the WAL after the snapshot
      // the purge is recorded but the process dies before anything is dropped or snapshotted
      PurgedTenants.save(dir.resolve("store"), Set.of("ta"));
      f.reopenWithoutCheckpoint();
      assertNothingOf(f.store, A); // before the registry is bound again
      f.store.tenantsChanged(d);
      assertEquals(before, viewOf(f.store, B, 30));
      for (ShardStatus s : f.store.status().shards()) {
        assertEquals(s.durablePosition(), s.appliedPosition(), "positions still advance: " + s);
      }
      f.reopen();
      assertNothingOf(f.store, A);
      f.store.tenantsChanged(d);
      assertEquals(before, viewOf(f.store, B, 30));
    } finally {
      f.close();
    }
  }

  @Test
  void shouldRefuseACorruptPurgedSetNamingItsPath() throws Exception {
    StoreFixture f = new StoreFixture(dir);
    f.store.purge(A);
    f.close();
    Path file = dir.resolve("store").resolve(PurgedTenants.NAME);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);
    StorageException e = assertThrows(StorageException.class, f::open);
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    f.wal.close();
  }

  @Test
  void shouldLeaveNothingOfATenantWrittenConcurrentlyWithItsPurge() throws Exception {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED).create("tb", TenantQuotas.UNLIMITED);
      write(f.store, B, 20);
      List<Object> before = viewOf(f.store, B, 20);
      AtomicBoolean refused = new AtomicBoolean();
      AtomicLong written = new AtomicLong();
      Thread writer =
          new Thread(
              () -> {
                for (long e = 0; ; e++) {
                  try {
                    f.store.submit(A, VIEW, e % 500, 1.0, T);
                    written.incrementAndGet();
                  } catch (UnknownTenantException ex) {
                    refused.set(true);
                    return;
                  }
                }
              });
      writer.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> written.get() > 2_000);
      d.delete("ta");
      writer.join(10_000);
      assertTrue(refused.get());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                for (ShardStatus s : f.store.status().shards()) {
                  if (s.appliedPosition() != s.durablePosition()
                      || s.durablePosition() != s.nextPosition()) {
                    return false;
                  }
                }
                return true;
              });
      assertNothingOf(f.store, A);
      assertEquals(before, viewOf(f.store, B, 20));
    }
  }

  @Test
  void shouldNotExportAPurgedTenantsStatesNorMergeThem() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED);
      write(f.store, A, 10);
      ReconcileState rs = f.store.reconcileState();
      int shard = -1;
      List<io.tidaldb.api.reconcile.EntityState> exported = null;
      for (int s = 0; s < rs.shardCount() && exported == null; s++) {
        if (rs.entityCount(s, A) > 0) {
          shard = s;
          List<EntityKey> keys = new ArrayList<>();
          for (long e = 0; e < 10; e++) {
            keys.add(new EntityKey(VIEW, e));
          }
          exported = rs.states(s, A, keys);
        }
      }
      d.delete("ta");
      var report = rs.merge(shard, A, exported);
      assertEquals(0, report.changed());
      assertNothingOf(f.store, A);
    }
  }

  /** I6 for metrics: a purged tenant's entity gauge is gone, the other's is as it was. */
  @Test
  void shouldDropAPurgedTenantsEntityMetricAndKeepTheOthers() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED).create("tb", TenantQuotas.UNLIMITED);
      write(f.store, A, 10);
      write(f.store, B, 7);
      StoreMetricsTest.Samples before = new StoreMetricsTest.Samples();
      f.store.collectMetrics(before);
      assertEquals(20.0, before.values.get("tidaldb_tenant_entities{region=0,tenant=ta}"));
      assertEquals(14.0, before.values.get("tidaldb_tenant_entities{region=0,tenant=tb}"));
      d.delete("ta");
      StoreMetricsTest.Samples after = new StoreMetricsTest.Samples();
      f.store.collectMetrics(after);
      assertEquals(null, after.values.get("tidaldb_tenant_entities{region=0,tenant=ta}"));
      assertEquals(14.0, after.values.get("tidaldb_tenant_entities{region=0,tenant=tb}"));
    }
  }

  @Test
  void shouldProtectTheConfiguredTenants() {
    try (StoreFixture f = new StoreFixture(dir)) {
      assertTrue(f.store.configuredTenants().containsAll(Set.of("acme", "globex", "default")));
      SignalAggregate empty =
          f.store.read(TenantId.of("acme"), VIEW, EntityId.of(1), Timestamp.ofMillis(T));
      assertEquals(0, empty.count());
      List<RankedEntity> none = f.store.top(TenantId.of("acme"), VIEW, 5, Timestamp.ofMillis(T));
      assertTrue(none.isEmpty());
    }
  }
}
