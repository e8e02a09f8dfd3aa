package io.tidaldb.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tenants at run time on three regions (issue 15, item 3): a tenant created at one region is
 * writable at every region within a bound; deleted at another, its state is gone everywhere and the
 * other tenant is untouched (I6); created and deleted during a partition, the registries converge
 * after the heal.
 */
class TenantScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration SPREAD = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final TenantId A = TenantId.of("ta");
  private static final TenantId B = TenantId.of("tb");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long T = 1_700_000_000_000L;
  private static final int ENTITIES = 60;

  private SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private void awaitWritable(TenantId t) {
    for (RegionId r : cluster.regions()) {
      await()
          .atMost(SPREAD)
          .ignoreExceptionsInstanceOf(UnknownTenantException.class)
          .until(
              () -> {
                cluster
                    .store(r)
                    .signal(
                        t,
                        VIEW,
                        EntityId.of(1_000 + r.value()),
                        1.0,
                        Timestamp.ofMillis(T),
                        Durability.QUORUM);
                return true;
              });
    }
  }

  /** B's digests and entity counts at a region, and its reads and top-K. */
  private List<Object> viewOf(RegionId r, TenantId t) {
    List<Object> v = new ArrayList<>();
    ReconcileState rs = ((io.tidaldb.store.SignalStoreEngine) cluster.store(r)).reconcileState();
    for (int s = 0; s < rs.shardCount(); s++) {
      long[] d = new long[ReconcileState.BUCKETS];
      rs.bucketDigests(s, t, d);
      v.add(s + ":" + rs.entityCount(s, t) + ":" + Arrays.hashCode(d));
    }
    for (int e = 0; e < ENTITIES; e++) {
      v.add(cluster.store(r).read(t, VIEW, EntityId.of(e), Timestamp.ofMillis(T)));
    }
    v.add(cluster.store(r).top(t, VIEW, 20, Timestamp.ofMillis(T)));
    return v;
  }

  private boolean nothingOf(RegionId r, TenantId t) {
    ReconcileState rs = ((io.tidaldb.store.SignalStoreEngine) cluster.store(r)).reconcileState();
    for (int s = 0; s < rs.shardCount(); s++) {
      long[] d = new long[ReconcileState.BUCKETS];
      rs.bucketDigests(s, t, d);
      if (rs.entityCount(s, t) != 0 || rs.tenants(s).contains(t)) {
        return false;
      }
      assertArrayEquals(new long[ReconcileState.BUCKETS], d);
    }
    return true;
  }

  @Test
  void shouldSpreadACreationAndPurgeADeletionOnEveryRegionLeavingTheOtherTenantUntouched() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    long created = System.nanoTime();
    cluster.tenants(R0).create(A, TenantQuotas.UNLIMITED);
    cluster.tenants(R0).create(B, TenantQuotas.UNLIMITED);
    awaitWritable(A);
    awaitWritable(B);
    System.out.printf(
        "tenants writable on every region %.1f ms after their creation%n",
        (System.nanoTime() - created) / 1e6);
    for (int e = 0; e < ENTITIES; e++) {
      RegionId at = cluster.regions().get(e % 3);
      cluster
          .store(at)
          .signal(A, VIEW, EntityId.of(e), 1.0 + e, Timestamp.ofMillis(T), Durability.QUORUM);
      cluster
          .store(at)
          .signal(B, VIEW, EntityId.of(e), 2.0 + e, Timestamp.ofMillis(T), Durability.QUORUM);
    }
    cluster.awaitFullConvergence(CONVERGE);
    List<Object> before = viewOf(R0, B);
    for (RegionId r : cluster.regions()) {
      assertEquals(before, viewOf(r, B), "B at " + r);
      assertTrue(!nothingOf(r, A), "A written at " + r);
    }

    cluster.tenants(R1).delete(A);

    for (RegionId r : cluster.regions()) {
      await().atMost(SPREAD).until(() -> nothingOf(r, A));
      UnknownTenantException e =
          assertThrows(
              UnknownTenantException.class,
              () -> cluster.store(r).read(A, VIEW, EntityId.of(1), Timestamp.ofMillis(T)));
      assertTrue(e.getMessage().contains("deleted"), e.getMessage());
      assertEquals(before, viewOf(r, B), "B at " + r + " after A's purge");
    }
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      assertTrue(nothingOf(r, A), "A back at " + r + " after reconciliation");
      assertEquals(before, viewOf(r, B), "B at " + r + " after reconciliation");
    }
  }

  @Test
  void shouldConvergeCreationsAndDeletionsMadeDuringAPartition() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    cluster.tenants(R0).create(A, TenantQuotas.UNLIMITED);
    awaitWritable(A);
    TenantId c = TenantId.of("tc");
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      cluster.tenants(R0).create(c, new TenantQuotas(10, 0, 0));
      cluster.tenants(R2).delete(A);
      await().atMost(SPREAD).until(() -> dir(R1).state(A) == TenantState.DELETED);
      assertEquals(TenantState.ACTIVE, dir(R0).state(A));
      assertEquals(TenantState.UNKNOWN, dir(R2).state(c));
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    for (RegionId r : cluster.regions()) {
      await()
          .atMost(SPREAD)
          .until(
              () ->
                  dir(r).state(A) == TenantState.DELETED
                      && dir(r).state(c) == TenantState.ACTIVE
                      && nothingOf(r, A));
      assertEquals(new TenantQuotas(10, 0, 0), dir(r).quotas(c));
    }
    assertEquals(cluster.tenants(R0).list(), cluster.tenants(R1).list());
    assertEquals(cluster.tenants(R0).list(), cluster.tenants(R2).list());
    assertThrows(
        io.tidaldb.api.InvalidArgumentException.class,
        () -> cluster.tenants(R0).create(A, TenantQuotas.UNLIMITED));
  }

  private TenantDirectory dir(RegionId r) {
    return (TenantDirectory) cluster.tenants(r);
  }
}
