package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.tenancy.QuotaExceededException;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.crdt.CrdtSignalState;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tenant's state bytes ({@link TenantBytes}): counted, kept over restarts, and the quota. */
class TenantBytesTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");
  private static final TenantId A = TenantId.of("ta");
  private static final TenantId B = TenantId.of("tb");
  private static final SignalType VIEW = SignalType.of("view");
  private static final SignalType LIKE = SignalType.of("like");
  private static final long T = 1_700_000_000_000L;

  /** A snapshot entry of a state with one replica entry: prefix, header, one entry. */
  private static final long ONE_ENTRY =
      SnapshotDescriptor.ENTRY_PREFIX_LENGTH + 48 + CrdtSignalState.STRIDE * Long.BYTES;

  @TempDir Path dir;

  private static void write(
      SignalStoreEngine store, TenantId t, SignalType type, int from, int to) {
    for (int e = from; e < to; e++) {
      store.signal(t, type, EntityId.of(e), 1.0, Timestamp.ofMillis(T + e));
    }
  }

  private static long bytes(SignalStoreEngine store, TenantId t) {
    return store.usage(t).orElseThrow().bytes();
  }

  @Test
  void shouldCountStateBytesAfterWritesACheckpointAndRestarts() {
    try (StoreFixture f = new StoreFixture(dir)) {
      assertEquals(new TenantUsage(ACME, 0, 0), f.store.usage(ACME).orElseThrow());
      write(f.store, ACME, VIEW, 0, 100);
      write(f.store, ACME, LIKE, 0, 20);
      write(f.store, ACME, VIEW, 0, 100); // the same states again: one replica entry each
      write(f.store, GLOBEX, VIEW, 0, 7);
      assertEquals(new TenantUsage(ACME, 120, 120 * ONE_ENTRY), f.store.usage(ACME).orElseThrow());
      assertEquals(new TenantUsage(GLOBEX, 7, 7 * ONE_ENTRY), f.store.usage(GLOBEX).orElseThrow());

      f.store.checkpoint();
      assertEquals(120 * ONE_ENTRY, bytes(f.store, ACME));

      f.reopen(); // from the snapshots
      assertEquals(new TenantUsage(ACME, 120, 120 * ONE_ENTRY), f.store.usage(ACME).orElseThrow());
      assertEquals(7 * ONE_ENTRY, bytes(f.store, GLOBEX));

      write(f.store, ACME, VIEW, 100, 110);
      f.reopenWithoutCheckpoint(); // snapshots plus the WAL's replay
      assertEquals(130 * ONE_ENTRY, bytes(f.store, ACME));
      assertEquals(7 * ONE_ENTRY, bytes(f.store, GLOBEX));

      StoreMetricsTest.Samples m = new StoreMetricsTest.Samples();
      f.store.collectMetrics(m);
      assertEquals(
          (double) (130 * ONE_ENTRY),
          m.values.get("tidaldb_tenant_bytes{region=0,tenant=acme}"),
          m.values.toString());
      assertEquals(
          (double) (7 * ONE_ENTRY),
          m.values.get("tidaldb_tenant_bytes{region=0,tenant=globex}"),
          m.values.toString());
    }
  }

  @Test
  void shouldRefuseAtTheByteQuotaStoreNothingAndLetWritesThroughOnceRaised() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", new TenantQuotas(0, 0, 3 * ONE_ENTRY)).create("tb", TenantQuotas.UNLIMITED);
      write(f.store, A, VIEW, 0, 3);

      QuotaExceededException q =
          assertThrows(
              QuotaExceededException.class,
              () -> f.store.signal(A, VIEW, EntityId.of(3), 1.0, Timestamp.ofMillis(T)));
      assertEquals(
          "tenant ta is at its quota maxBytes="
              + 3 * ONE_ENTRY
              + " (value "
              + 3 * ONE_ENTRY
              + ")"
              + ": not stored",
          q.getMessage());
      assertEquals("ta", q.tenant());
      assertEquals(TenantQuotas.MAX_BYTES, q.quota());
      assertEquals(3 * ONE_ENTRY, q.limit());
      assertEquals(3 * ONE_ENTRY, q.value());
      // a known entity is refused too (its state may grow), and nothing was stored
      assertThrows(
          QuotaExceededException.class,
          () -> f.store.signal(A, VIEW, EntityId.of(0), 1.0, Timestamp.ofMillis(T)));
      assertEquals(0, f.store.read(A, VIEW, EntityId.of(3), Timestamp.ofMillis(T)).count());
      assertEquals(1, f.store.read(A, VIEW, EntityId.of(0), Timestamp.ofMillis(T)).count());
      assertEquals(new TenantUsage(A, 3, 3 * ONE_ENTRY), f.store.usage(A).orElseThrow());

      // another tenant is not affected (I6)
      write(f.store, B, VIEW, 0, 50);
      assertEquals(50 * ONE_ENTRY, bytes(f.store, B));

      StoreMetricsTest.Samples m = new StoreMetricsTest.Samples();
      f.store.collectMetrics(m);
      assertEquals(
          2.0,
          m.values.get("tidaldb_signals_refused_total{region=0,cause=quota,argument=maxbytes}"),
          m.values.toString());

      d.create("ta", new TenantQuotas(0, 0, 5 * ONE_ENTRY)); // raised
      write(f.store, A, VIEW, 3, 5);
      assertEquals(5 * ONE_ENTRY, bytes(f.store, A));
      assertThrows(
          QuotaExceededException.class,
          () -> f.store.signal(A, VIEW, EntityId.of(5), 1.0, Timestamp.ofMillis(T)));
    }
  }

  @Test
  void shouldDropAPurgedTenantsBytes() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", TenantQuotas.UNLIMITED).create("tb", TenantQuotas.UNLIMITED);
      write(f.store, A, VIEW, 0, 40);
      write(f.store, B, VIEW, 0, 30);
      d.delete("ta");
      assertEquals(new TenantUsage(A, 0, 0), f.store.usage(A).orElseThrow());
      assertEquals(30 * ONE_ENTRY, bytes(f.store, B));
      assertTrue(ONE_ENTRY > 16, "prefix and state");
    }
  }
}
