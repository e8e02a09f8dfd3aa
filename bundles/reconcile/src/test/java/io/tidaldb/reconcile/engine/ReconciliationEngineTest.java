package io.tidaldb.reconcile.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.reconcile.ReconcileReport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Sessions between in-memory regions backed by real CRDT states. */
class ReconciliationEngineTest {
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");
  static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Defines the series in every shard of every region (as their logs would). */
  static void defineEverywhere(Net net, TenantId tenant, String type) {
    for (MemoryReconcileState s : net.states.values()) {
      for (int shard = 0; shard < s.shardCount(); shard++) {
        s.define(shard, tenant, type);
      }
    }
  }

  @Test
  void shouldConverge20kDivergentEntitiesBothWaysInThreeRoundTrips() throws Exception {
    Net net = new Net(2, 4, c -> c);
    defineEverywhere(net, ACME, "view");
    MemoryReconcileState a = net.state(0);
    MemoryReconcileState b = net.state(1);
    for (long e = 0; e < 5_000; e++) { // shared, equal
      a.apply(ACME, "view", e, 1.0);
    }
    b.merge(0, ACME, List.of()); // nothing
    for (var entry : a.snapshot().entrySet()) {
      b.define(entry.getKey().shard(), ACME, "view");
    }
    copyAll(a, b);
    for (long e = 10_000; e < 20_000; e++) {
      a.apply(ACME, "view", e, 1.0); // only on a
      b.apply(ACME, "view", e + 10_000, 2.0); // only on b
    }
    assertNotEquals(a.snapshot(), b.snapshot());

    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);

    assertEquals(List.of(RegionId.of(1)), report.peers(), report::toString);
    assertTrue(report.roundTrips() <= 3, report::toString);
    assertEquals(10_000, report.statesSent(), report::toString);
    assertEquals(10_000, report.statesReceived(), report::toString);
    assertEquals(20_000, report.statesMerged(), report::toString);
    assertEquals(0, report.statesRejected());
    assertTrue(report.bytesSent() > 0 && report.bytesReceived() > 0, report::toString);
    net.pump();
    assertEquals(a.snapshot(), b.snapshot());
    assertEquals(25_000, a.snapshot().size());
    System.out.println("2 regions, 20,000 divergent entities beside 5,000 shared: " + report);

    ReconcileReport again = net.await(net.engine(1).reconcileAll(), MS);
    assertEquals(1, again.roundTrips(), "equal digests end the session after the summary");
    assertEquals(0, again.statesSent() + again.statesReceived());
  }

  @Test
  void shouldConvergeThreeRegionsAndTenantsOnlyOneSideHas() throws Exception {
    Net net = new Net(3, 4, c -> c);
    defineEverywhere(net, ACME, "view");
    defineEverywhere(net, GLOBEX, "like");
    for (int r = 0; r < 3; r++) {
      for (long e = 0; e < 1_000; e++) {
        net.state(r).apply(ACME, "view", e * 3 + r, 1.0);
      }
    }
    net.state(2).apply(GLOBEX, "like", 42, 5.0); // a tenant only region 2 holds
    ReconcileReport first = net.await(net.engine(0).reconcileAll(), MS);
    assertEquals(2, first.peers().size(), first::toString);
    net.await(net.engine(1).reconcileAll(), MS);
    net.await(net.engine(2).reconcileAll(), MS);
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot());
    assertEquals(net.state(0).snapshot(), net.state(2).snapshot());
    assertEquals(3_001, net.state(0).snapshot().size());
  }

  @Test
  void shouldSplitMessagesIntoFramesOfTheTransportsSize() throws Exception {
    Net net = new Net(2, 2, c -> c.withMaxFrameBytes(4096));
    defineEverywhere(net, ACME, "view");
    defineEverywhere(net, ACME, "a-rather-long-type-name-for-the-dictionary");
    for (long e = 0; e < 2_000; e++) {
      net.state(0)
          .apply(ACME, e % 2 == 0 ? "view" : "a-rather-long-type-name-for-the-dictionary", e, 1.0);
      net.state(1).apply(ACME, "view", e + 5_000, 1.0);
    }
    int[] frames = new int[1];
    net.tap =
        (to, bytes) -> {
          assertTrue(bytes.length <= 4096, "a frame of " + bytes.length);
          frames[0]++;
          return true;
        };
    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);
    assertTrue(frames[0] > 50, "frames: " + frames[0]);
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot(), report::toString);
  }

  @Test
  void shouldFailAnUnreachablePeerAtOnceAndReconcileWhenItHeals() throws Exception {
    Net net = new Net(3, 2, c -> c);
    defineEverywhere(net, ACME, "view");
    net.state(0).apply(ACME, "view", 1, 1.0);
    net.state(2).apply(ACME, "view", 2, 1.0);
    net.cut(0, 2);

    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);

    assertEquals(List.of(RegionId.of(1)), report.peers());
    assertEquals(List.of(RegionId.of(2)), report.failed());
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot());
    assertEquals(1, net.engine(0).sessionsFailed());
    net.run(200, 10 * MS); // retried with back-off while cut
    long failures = net.engine(0).sessionsFailed();
    assertTrue(failures > 1 && failures < 20, "retries back off: " + failures);
    assertNotEquals(net.state(0).snapshot(), net.state(2).snapshot());

    net.heal();
    net.run(600, 10 * MS); // the retry after the heal finds it (back-off at most 5 s)
    assertEquals(net.state(0).snapshot(), net.state(2).snapshot());
  }

  @Test
  void shouldFailASilentSessionAtItsDeadlineAndRetryIt() throws Exception {
    Net net = new Net(2, 2, c -> c.withSessionTimeout(java.time.Duration.ofMillis(100)));
    defineEverywhere(net, ACME, "view");
    net.state(1).apply(ACME, "view", 7, 1.0);
    net.silent.add(List.of(RegionId.of(1), RegionId.of(0))); // answers are lost
    CompletableFuture<ReconcileReport> demand = net.engine(0).reconcileAll();
    ReconcileReport report = net.await(demand, 10 * MS);
    assertEquals(List.of(RegionId.of(1)), report.failed());
    assertTrue(report.duration().toMillis() >= 100, report::toString);
    net.heal();
    net.run(100, 10 * MS);
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot());
    assertTrue(net.engine(0).sessionsDone() >= 1);
  }

  @Test
  void shouldRunPeriodicallyWhenConfigured() {
    Net net = new Net(2, 2, c -> c.withInterval(java.time.Duration.ofMillis(50)));
    defineEverywhere(net, ACME, "view");
    net.state(1).apply(ACME, "view", 7, 1.0);
    net.run(3, 10 * MS);
    assertNotEquals(net.state(0).snapshot(), net.state(1).snapshot());
    net.run(5, 10 * MS);
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot());
  }

  static void copyAll(MemoryReconcileState from, MemoryReconcileState to) {
    java.util.Map<Integer, java.util.List<io.tidaldb.api.reconcile.EntityKey>> keys =
        new java.util.HashMap<>();
    from.snapshot()
        .keySet()
        .forEach(
            k ->
                keys.computeIfAbsent(k.shard(), s -> new java.util.ArrayList<>())
                    .add(
                        new io.tidaldb.api.reconcile.EntityKey(
                            MemoryReconcileState.type(k.type()), k.entity())));
    keys.forEach((shard, list) -> to.merge(shard, ACME, from.states(shard, ACME, list)));
  }
}
