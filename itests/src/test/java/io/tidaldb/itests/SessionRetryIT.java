package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.client.SessionClient;
import io.tidaldb.testkit.ClusterConfig;
import io.tidaldb.testkit.FrameDrops;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Issue 12's exactly-once retries inside Felix: a three-region cluster of the test kit bundle (with
 * {@link FrameDrops} as its transport) and the test kit's retrying session client ({@link
 * SimulatedCluster#session}) over the session bundle. Every write is forced to end ambiguously at
 * the region the client sends it to (region 0, which forwards it to the shard's leader): its reply
 * is lost, and for the last ones the leader also crashes once the write reached a quorum. The
 * client retries each at another region; after convergence every region counts every signal exactly
 * once and the ack the client got equals the one a re-send of the seq gets.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SessionRetryIT {
  private static final Duration ELECTION = Duration.ofSeconds(20);
  private static final Duration CONVERGENCE = Duration.ofSeconds(60);
  private static final SignalType TYPE = SignalType.of("session-view");
  private static final RegionId ORIGIN = RegionId.of(0);
  private static final int LOST_REPLIES = 4;
  private static final int LEADER_CRASHES = 2;

  /**
   * Provisions the feature and the test kit (the test builds its own cluster on {@link
   * FrameDrops}).
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.cluster(SessionRetryIT.class);
  }

  /** Lost replies and leader crashes mid-write: every signal counted exactly once everywhere. */
  @Test
  public void countsEveryRetriedWriteExactlyOnceOnEveryRegion() throws Exception {
    FrameDrops drops = new FrameDrops();
    try (SimulatedCluster cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withDirectory(ItOptions.freshDirectory("SessionRetryIT-own"))
                .withDurabilityTimeout(Duration.ofSeconds(1))
                .withTransport(() -> drops))) {
      cluster.awaitLeader(ELECTION);
      HashShardRouter router = new HashShardRouter(cluster.config().shards());
      List<Long> entities = new ArrayList<>();
      long next = 1;
      for (int i = 0; i < LOST_REPLIES + LEADER_CRASHES; i++) {
        boolean crash = i >= LOST_REPLIES;
        int shard = shardNotLedBy(cluster, ORIGIN);
        RegionId leader = cluster.leaderOf(ShardId.of(shard));
        while (router.shardOf(TenantId.DEFAULT, next) != shard) {
          next++;
        }
        long entity = next++;
        entities.add(entity);
        Signal signal = Signal.of(TYPE, EntityId.of(entity), 1.0, Timestamp.now());
        try (SessionClient client = cluster.session(TenantId.DEFAULT)) {
          long dropped = drops.dropped();
          drops.dropNext(FrameDrops.FORWARD_REPLY, 1);
          CompletableFuture<SignalAck> write = client.signalAsync(signal, Durability.QUORUM);
          if (crash) {
            awaitCountAtAnotherFollower(cluster, leader, entity);
            cluster.crash(leader);
          }
          SignalAck ack = write.get(60, TimeUnit.SECONDS);
          assertEquals("write " + i + ": its reply was dropped", dropped + 1, drops.dropped());
          assertTrue("write " + i + " retried", client.retries() >= 1);
          if (crash) {
            cluster.restart(leader);
            cluster.awaitLeader(ELECTION);
          }
          SignalAck again =
              cluster
                  .store(ORIGIN)
                  .signalAsync(
                      signal,
                      Durability.QUORUM,
                      new io.tidaldb.api.SessionSeq(client.session().id(), 1, 1))
                  .get(30, TimeUnit.SECONDS);
          assertEquals("write " + i + ": a re-send gets the first ack", ack, again);
          System.out.println(
              "session write "
                  + i
                  + (crash ? " (leader " + leader + " crashed)" : " (reply lost)")
                  + ": "
                  + client.attempts()
                  + " attempts, ack "
                  + ack);
        }
      }
      cluster.awaitFullConvergence(CONVERGENCE);
      for (RegionId r : cluster.regions()) {
        for (long e : entities) {
          long count = cluster.store(r).read(TenantId.DEFAULT, TYPE, EntityId.of(e)).count();
          assertEquals(r + " count of entity " + e, 1, count);
        }
      }
    }
  }

  private static int shardNotLedBy(SimulatedCluster cluster, RegionId region) {
    for (int s = 0; s < cluster.config().shards(); s++) {
      if (!cluster.leaderOf(ShardId.of(s)).equals(region)) {
        return s;
      }
    }
    throw new AssertionError(region + " leads every shard");
  }

  /** Waits until a region other than the origin and the leader has applied the entity's write. */
  private static void awaitCountAtAnotherFollower(
      SimulatedCluster cluster, RegionId leader, long entity) {
    long deadline = System.nanoTime() + ELECTION.toNanos();
    while (true) {
      for (RegionId r : cluster.regions()) {
        if (!r.equals(leader)
            && !r.equals(ORIGIN)
            && cluster.store(r).read(TenantId.DEFAULT, TYPE, EntityId.of(entity)).count() > 0) {
          return;
        }
      }
      assertFalse("the write never reached a quorum", System.nanoTime() > deadline);
      LockSupport.parkNanos(1_000_000);
    }
  }
}
