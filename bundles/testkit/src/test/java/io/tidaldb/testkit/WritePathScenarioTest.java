package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.StoreConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store's one write-path decision over three regions with real stores and replication: a write
 * at a region cut from its shard's leader waits up to the leader wait (1 s, the default) and fails
 * saying nothing was stored and naming the leader; a write made as the leader is cut off, during
 * the election that follows, succeeds once a new leader is elected within the bound; a QUORUM write
 * whose quorum cannot be met fails within the durability timeout, saying it may be stored and
 * where.
 */
class WritePathScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(5);
  private static final long LEADER_WAIT_MILLIS = StoreConfig.DEFAULT_LEADER_WAIT_MILLIS;
  private static final SignalType VIEW = SignalType.of("view");

  private SimulatedCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void shouldFailAWriteAtARegionCutFromTheLeaderAfterTheLeaderWaitNamingTheLeader() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = other(leader, null);
    cluster.links().cut(origin, leader); // the third region still hears the leader
    long start = System.nanoTime();
    UnavailableException e =
        assertThrows(UnavailableException.class, () -> write(origin, Durability.QUORUM));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertFalse(e.mayBeStored(), e.getMessage());
    assertTrue(e.getMessage().contains(leader.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("shard 0"), e.getMessage());
    assertTrue(e.getMessage().contains("QUORUM"), e.getMessage());
    assertTrue(
        e.getMessage().contains("within the leader wait of " + LEADER_WAIT_MILLIS + " ms"),
        e.getMessage());
    assertTrue(took >= LEADER_WAIT_MILLIS && took < 10_000, took + " ms");
    for (RegionId region : cluster.regions()) {
      assertEquals(0, count(region), "nothing stored at " + region);
    }
    System.out.println(
        "testkit figures: write at a region cut from its leader failed after " + took + " ms");
  }

  @Test
  void shouldStoreAWriteMadeDuringAnElectionThatEndsWithinTheLeaderWait() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId origin = other(leader, null);
    for (RegionId region : cluster.regions()) {
      if (!region.equals(leader)) {
        cluster.links().cut(leader, region); // the leader is gone: the others elect a new one
      }
    }
    long start = System.nanoTime();
    SignalAck ack = write(origin, Durability.QUORUM); // first forwarded to the lost leader
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(Durability.QUORUM, ack.durability());
    assertEquals(0, ack.shard().value());
    assertEquals(0, count(leader), "the lost leader never had it");
    System.out.println(
        "testkit figures: write during an election acknowledged after " + took + " ms");
  }

  @Test
  void shouldFailAQuorumWriteWhoseQuorumCannotBeMetWithinItsTimeoutSayingWhereItIs() {
    Duration timeout = Duration.ofSeconds(1);
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions().withDurabilityTimeout(timeout));
    cluster.awaitLeader(ELECTION);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId a = other(leader, null);
    RegionId b = other(leader, a);
    write(leader, Durability.QUORUM); // the series is defined while the followers ack
    cluster.stallFsyncs(a, true); // they still answer heartbeats, so the leader keeps its lease
    cluster.stallFsyncs(b, true);
    try {
      long start = System.nanoTime();
      UnavailableException e =
          assertThrows(UnavailableException.class, () -> write(leader, Durability.QUORUM));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(e.mayBeStored(), e.getMessage());
      assertEquals(leader, e.region().orElseThrow(), e.getMessage());
      assertTrue(e.getMessage().contains("QUORUM"), e.getMessage());
      // the durability timeout, and at most the store's own bound (the timeout + 1 s) plus slack
      assertTrue(took >= timeout.toMillis() && took < timeout.toMillis() + 5_000, took + " ms");
      assertEquals(2, count(leader), "stored at the leader");
    } finally {
      cluster.stallFsyncs(a, false);
      cluster.stallFsyncs(b, false);
    }
  }

  private SignalAck write(RegionId region, Durability durability) {
    return cluster
        .node(region)
        .db()
        .signal(
            new Signal(TenantId.DEFAULT, VIEW, EntityId.of(entity()), 1.0, Timestamp.now()),
            durability);
  }

  private long count(RegionId region) {
    return cluster.node(region).db().read(TenantId.DEFAULT, VIEW, EntityId.of(entity())).count();
  }

  private long entity() {
    HashShardRouter router = new HashShardRouter(cluster.config().shards());
    for (long e = 1; ; e++) {
      if (router.shardOf(TenantId.DEFAULT, e) == 0) {
        return e;
      }
    }
  }

  private RegionId other(RegionId not, RegionId norThis) {
    return cluster.regions().stream()
        .filter(r -> !r.equals(not) && !r.equals(norThis))
        .findFirst()
        .orElseThrow();
  }
}
