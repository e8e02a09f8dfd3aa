package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.StaleReadException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.client.Session;
import io.tidaldb.session.client.SessionClient;
import io.tidaldb.testkit.FrameDrops;
import io.tidaldb.testkit.NetworkPartition;
import io.tidaldb.testkit.SimulatedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
 * Issue 12's read-your-writes inside Felix, on the session ITs' three-region cluster ({@link
 * SessionLedger#cluster}): a {@link SessionClient} writes QUORUM at shard 0's leader, the leader
 * crashes, and reads carrying {@code client.token()} at both remaining regions see every
 * acknowledged write or fail with {@link StaleReadException}, never an older answer; a token read
 * at a region cut off from the leader fails stale and answers once healed.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ReadYourWritesIT {
  private static final ShardId SHARD = ShardId.of(0);

  /**
   * Provisions the feature and the test kit (the test builds its own clusters).
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.cluster(ReadYourWritesIT.class);
  }

  /** Token reads at every remaining region after the leader crashed: every write, or stale. */
  @Test
  public void readsEveryAckedWriteWithTheTokenAfterTheLeaderChangedOrFailsStale() throws Exception {
    try (SimulatedCluster cluster =
        SessionLedger.cluster("ReadYourWritesIT-crash", new FrameDrops())) {
      RegionId first = cluster.leaderOf(SHARD);
      long entity = entityOf(cluster);
      try (SessionClient client = clientAtLeader(cluster, first)) {
        int written = 0;
        for (; written < 5; written++) {
          assertEquals(SHARD, client.signal(signal(entity), Durability.QUORUM).shard());
        }
        ReadToken token = client.token();
        assertTrue(token.toString(), token.position(SHARD.value()) >= 0);
        long crashedAt = System.nanoTime();
        cluster.crash(first);
        RegionId second = cluster.awaitLeader(SHARD, SessionLedger.ELECTION);
        long electedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashedAt);
        assertNotEquals(first, second);
        List<RegionId> remaining = new ArrayList<>(cluster.regions());
        remaining.remove(first);
        int stale = 0;
        for (RegionId r : remaining) {
          stale += readAllOrStale(cluster, r, entity, token, written) ? 0 : 1;
        }
        for (int i = 0; i < 3; i++, written++) {
          client.signal(signal(entity), Durability.QUORUM);
        }
        ReadToken grown = client.token();
        assertTrue(grown.toString(), grown.position(SHARD.value()) > token.position(SHARD.value()));
        for (RegionId r : remaining) {
          stale += readAllOrStale(cluster, r, entity, grown, written) ? 0 : 1;
        }
        long answeredMs = 0;
        for (RegionId r : remaining) {
          answeredMs = Math.max(answeredMs, awaitExact(cluster, r, entity, grown, written));
        }
        System.out.println(
            "read-your-writes across a leader change of shard 0 ("
                + first
                + " crashed, "
                + second
                + " elected in "
                + electedMs
                + " ms): "
                + written
                + " writes, 4 token reads at "
                + remaining
                + ", "
                + stale
                + " stale, every region exact within "
                + answeredMs
                + " ms");
      }
    }
  }

  /** A token read at a region cut off from the leader fails stale, then answers once healed. */
  @Test
  public void failsATokenReadStaleAtARegionCutFromTheLeaderAndAnswersOnceHealed() throws Exception {
    try (SimulatedCluster cluster =
        SessionLedger.cluster("ReadYourWritesIT-cut", new FrameDrops())) {
      RegionId leader = cluster.leaderOf(SHARD);
      RegionId cutOff = cluster.regions().get(leader.value() == 0 ? 1 : 0);
      List<RegionId> others = new ArrayList<>(cluster.regions());
      others.remove(cutOff);
      long entity = entityOf(cluster);
      try (SessionClient client = clientAtLeader(cluster, leader)) {
        client.signal(signal(entity), Durability.QUORUM);
        awaitExact(cluster, cutOff, entity, client.token(), 1);
        NetworkPartition cut = cluster.partition(Set.of(cutOff), Set.copyOf(others));
        StaleReadException stale;
        try {
          SignalAck ack = client.signal(signal(entity), Durability.QUORUM);
          assertEquals(SHARD, ack.shard());
          ReadToken token = client.token();
          try {
            long seen = read(cluster, cutOff, entity, token);
            fail("a cut-off region answered a token read with " + seen + " of 2 writes");
            return;
          } catch (StaleReadException e) {
            stale = e;
          }
          assertEquals(StaleReadException.Reason.BEHIND_TOKEN, stale.reason());
          assertEquals(SHARD.value(), stale.shard());
          assertEquals(ack.position(), stale.needed());
          assertTrue(stale.getMessage(), stale.applied() < ack.position());
          assertEquals("the leader answers", 2, read(cluster, leader, entity, token));
        } finally {
          cut.close();
        }
        long healedMs = awaitExact(cluster, cutOff, entity, client.token(), 2);
        System.out.println(
            "read-your-writes at "
                + cutOff
                + " cut from leader "
                + leader
                + ": stale ("
                + stale.getMessage()
                + "), exact "
                + healedMs
                + " ms after the heal");
      }
    }
  }

  /** A client that sends each write to {@code leader} first, then to the other regions. */
  private static SessionClient clientAtLeader(SimulatedCluster cluster, RegionId leader) {
    SessionClient.Builder b = SessionClient.builder(Session.open(TenantId.DEFAULT));
    b.store(leader, cluster.store(leader));
    for (RegionId r : cluster.regions()) {
      if (!r.equals(leader)) {
        b.store(r, cluster.store(r));
      }
    }
    return b.policy(cluster.sessionRetryPolicy()).build();
  }

  /**
   * Reads with the token at {@code region}: it must count exactly {@code written} (never an older
   * answer) or fail stale behind the token.
   *
   * @return true if it answered, false if it failed stale
   */
  private static boolean readAllOrStale(
      SimulatedCluster cluster, RegionId region, long entity, ReadToken token, int written) {
    try {
      assertEquals(region + " read an older answer", written, read(cluster, region, entity, token));
      return true;
    } catch (StaleReadException e) {
      assertEquals(e.getMessage(), StaleReadException.Reason.BEHIND_TOKEN, e.reason());
      assertTrue(e.getMessage(), e.getMessage().startsWith("stale: shard 0 applied through "));
      return false;
    }
  }

  /**
   * Waits until a token read at {@code region} answers (stale answers retried), then checks it
   * counts exactly {@code written}.
   *
   * @return the milliseconds it took
   */
  private static long awaitExact(
      SimulatedCluster cluster, RegionId region, long entity, ReadToken token, int written) {
    long start = System.nanoTime();
    long deadline = start + SessionLedger.CONVERGENCE.toNanos();
    while (true) {
      try {
        assertEquals(region + " count", written, read(cluster, region, entity, token));
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      } catch (StaleReadException e) {
        assertFalse(region + " still stale: " + e.getMessage(), System.nanoTime() > deadline);
        LockSupport.parkNanos(1_000_000);
      }
    }
  }

  private static long read(SimulatedCluster cluster, RegionId r, long entity, ReadToken token) {
    return cluster
        .store(r)
        .read(TenantId.DEFAULT, SessionLedger.TYPE, EntityId.of(entity), Timestamp.now(), token)
        .count();
  }

  private static Signal signal(long entity) {
    return Signal.of(SessionLedger.TYPE, EntityId.of(entity), 1.0, Timestamp.now());
  }

  private static long entityOf(SimulatedCluster cluster) {
    HashShardRouter router = new HashShardRouter(cluster.config().shards());
    for (long e = 1; ; e++) {
      if (router.shardOf(TenantId.DEFAULT, e) == SHARD.value()) {
        return e;
      }
    }
  }
}
