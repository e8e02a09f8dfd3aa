package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.ACME;
import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.GLOBEX;
import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.MS;
import static io.tidaldb.reconcile.engine.ReconciliationEngineTest.defineEverywhere;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.reconcile.ReconcileReport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The segment path of step 2 (a differing bucket of a large (shard, tenant) resolved through its 64
 * segment digests) between in-memory regions: convergence both ways in three round trips, bytes
 * against the fingerprint path on the same data, and the initiator's choice per (shard, tenant).
 */
class SegmentReconcileTest {
  static final TenantId INITECH = TenantId.of("initech");
  static final int SHARDS = 2;
  static final int SHARED = 2 * 100_000;

  /** What the HASHES messages of a net carried: (shard, tenant)s by path; bytes by frame type. */
  static final class Paths {
    int segmentParts;
    int fingerprintParts;
    final long[] bytes = new long[16];
  }

  /** Counts the (shard, tenant)s of every HASHES frame by path (frames pass on unchanged). */
  static Paths watch(Net net) {
    Paths paths = new Paths();
    net.tap =
        (to, bytes) -> {
          paths.bytes[bytes[ReconcileFrameDescriptor.TYPE_OFFSET]] += bytes.length;
          if (bytes[ReconcileFrameDescriptor.TYPE_OFFSET] == ReconcileFrameDescriptor.HASHES) {
            Assembly a = decode(bytes);
            paths.segmentParts += a.segments.size();
            paths.fingerprintParts += a.ranges.size();
          }
          return true;
        };
    return paths;
  }

  static Assembly decode(byte[] bytes) {
    try {
      ByteBuffer f = ByteBuffer.wrap(bytes);
      FrameDecoder.Header h = FrameDecoder.header(f, SHARDS);
      Assembly a = new Assembly(h.type(), h.session());
      FrameDecoder.records(f, h, SHARDS, a);
      return a;
    } catch (FrameDecoder.BadFrame e) {
      throw new AssertionError(e);
    }
  }

  /**
   * {@link #SHARED} entities equal on both regions (about 100,000 per (shard, tenant), ~98 per
   * bucket), then 450 divergent ones spread over both shards: 150 only on region 0, 150 only on
   * region 1, 100 shared ones that each side changed (different states on both), 50 shared ones
   * only region 0 changed.
   */
  static Net sharedAndDivergent(UnaryOperator<ReconcileConfig> settings) {
    Net net = new Net(2, SHARDS, settings);
    defineEverywhere(net, ACME, "view");
    MemoryReconcileState a = net.state(0);
    MemoryReconcileState b = net.state(1);
    for (long e = 0; e < SHARED; e++) {
      a.apply(ACME, "view", e, 1.0);
    }
    copyAll(a, b, ACME);
    for (long i = 0; i < 150; i++) {
      a.apply(ACME, "view", 10_000_000 + i, 1.0);
      b.apply(ACME, "view", 20_000_000 + i, 2.0);
    }
    for (long i = 0; i < 100; i++) {
      a.apply(ACME, "view", i * 997, 1.0);
      b.apply(ACME, "view", i * 997, 2.0);
    }
    for (long i = 0; i < 50; i++) {
      a.apply(ACME, "view", i * 997 + 1, 3.0);
    }
    return net;
  }

  @Test
  void shouldConvergeDivergentEntitiesBesideManySharedOnesThroughSegmentsInThreeRoundTrips()
      throws Exception {
    Net net = sharedAndDivergent(c -> c);
    Paths paths = watch(net);
    assertNotEquals(net.state(0).snapshot(), net.state(1).snapshot());

    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);
    System.out.println("segments, 450 divergent beside 200,000 shared: " + report);

