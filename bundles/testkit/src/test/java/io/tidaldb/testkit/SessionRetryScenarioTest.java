package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.client.SessionClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exactly-once session writes through the test kit's retrying client ({@link
 * SimulatedCluster#session}) on three real regions: in each test a failure makes a write end
 * ambiguously at the region it was sent to, the client retries it (same seq) at another region, the
 * cluster converges, and every region counts each acknowledged write exactly once (one new entity
 * per write), none reported not stored, and a re-send of the ambiguous write's seq is answered with
 * the very ack the client got.
 *
 * <p>Shard 1 is led by region 1 (the preferred leaders); a new client sends its first attempt to
 * region 0, which forwards it. The durability timeout is 1 s, so a forward without a reply gives up
 * after 2 s.
 */
class SessionRetryScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final int SHARD = 1;
  private static final RegionId ORIGIN = RegionId.of(0);
  private static final RegionId LEADER = RegionId.of(1);
  private static final RegionId THIRD = RegionId.of(2);

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

  private FrameDrops start() {
    FrameDrops drops = new FrameDrops();
    cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withDurabilityTimeout(Duration.ofSeconds(1))
                .withTransport(() -> drops));
    cluster.awaitLeader(ELECTION);
    PreferredLeaders.await(cluster, ELECTION);
    client = cluster.session(TenantId.DEFAULT);
    return drops;
  }

  /**
   * The leader stores a forwarded QUORUM write and its FORWARD_REPLY is lost: the origin reports
   * "no reply ... may or may not be stored", the client retries at the leader, which answers with
   * the first record's ack.
   */
  @Test
  void shouldCountAWriteOnceWhenTheForwardsReplyIsLost() {
    FrameDrops drops = start();
    SessionLedger ledger = new SessionLedger(cluster, client, 1_000);
    ledger.write(SHARD, Durability.QUORUM); // region 0 forwards it; the client keeps region 0
    drops.dropNext(FrameDrops.FORWARD_REPLY, 1);
    SessionLedger.Write lost = ledger.write(SHARD, Durability.QUORUM);
    assertEquals(1, drops.dropped(), "the reply was dropped");
    assertTrue(client.retries() >= 1, "retried: " + client.retries());
    ledger.write(0, Durability.ALL); // another shard: seq above, the lost one stays in its window
    ledger.assertExactlyOnce(List.of(lost));
    assertEquals(1, count(LEADER, lost.entity));
  }

  /**
   * The leader crashes right after a forwarded QUORUM write reached a quorum (applied at the third
   * region) and before its reply arrived: the origin reports the leader lost, the client retries at
   * the crashed region (down: nothing sent) and then at the third region, which leads or forwards
   * to the new leader, whose session table has the record: the first ack, no second record.
   */
  @Test
  void shouldCountAWriteOnceWhenTheLeaderCrashesAfterAQuorumAndBeforeReplying() throws Exception {
    FrameDrops drops = start();
    SessionLedger ledger = new SessionLedger(cluster, client, 2_000);
    ledger.write(SHARD, Durability.QUORUM);
    drops.dropNext(FrameDrops.FORWARD_REPLY, 1);
    SessionLedger.Write w = ledger.start(SHARD, Durability.QUORUM);
    Deadline replicated = Deadline.after(ELECTION);
    while (count(THIRD, w.entity) == 0) {
      assertFalse(replicated.expired(), "the write never reached " + THIRD);
      replicated.park();
    }
    cluster.crash(LEADER);
    w.result.get(60, TimeUnit.SECONDS);
    // the crash may discard the reply still queued, so the armed drop may never fire: disarm it,
    // or it would eat a later reply (SessionRetryIT saw it)
    drops.clear();
    assertTrue(client.retries() >= 1, "retried: " + client.retries());
    ledger.write(0, Durability.QUORUM);
    cluster.restart(LEADER);
    ledger.assertExactlyOnce(List.of(w));
  }

  /**
   * The leader hands shard 1 over to another region while 40 QUORUM writes are in flight through
   * the client (a forwarded one's reply dropped, so at least one ends ambiguously): each is counted
   * once.
   */
  @Test
  void shouldCountEveryWriteOnceThroughALeadershipTransferWithWritesInFlight() throws Exception {
    FrameDrops drops = start();
    SessionLedger ledger = new SessionLedger(cluster, client, 3_000);
    ledger.write(SHARD, Durability.QUORUM);
    drops.dropNext(FrameDrops.FORWARD_REPLY, 1);
    List<SessionLedger.Write> inFlight = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      inFlight.add(ledger.start(SHARD, Durability.QUORUM));
    }
    transfer();
    for (int i = 0; i < 20; i++) {
      inFlight.add(ledger.start(SHARD, Durability.QUORUM));
    }
    for (SessionLedger.Write w : inFlight) {
      w.result.get(60, TimeUnit.SECONDS);
    }
    assertEquals(1, drops.dropped(), "a reply was dropped");
    assertTrue(client.retries() >= 1, "retried: " + client.retries());
    // writes in flight may share a coalesced batch's seq: re-send one written alone
    ledger.assertExactlyOnce(List.of(ledger.write(SHARD, Durability.QUORUM)));
  }

  /**
   * A partition cuts the origin from the leader after the leader stored a forwarded QUORUM write
   * and before its reply arrived: the origin reports the write may be stored, the client retries at
   * the leader (reachable from the client), which answers with the first ack; later writes of the
   * client go to the leader too while the partition lasts.
   */
  @Test
  void shouldCountAWriteOnceWhenAPartitionCutsTheWritersRegionFromTheLeader() throws Exception {
    FrameDrops drops = start();
    SessionLedger ledger = new SessionLedger(cluster, client, 4_000);
    ledger.write(SHARD, Durability.QUORUM);
    drops.dropNext(FrameDrops.FORWARD_REPLY, 1);
    SessionLedger.Write w = ledger.start(SHARD, Durability.QUORUM);
    Deadline stored = Deadline.after(ELECTION);
    while (count(LEADER, w.entity) == 0) {
      assertFalse(stored.expired(), "the leader never stored the write");
      stored.park();
    }
    NetworkPartition cut = cluster.partition(ORIGIN, LEADER);
    try {
      w.result.get(60, TimeUnit.SECONDS);
      drops.clear(); // the cut may discard the queued reply before the armed drop sees it
      assertTrue(client.retries() >= 1, "retried: " + client.retries());
      ledger.write(0, Durability.QUORUM);
      ledger.write(2, Durability.QUORUM);
    } finally {
      cut.close();
    }
    ledger.assertExactlyOnce(List.of(w));
  }

  /**
   * Hands shard 1 from its leader to another region; on a loaded machine an election may have moved
   * it first, or the transfer gave up (the target did not catch up or win within one election
   * timeout), then the transfer starts again from the leader (at most 5 times).
   */
  private void transfer() throws Exception {
    for (int attempt = 1; ; attempt++) {
      RegionId from = cluster.leaderOf(ShardId.of(SHARD));
      RegionId to = from.equals(THIRD) ? ORIGIN : THIRD;
      try {
        cluster.node(from).replication().transferLeadership(SHARD, to).get(10, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnavailableException) || attempt == 5) {
          throw e; // NotLeaderException is one
        }
      }
    }
  }

  private long count(RegionId region, long entity) {
    return cluster
        .store(region)
        .read(TenantId.DEFAULT, SessionLedger.TYPE, EntityId.of(entity))
        .count();
  }
}
