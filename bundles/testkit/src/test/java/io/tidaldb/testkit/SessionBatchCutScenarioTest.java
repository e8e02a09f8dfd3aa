package io.tidaldb.testkit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.store.SignalStoreEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, session batches through the hard case of {@link SessionCutScenarioTest} and {@link
 * SessionLocalCutScenarioTest}: a leader cut off from both followers appends a session batch's part
 * (three signals of one shard, one {@code SIGNAL_BATCH_S} record), the client retries the batch at
 * the new leader, and the deposed leader's suffix is cut when it rejoins. At {@code QUORUM} the cut
 * part was never acknowledged: the cut drops all three signals' effects and the retry is the only
 * copy. At {@code LOCAL} the deposed leader acknowledged it: the cut keeps it, holds each signal,
 * matches each to the retry's signal of the same index and takes it back once the retry is known
 * committed. Either way every signal counts once on every region.
 */
class SessionBatchCutScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final long SESSION = 0x5e55_ba7c_0000_0001L;

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();

  @Test
  void shouldCountACutQuorumBatchRetriedAtTheNewLeaderOncePerSignalOnEveryRegion()
      throws Exception {
    cutAndRetry(Durability.QUORUM);
  }

  @Test
  void shouldCountACutLocalBatchRetriedAtTheNewLeaderOncePerSignalOnEveryRegion() throws Exception {
    cutAndRetry(Durability.LOCAL);
  }

  /**
   * A batch sent to a follower of one of its shards: that part is forwarded to its leader (one
   * FORWARD_PART), the others stored where they are led; its retry at a third region, after the
   * first forward's reply was lost, is answered with the first acknowledgements: every signal once
   * on every region.
   */
  @Test
  void shouldForwardABatchsPartToItsLeaderAndCountItOnceThroughALostReplyAndARetry()
      throws Exception {
    FrameDrops drops = new FrameDrops();
    SimulatedCluster cluster =
        clusters.build(ClusterConfig.threeRegions().withTransport(() -> drops));
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long[] entities = entities(setup);
    List<Signal> batch = batchOf(entities);
    SessionSeq seq = new SessionSeq(SESSION + 7, 9, 9);
    drops.dropNext(FrameDrops.FORWARD_REPLY, 1); // the first forward's reply is lost
    ExecutionException lost =
        assertThrows(
            ExecutionException.class,
            () ->
                engine(cluster, R1)
                    .signalBatchAsync(batch, Durability.QUORUM, seq)
                    .get(30, TimeUnit.SECONDS));
    UnavailableException u = assertInstanceOf(UnavailableException.class, lost.getCause());
    assertTrue(u.mayBeStored(), "sent, no reply: may be stored, retry: " + u);
    assertEquals(1, drops.dropped());
    List<SignalAck> acks =
        engine(cluster, R2)
            .signalBatchAsync(batch, Durability.QUORUM, seq)
            .get(30, TimeUnit.SECONDS);
    assertEquals(1, acks.size(), "one part, forwarded from " + R2 + " to " + R0 + ": " + acks);
    assertEquals(
        acks,
        engine(cluster, R1)
            .signalBatchAsync(batch, Durability.QUORUM, seq)
            .get(30, TimeUnit.SECONDS),
        "a retry at " + R1 + " is answered with the same acknowledgement");
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId r : cluster.regions()) {
      for (long entity : entities) {
        assertEquals(1, writes.count(r, entity), r + " counts " + entity + " once; " + acks);
      }
    }
  }

  private void cutAndRetry(Durability level) throws Exception {
    SimulatedCluster cluster = clusters.build(ClusterConfig.threeRegions());
    DivergentWrites.LeaderWrite setup =
        DivergentWrites.leaderWrite(cluster, R0, ELECTION, CONVERGE);
    int shard = setup.shard();
    DivergentWrites writes = setup.writes();
    long[] entities = entities(setup);
    List<Signal> batch = batchOf(entities);
    SessionSeq seq = new SessionSeq(SESSION + level.ordinal(), 7, 7);
    List<SignalAck> retried;
    try (NetworkPartition p = cluster.partition(Set.of(R0), Set.of(R1, R2))) {
      long before = cluster.store(R0).status().shards().get(shard).nextPosition();
      CompletableFuture<List<SignalAck>> first =
          engine(cluster, R0).signalBatchAsync(batch, level, seq);
      if (level == Durability.QUORUM) {
        RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
        ExecutionException failed =
            assertThrows(ExecutionException.class, () -> first.get(30, TimeUnit.SECONDS));
        UnavailableException u = assertInstanceOf(UnavailableException.class, failed.getCause());
        assertTrue(u.mayBeStored(), "the client is told: may be stored, retry: " + u);
        retried = retry(cluster, next, batch, level, seq, writes, entities, shard);
      } else {
        assertFalse(first.get(30, TimeUnit.SECONDS).get(0).local(), "from its shard log");
        RegionId next = PreferredLeaders.awaitLeaderOtherThan(cluster, shard, R0, ELECTION);
        retried = retry(cluster, next, batch, level, seq, writes, entities, shard);
      }
      assertEquals(
          before + 3,
          cluster.store(R0).status().shards().get(shard).nextPosition(),
          "the part took three positions at " + R0 + " before it could ship it");
      assertEquals(4, p.held().size(), "partition held: " + p.held());
    }
    cluster.awaitLogConvergence(CONVERGE); // R0 follows the new leader: its suffix is cut
    await() // a LOCAL part's cut copy goes once R0 knows the retry committed
        .atMost(CONVERGE)
        .untilAsserted(
            () -> {
              for (long entity : entities) {
                assertEquals(1, writes.count(R0, entity), R0 + " after its cut, " + entity);
              }
            });
    cluster.awaitFullConvergence(CONVERGE); // reconciliation, then equal states
    for (RegionId r : cluster.regions()) {
      for (long entity : entities) {
        assertEquals(1, writes.count(r, entity), r + " counts " + entity + " once; " + retried);
      }
    }
  }

  /** The client's retry of the batch at the new leader: stored there once, three signals. */
  private static List<SignalAck> retry(
      SimulatedCluster cluster,
      RegionId next,
      List<Signal> batch,
      Durability level,
      SessionSeq seq,
      DivergentWrites writes,
      long[] entities,
      int shard)
      throws Exception {
    List<SignalAck> acks =
        engine(cluster, next).signalBatchAsync(batch, level, seq).get(30, TimeUnit.SECONDS);
    assertEquals(1, acks.size(), "one part: " + acks);
    for (long entity : entities) {
      assertEquals(1, writes.count(next, entity), "the new leader stored the retry once");
      assertEquals(1, writes.count(R0, entity), R0 + " holds its own copy");
    }
    assertEquals(
        acks,
        engine(cluster, next).signalBatchAsync(batch, level, seq).get(30, TimeUnit.SECONDS),
        "a second retry is answered with the first acknowledgement");
    writes.moveOn(next, shard);
    return acks;
  }

  /** The setup's entity and two more of its shard: the batch's part of three signals. */
  private static long[] entities(DivergentWrites.LeaderWrite setup) {
    Set<Integer> shard = Set.of(setup.shard());
    return new long[] {
      setup.entity(), setup.writes().nextEntity(shard), setup.writes().nextEntity(shard)
    };
  }

  /** One signal of weight 1, 2, 3 for each entity, in order. */
  private static List<Signal> batchOf(long[] entities) {
    List<Signal> batch = new ArrayList<>();
    for (int i = 0; i < entities.length; i++) {
      batch.add(
          new Signal(
              TenantId.DEFAULT,
              DivergentWrites.TYPE,
              EntityId.of(entities[i]),
              1.0 + i,
              Timestamp.now()));
    }
    return batch;
  }

  private static SignalStoreEngine engine(SimulatedCluster cluster, RegionId region) {
    return (SignalStoreEngine) cluster.store(region);
  }
}