    assertEquals(SHARDS, paths.segmentParts, "every (shard, tenant) is above the threshold");
    assertEquals(0, paths.fingerprintParts);
    assertEquals(3, report.roundTrips(), report::toString);
    assertEquals(300, report.statesSent(), "only-here 150, changed both 100, newer here 50");
    // only there 150, changed on both 100 (joined there), and region 1's 50 older states of those
    // region 0 changed (region 1 cannot tell its state is older: its fingerprints did not match)
    assertEquals(300, report.statesReceived(), report::toString);
    assertEquals(550, report.statesMerged(), report::toString);
    assertEquals(0, report.statesRejected());
    net.pump();
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot());
    assertEquals(SHARED + 300, net.state(0).snapshot().size());

    ReconcileReport again = net.await(net.engine(1).reconcileAll(), MS);
    assertEquals(1, again.roundTrips(), "equal digests end the session after the summary");
    assertEquals(0, again.statesSent() + again.statesReceived());
    long segmentBytes = report.bytesExchanged();

    // the fingerprint path on the same data: what step 2 sent before segments
    Net old = sharedAndDivergent(c -> c.withSegmentMinEntities(Integer.MAX_VALUE));
    Paths oldPaths = watch(old);
    ReconcileReport before = old.await(old.engine(0).reconcileAll(), MS);
    System.out.println("fingerprints, the same data: " + before);
    assertEquals(SHARDS, oldPaths.fingerprintParts);
    assertEquals(old.state(0).snapshot(), old.state(1).snapshot());
    assertEquals(3, before.roundTrips());

    // ~404 of 2,048 buckets differ; a bucket holds ~98 entities: 98 fingerprints (784 bytes)
    // against one SEGMENTS record (263 bytes), and the states (~80 KB both ways) are the same
    assertTrue(
        segmentBytes < SHARED * 8L / 4 && before.bytesExchanged() > SHARED * 8L / 4,
        segmentBytes
            + " bytes through segments, "
            + before.bytesExchanged()
            + " through fingerprints; a quarter of a fingerprint per shared entity is "
            + SHARED * 2L);
    assertTrue(
        segmentBytes * 10 < before.bytesExchanged() * 6,
        segmentBytes + " bytes through segments against " + before.bytesExchanged());
    byte hashes = ReconcileFrameDescriptor.HASHES;
    assertTrue(
        paths.bytes[hashes] * 5 < oldPaths.bytes[hashes] * 2,
        "HASHES of " + paths.bytes[hashes] + " bytes against " + oldPaths.bytes[hashes]);
    System.out.printf(
        "bytes by frame type, segments: %s%nfingerprints: %s%n",
        java.util.Arrays.toString(paths.bytes), java.util.Arrays.toString(oldPaths.bytes));
  }

  @Test
  void shouldTakeThePathOfTheInitiatorsEntityCountEitherWay() throws Exception {
    // the threshold lowered to 2,000: region 0 holds ~3,000 per (shard, tenant), region 1 ~500
    Net net = new Net(2, SHARDS, c -> c.withSegmentMinEntities(2_000));
    defineEverywhere(net, ACME, "view");
    Paths paths = watch(net);
    for (long e = 0; e < 6_000; e++) {
      net.state(0).apply(ACME, "view", e, 1.0);
    }
    for (long e = 0; e < 1_000; e += 10) {
      net.state(1).apply(ACME, "view", e, 2.0); // on both, different states
      net.state(1).apply(ACME, "view", 50_000 + e, 2.0); // only on region 1
    }

    ReconcileReport fromLarge = net.await(net.engine(0).reconcileAll(), MS);
    assertEquals(SHARDS, paths.segmentParts, fromLarge::toString);
    assertEquals(0, paths.fingerprintParts);
    assertEquals(3, fromLarge.roundTrips());
    net.pump();
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot(), fromLarge::toString);
    assertEquals(6_100, net.state(0).snapshot().size());

    // region 1 (~50 per (shard, tenant)) initiates: below the threshold, the fingerprint path,
    // answered by a region far above it
    Net small = new Net(2, SHARDS, c -> c.withSegmentMinEntities(2_000));
    defineEverywhere(small, ACME, "view");
    Paths smallPaths = watch(small);
    for (long e = 0; e < 6_000; e++) {
      small.state(0).apply(ACME, "view", e, 1.0);
    }
    for (long e = 0; e < 1_000; e += 10) {
      small.state(1).apply(ACME, "view", e, 2.0);
    }
    ReconcileReport fromSmall = small.await(small.engine(1).reconcileAll(), MS);
    assertEquals(0, smallPaths.segmentParts, fromSmall::toString);
    assertEquals(SHARDS, smallPaths.fingerprintParts);
    small.pump();
    assertEquals(small.state(0).snapshot(), small.state(1).snapshot(), fromSmall::toString);
  }

  @Test
  void shouldReconcileShardTenantsOnlyOneSideHolds() throws Exception {
    Net net = new Net(2, SHARDS, c -> c.withSegmentMinEntities(1_000));
    defineEverywhere(net, ACME, "view");
    defineEverywhere(net, GLOBEX, "like");
    defineEverywhere(net, INITECH, "buy");
    Paths paths = watch(net);
    for (long e = 0; e < 4_000; e++) {
      net.state(0).apply(ACME, "view", e, 1.0);
      net.state(0).apply(GLOBEX, "like", e, 1.0); // only region 0: the segment path
      net.state(1).apply(INITECH, "buy", e, 1.0); // only region 1: the initiator holds 0
    }
    copyAll(net.state(0), net.state(1), ACME);
    long other = 4;
    while (net.state(1).shardOf(other) == net.state(1).shardOf(3)) {
      other++;
    }
    net.state(1).apply(ACME, "view", 3, 5.0); // one acme entity changed in each shard
    net.state(1).apply(ACME, "view", other, 5.0);

    ReconcileReport report = net.await(net.engine(0).reconcileAll(), MS);

    assertEquals(2 * SHARDS, paths.segmentParts, "acme and globex: " + report);
    assertEquals(SHARDS, paths.fingerprintParts, "initech: " + report);
    assertEquals(3, report.roundTrips());
    assertEquals(4_002, report.statesSent(), "globex, and acme's two as region 0 holds them");
    assertEquals(4_002, report.statesReceived(), "initech, and acme's two joined");
    net.pump();
    assertEquals(net.state(0).snapshot(), net.state(1).snapshot());
    assertEquals(12_000, net.state(1).snapshot().size());
    assertEquals(
        1, net.await(net.engine(1).reconcileAll(), MS).roundTrips(), "equal everywhere now");
  }

  @Test
  void shouldConvergeRandomDivergenceWithSegmentsForEveryShardTenant() throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("SegmentReconcileTest random seed " + seed + " (-Dseed=" + seed + ")");
    Random rnd = new Random(seed);
    for (int round = 0; round < 5; round++) {
      Net net = new Net(2, SHARDS, c -> c.withSegmentMinEntities(0));
      defineEverywhere(net, ACME, "view");
      defineEverywhere(net, ACME, "like");
      int shared = rnd.nextInt(3_000);
      for (int i = 0; i < shared; i++) {
        net.state(0).apply(ACME, rnd.nextBoolean() ? "view" : "like", rnd.nextInt(4_000), 1.0);
      }
      copyAll(net.state(0), net.state(1), ACME);
      int divergent = 1 + rnd.nextInt(300);
      for (int i = 0; i < divergent; i++) {
        String type = rnd.nextBoolean() ? "view" : "like";
        net.state(rnd.nextInt(2)).apply(ACME, type, rnd.nextInt(4_000), 1 + rnd.nextInt(3));
      }
      int from = rnd.nextInt(2);
      ReconcileReport report = net.await(net.engine(from).reconcileAll(), MS);
      net.pump();
      assertEquals(
          net.state(0).snapshot(),
          net.state(1).snapshot(),
          "seed " + seed + " round " + round + ": " + report);
      assertTrue(report.roundTrips() <= 3, report::toString);
    }
  }

  /** Merges every state of a tenant {@code from} holds into {@code to}. */
  static void copyAll(MemoryReconcileState from, MemoryReconcileState to, TenantId tenant) {
    Map<Integer, List<EntityKey>> keys = new HashMap<>();
    from.snapshot()
        .keySet()
        .forEach(
            k -> {
              if (k.tenant().equals(tenant)) {
                keys.computeIfAbsent(k.shard(), s -> new ArrayList<>())
                    .add(new EntityKey(MemoryReconcileState.type(k.type()), k.entity()));
              }
            });
    keys.forEach((shard, list) -> to.merge(shard, tenant, from.states(shard, tenant, list)));
  }
}
