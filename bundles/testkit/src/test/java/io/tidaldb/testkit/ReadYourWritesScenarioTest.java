package io.tidaldb.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StaleReadException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.client.Session;
import io.tidaldb.session.client.SessionClient;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes across a leader change, three regions with real stores: a session client writes
 * QUORUM at the shard's leader, the leader crashes and another is elected, and a read with the
 * client's token at the remaining follower sees every write or fails as stale, never an older
 * answer; a follower cut off from the leader fails a token read and a bounded-staleness read, and
 * answers both once healed.
 */
class ReadYourWritesScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final SignalType VIEW = SignalType.of("view");
  private static final ShardId SHARD = ShardId.of(0);

  private SimulatedCluster cluster;
  private SessionClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void shouldReadItsQuorumWritesWithTheTokenAtAFollowerAfterTheLeaderChangedOrFailStale() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    long entity = entityOf(new HashShardRouter(cluster.config().shards()), SHARD.value());
    RegionId first = cluster.leaderOf(SHARD);
    SessionClient.Builder b = SessionClient.builder(Session.open(TenantId.DEFAULT));
    b.store(first, cluster.store(first));
    for (RegionId r : cluster.regions()) {
      if (!r.equals(first)) {
        b.store(r, cluster.store(r));
      }
    }
    client = b.build();
    int written = 0;
    for (int i = 0; i < 5; i++, written++) {
      SignalAck ack = client.signal(signal(entity), Durability.QUORUM);
      assertEquals(SHARD, ack.shard());
    }
    ReadToken token = client.token();
    assertTrue(token.position(SHARD.value()) >= 0, token.toString());

    cluster.crash(first); // the leader changes
    RegionId second = cluster.awaitLeader(SHARD, ELECTION);
    assertNotEquals(first, second);
    RegionId follower = other(first, second);
    assertAtLeastOrStale(follower, entity, token, written);
    assertEquals(written, read(second, entity, token).count(), "the new leader holds every write");

    // more writes through the new leader; the token grows
    for (int i = 0; i < 3; i++, written++) {
      client.signal(signal(entity), Durability.QUORUM);
    }
    ReadToken grown = client.token();
    assertTrue(grown.position(SHARD.value()) > token.position(SHARD.value()), grown.toString());
    assertAtLeastOrStale(follower, entity, grown, written);
    int all = written;
    await()
        .atMost(20, TimeUnit.SECONDS)
        .ignoreException(StaleReadException.class)
        .untilAsserted(() -> assertEquals(all, read(follower, entity, grown).count()));
  }

  @Test
  void shouldFailTokenAndStalenessReadsAtACutOffFollowerAndAnswerThemOnceHealed() {
    cluster = SimulatedCluster.build(ClusterConfig.threeRegions());
    cluster.awaitLeader(ELECTION);
    long entity = entityOf(new HashShardRouter(cluster.config().shards()), SHARD.value());
    RegionId leader = cluster.leaderOf(SHARD);
    RegionId follower = cluster.regions().get(leader.value() == 0 ? 1 : 0);
    await()
        .atMost(20, TimeUnit.SECONDS)
        .ignoreException(StaleReadException.class)
        .until(() -> read(follower, entity, Duration.ofSeconds(2)) != null);
    SignalAck ack;
    NetworkPartition cut =
        cluster.partition(Set.of(follower), Set.of(leader, other(leader, follower)));
    try {
      ack = cluster.store(leader).signal(signal(entity), Durability.QUORUM);
      ReadToken token = ReadToken.EMPTY.with(ack);
      StaleReadException stale =
          assertThrows(StaleReadException.class, () -> read(follower, entity, token));
      assertEquals(StaleReadException.Reason.BEHIND_TOKEN, stale.reason());
      assertEquals(SHARD.value(), stale.shard());
      assertEquals(ack.position(), stale.needed());
      assertTrue(stale.applied() < ack.position(), stale.getMessage());
      assertTrue(
          stale.getMessage().startsWith("stale: shard 0 applied through "), stale.getMessage());
      // cut off for at least the 1 s read wait by now
      StaleReadException lag =
          assertThrows(
              StaleReadException.class, () -> read(follower, entity, Duration.ofMillis(500)));
      assertEquals(StaleReadException.Reason.LEADER_LAG, lag.reason());
      assertEquals(1, read(leader, entity, Duration.ZERO).count(), "the leader always answers");
    } finally {
      cut.close();
    }
    ReadToken token = ReadToken.EMPTY.with(ack);
    await()
        .atMost(20, TimeUnit.SECONDS)
        .ignoreException(StaleReadException.class)
        .untilAsserted(() -> assertEquals(1, read(follower, entity, token).count()));
    await()
        .atMost(20, TimeUnit.SECONDS)
        .ignoreException(StaleReadException.class)
        .untilAsserted(
            () -> assertEquals(1, read(follower, entity, Duration.ofSeconds(2)).count()));
  }

  /** A token read at {@code region} sees at least {@code written} signals, or fails as stale. */
  private void assertAtLeastOrStale(RegionId region, long entity, ReadToken token, int written) {
    try {
      long seen = read(region, entity, token).count();
      assertTrue(seen >= written, "read an older answer: " + seen + " of " + written + " writes");
    } catch (StaleReadException e) {
      assertEquals(StaleReadException.Reason.BEHIND_TOKEN, e.reason(), e.getMessage());
      assertTrue(e.getMessage().startsWith("stale: shard 0 applied through "), e.getMessage());
    }
  }

  private SignalAggregate read(RegionId region, long entity, ReadToken token) {
    return cluster
        .store(region)
        .read(TenantId.DEFAULT, VIEW, EntityId.of(entity), Timestamp.now(), token);
  }

  private SignalAggregate read(RegionId region, long entity, Duration maxLag) {
    return cluster
        .store(region)
        .read(TenantId.DEFAULT, VIEW, EntityId.of(entity), Timestamp.now(), maxLag);
  }

  private static Signal signal(long entity) {
    return new Signal(TenantId.DEFAULT, VIEW, EntityId.of(entity), 1.0, Timestamp.now());
  }

  private RegionId other(RegionId a, RegionId b) {
    for (RegionId r : cluster.regions()) {
      if (!r.equals(a) && !r.equals(b)) {
        return r;
      }
    }
    throw new IllegalStateException("no third region besides " + a + " and " + b);
  }

  private static long entityOf(HashShardRouter router, int shard) {
    for (long e = 0; ; e++) {
      if (router.shardOf(TenantId.DEFAULT, e) == shard) {
        return e;
      }
    }
  }
}
