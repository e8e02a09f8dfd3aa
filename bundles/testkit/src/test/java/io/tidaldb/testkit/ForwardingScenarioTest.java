package io.tidaldb.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.router.HashShardRouter;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Write forwarding over three regions with real stores: a signal written at a region that does not
 * lead its shard is stored once, by the leader, and read back everywhere; without a known leader it
 * is refused with {@link NotLeaderException}; a leader whose reply never arrives gives {@link
 * UnavailableException} within the durability timeout plus one second; bad input never leaves the
 * origin.
 */
class ForwardingScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(5);
  private static final Duration CONVERGE = Duration.ofSeconds(20);
  private static final SignalType VIEW = SignalType.of("view");

  private SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void shouldStoreAQuorumSignalWrittenAtAnyFollowerOnceAtTheLeader() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    HashShardRouter router = new HashShardRouter(cluster.config().shards());
    long[] entities = new long[cluster.config().shards()];
    for (int shard = 0; shard < entities.length; shard++) {
      entities[shard] = entityOf(router, shard);
      RegionId leader = cluster.leaderOf(ShardId.of(shard));
      for (RegionId region : cluster.regions()) {
        if (!region.equals(leader)) {
          SignalAck ack = signal(region, entities[shard], 1.5, Durability.QUORUM);
          assertEquals(Durability.QUORUM, ack.durability());
          assertEquals(shard, ack.shard().value());
        }
      }
    }
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      SignalStore db = cluster.node(region).db();
      for (long entity : entities) {
        assertEquals(2, db.read(TenantId.DEFAULT, VIEW, EntityId.of(entity)).count(), region + "");
        assertEquals(3.0, db.read(TenantId.DEFAULT, VIEW, EntityId.of(entity)).weightSum());
      }
    }
    long accepted = 0;
    for (RegionId region : cluster.regions()) {
      accepted += cluster.node(region).db().status().signalsAccepted();
    }
    assertEquals(2L * entities.length, accepted, "each signal appended once, by its leader");

    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = cluster.regions().stream().filter(r -> !r.equals(leader)).findFirst().get();
    long[] nanos = new long[300];
    for (int i = 0; i < nanos.length; i++) {
      long start = System.nanoTime();
      signal(origin, entities[0], 1.0, Durability.QUORUM);
      nanos[i] = System.nanoTime() - start;
    }
    CompletableFuture<SignalAck> async =
        cluster.node(origin).db().signalAsync(VIEW, EntityId.of(entities[0]), 1.0, Timestamp.now());
    assertEquals(Durability.LOCAL, async.join().durability());
    Arrays.sort(nanos);
    System.out.printf(
        "testkit figures: forwarded QUORUM write %s -> %s: p50 %d us, p99 %d us (%d writes)%n",
        origin,
        leader,
        nanos[nanos.length / 2] / 1_000,
        nanos[nanos.length * 99 / 100] / 1_000,
        nanos.length);
  }

  /**
   * The link from the origin to the leader delivers every frame twice (each FORWARD among them):
   * every forwarded QUORUM write is acknowledged and counted once on every region. Before the
   * leader remembered request ids, each copy was appended ({@code LinkFaultScenarioTest}'s lossy,
   * duplicating links, seed 42324174282118: an acknowledged write counted twice everywhere).
   */
  @Test
  void shouldCountAForwardedWriteOnceWhenTheLinkToTheLeaderDuplicatesEveryFrame() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    HashShardRouter router = new HashShardRouter(cluster.config().shards());
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = cluster.regions().stream().filter(r -> !r.equals(leader)).findFirst().get();
    cluster.faults().shape(origin, leader, LinkShape.seeded(1).withDuplication(1.0));
    long[] entities = new long[20];
    long next = 1;
    for (int i = 0; i < entities.length; i++, next++) {
      while (router.shardOf(TenantId.DEFAULT, next) != 0) {
        next++;
      }
      entities[i] = next;
      assertEquals(Durability.QUORUM, signal(origin, next, 1.0, Durability.QUORUM).durability());
    }
    cluster.faults().reset();
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      SignalStore db = cluster.node(region).db();
      for (long entity : entities) {
        assertEquals(
            1,
            db.read(TenantId.DEFAULT, VIEW, EntityId.of(entity)).count(),
            region + " counts entity " + entity);
      }
    }
  }

  @Test
  void shouldRefuseWithNotLeaderWhileNoLeaderIsKnown() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    RegionId isolated = cluster.regions().get(2);
    for (RegionId other : cluster.regions()) {
      if (!other.equals(isolated)) {
        cluster.links().cut(isolated, other);
      }
    }
    long deadline = System.nanoTime() + ELECTION.toNanos();
    while (cluster.node(isolated).replication().status().stream()
        .anyMatch(s -> s.leader().isPresent())) {
      assertTrue(
          System.nanoTime() < deadline, isolated + " still knows a leader after " + ELECTION);
      LockSupport.parkNanos(1_000_000);
    }
    NotLeaderException e =
        assertThrows(NotLeaderException.class, () -> signal(isolated, 7, 1.0, Durability.QUORUM));
    assertTrue(e.leader().isEmpty(), e.getMessage());
    assertTrue(e.getMessage().contains("election in progress"), e.getMessage());
  }

  @Test
  void shouldRefuseBadInputAtTheOriginNamingTheValue() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = cluster.regions().stream().filter(r -> !r.equals(leader)).findFirst().get();
    long entity = entityOf(new HashShardRouter(cluster.config().shards()), 0);
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> signal(origin, entity, Double.POSITIVE_INFINITY, Durability.QUORUM));
    assertEquals("invalid weight: Infinity (must be finite)", e.getMessage());
    for (RegionId region : cluster.regions()) {
      assertEquals(0, cluster.node(region).db().status().signalsAccepted(), region.toString());
    }
  }

  @Test
  void shouldGiveUpOnALeaderWhoseReplyNeverArrives() {
    FrameDrops transport = new FrameDrops();
    Duration timeout = Duration.ofSeconds(1);
    cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withDurabilityTimeout(timeout)
                .withTransport(() -> transport));
    cluster.awaitLeader(ELECTION);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = cluster.regions().stream().filter(r -> !r.equals(leader)).findFirst().get();
    long entity = entityOf(new HashShardRouter(cluster.config().shards()), 0);
    transport.dropNext(FrameDrops.FORWARD_REPLY, Integer.MAX_VALUE);
    long start = System.nanoTime();
    UnavailableException e =
        assertThrows(
            UnavailableException.class, () -> signal(origin, entity, 1.0, Durability.QUORUM));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(
        e.getMessage()
            .equals(
                "forwarded to region "
                    + leader
                    + "; no reply within 2000 ms; the signal may or may not be stored"),
        e.getMessage());
    // at least the 2 s the origin waits; the upper bound leaves room for the 5 ms replication
    // thread on a loaded machine and only catches a wait far past the 2 s
    assertTrue(took >= 2_000 && took < 10_000, took + " ms");
    System.out.println("testkit figures: unanswered forward gave up after " + took + " ms");
  }

  @Test
  void shouldFailAWriteForwardedJustBeforeALinkCutAtOnceSayingWhereItWasSent()
      throws InterruptedException {
    FrameDrops transport = new FrameDrops();
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions().withTransport(() -> transport));
    cluster.awaitLeader(ELECTION);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = cluster.regions().stream().filter(r -> !r.equals(leader)).findFirst().get();
    long entity = entityOf(new HashShardRouter(cluster.config().shards()), 0);
    // the FORWARD is on the link when it is cut: lost with it
    transport.dropNext(FrameDescriptor.FORWARD, Integer.MAX_VALUE);
    CompletableFuture<SignalAck> write =
        cluster.node(origin).db().signalAsync(VIEW, EntityId.of(entity), 1.0, Timestamp.now());
    // the origin's replication thread sends it after signalAsync returns: cut once it was sent
    await("the FORWARD was sent").atMost(10, TimeUnit.SECONDS).until(() -> transport.dropped() > 0);
    long start = System.nanoTime();
    cluster.links().cut(origin, leader);
    CompletionException e = assertThrows(CompletionException.class, write::join);
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    // It used to wait for the forward's whole timeout (durability timeout 5 s + 1 s); now the
    // origin gives the leader up after one election timeout (200 ms + jitter) or at its first
    // send to it. The bound only catches a wait for that timeout.
    assertTrue(took < 4_000, took + " ms");
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertTrue(u.mayBeStored(), u.getMessage());
    assertEquals(leader, u.region().orElseThrow(), u.getMessage());
    assertTrue(u.getMessage().startsWith("sent to region " + leader), u.getMessage());
    System.out.println(
        "testkit figures: forward cut off with its link failed after " + took + " ms");
  }

  private SignalAck signal(RegionId region, long entity, double weight, Durability durability) {
    return cluster
        .node(region)
        .db()
        .signal(TenantId.DEFAULT, VIEW, EntityId.of(entity), weight, Timestamp.now(), durability);
  }

  private static long entityOf(HashShardRouter router, int shard) {
    for (long e = 1; ; e++) {
      if (router.shardOf(TenantId.DEFAULT, e) == shard) {
        return e;
      }
    }
  }
}
