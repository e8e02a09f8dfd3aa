package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.tenancy.QuotaExceededException;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-tenant quotas at admission: signals per second and entities. */
class TenantQuotaTest {
  private static final TenantId A = TenantId.of("ta");
  private static final TenantId B = TenantId.of("tb");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long T = 1_700_000_000_000L;

  @TempDir Path dir;

  @Test
  void shouldRefuseSignalsAboveTheRateNamingTenantQuotaAndLimit() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", new TenantQuotas(3, 0, 0)).create("tb", TenantQuotas.UNLIMITED);
      long start = System.nanoTime();
      int accepted = 0;
      QuotaExceededException refused = null;
      for (int i = 0; i < 50; i++) {
        try {
          f.store.submit(A, VIEW, i, 1.0, T);
          accepted++;
        } catch (QuotaExceededException e) {
          refused = e;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(refused != null, "no refusal after " + accepted + " signals");
      assertTrue(accepted <= 3 + Math.ceil(3 * seconds), accepted + " in " + seconds + " s");
      assertEquals("ta", refused.tenant());
      assertEquals(TenantQuotas.SIGNALS_PER_SECOND, refused.quota());
      assertEquals(3, refused.limit());
      assertTrue(refused.getMessage().contains("ta"), refused.getMessage());
      assertTrue(refused.getMessage().contains("signalsPerSecond=3"), refused.getMessage());
      StoreMetricsTest.Samples m = new StoreMetricsTest.Samples();
      f.store.collectMetrics(m);
      assertEquals(
          (double) (50 - accepted),
          m.values.get(
              "tidaldb_signals_refused_total{region=0,cause=quota,argument=signalspersecond}"),
          m.values.toString());
      // another tenant is not limited by it, and the refused signals were not stored
      for (int i = 0; i < 50; i++) {
        f.store.submit(B, VIEW, i, 1.0, T);
      }
      ExecutionException async =
          assertThrows(
              ExecutionException.class,
              () ->
                  f.store
                      .signalAsync(
                          new Signal(A, VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T)),
                          Durability.LOCAL)
                      .get());
      assertTrue(async.getCause() instanceof QuotaExceededException, async.toString());
    }
  }

  @Test
  void shouldRefuseANewEntityAtTheEntityQuotaButAcceptKnownOnes() {
    try (StoreFixture f = new StoreFixture(dir)) {
      FakeTenantDirectory d = new FakeTenantDirectory();
      d.addListener(f.store::tenantsChanged);
      d.create("ta", new TenantQuotas(0, 3, 0));
      for (int e = 1; e <= 3; e++) {
        f.store.signal(A, VIEW, EntityId.of(e), 1.0, Timestamp.ofMillis(T));
      }
      QuotaExceededException q =
          assertThrows(
              QuotaExceededException.class,
              () -> f.store.signal(A, VIEW, EntityId.of(4), 1.0, Timestamp.ofMillis(T)));
      assertEquals(TenantQuotas.MAX_ENTITIES, q.quota());
      assertEquals(3, q.limit());
      assertEquals(3, q.value());
      f.store.signal(A, VIEW, EntityId.of(2), 1.0, Timestamp.ofMillis(T)); // a known entity
      assertEquals(2, f.store.read(A, VIEW, EntityId.of(2), Timestamp.ofMillis(T)).count());
      assertEquals(0, f.store.read(A, VIEW, EntityId.of(4), Timestamp.ofMillis(T)).count());
      d.create("ta", TenantQuotas.UNLIMITED); // quota lifted
      f.store.signal(A, VIEW, EntityId.of(4), 1.0, Timestamp.ofMillis(T));
    }
  }
}
