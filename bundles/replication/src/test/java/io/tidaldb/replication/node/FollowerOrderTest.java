package io.tidaldb.replication.node;

import static io.tidaldb.replication.node.EpochSyncHarness.batches;
import static io.tidaldb.replication.node.FollowerFixture.B;
import static io.tidaldb.replication.node.FollowerFixture.C;
import static io.tidaldb.replication.node.FollowerFixture.SHARD;
import static io.tidaldb.replication.node.FollowerFixture.TIMEOUT;
import static io.tidaldb.replication.node.FollowerFixture.encoder;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of appends, votes and acknowledgements at a follower. Issue 9, sequence 2a: a follower
 * votes for a candidate while a batch of the old leader is still being appended, then acknowledges
 * that batch to the old leader; and item 3: batches the log cannot take yet are held and appended
 * in arrival order. Region B is a real {@link ShardReplica} over a real WAL, driven as its
 * replication thread would; the old leader A is a real {@link LeaderSide} over its own WAL; the
 * candidate C is played by the test's frames. B's commit thread is held in a commit listener, so a
 * batch is appended but not durable when B votes: deterministic, no timing.
 */
class FollowerOrderTest {
  @TempDir Path dir;
  private FollowerFixture fx;
  private ShardLog logA;
  private ShardLog logB;
  private FollowerFixture.Capture sentByB;
  private ShardReplica replicaB;
  private LeaderSide leaderA;
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean hold = new AtomicBoolean();

  @BeforeEach
  void start() {
    fx = new FollowerFixture(dir, holdingListener());
    logA = fx.logA;
    logB = fx.logB;
    sentByB = fx.sentByB;
    replicaB = fx.replicaB;
    leaderA = fx.leaderA;
  }

  @AfterEach
  void stop() {
    release.countDown();
    fx.close();
  }

  @Test
  void shouldNotLetTheOldLeaderCountAnAckForABatchAppendedBeforeTheVoteButDurableAfterIt()
      throws Exception {
    leaderA.activate(1);
    long first = fx.appendAtA(1); // the DEFINE: [0, 1)
    long x = fx.appendAtA(1); // X, a signal: [1, 2)
    List<ByteBuffer> batches = batches(logA);
    assertEquals(2, batches.size());

    // B follows A in epoch 1 and syncs with it.
    fx.followA();
    Frame syncAck = sentByB.last(FrameDescriptor.ACK);
    leaderA.onAck(B, syncAck.epoch(), syncAck.ackHwm(), 1); // A starts shipping to B

    // The first batch: appended, durable, acked in epoch 1.
    fx.deliverBatch(batches.get(0));
    logB.awaitDurable(first, TIMEOUT);
    Frame ack = fx.awaitAck(first + 1);
    assertEquals(1, ack.epoch());
    leaderA.onAck(B, ack.epoch(), ack.ackHwm(), 1);

    // X reaches B's WAL, but B's commit thread is held: appended, not durable.
    hold.set(true);
    fx.deliverBatch(batches.get(1));
    assertEquals(x + 1, logB.nextPosition());
    assertEquals(first + 1, logB.durablePosition());
    CompletableFuture<Void> quorum = leaderA.whenStored(x, Durability.QUORUM, fx.now());
    leaderA.drainWaits(); // as A's replication thread does in its next round

    // C (durable [0, 1) like B) asks for B's vote in epoch 2: B grants it on its durable position.
    fx.deliver(
        C, encoder().voteRequest(fx.out(), 0, SHARD, C.value(), 2, 1, first + 1 /* C's hwm */));
    Frame vote = sentByB.last(FrameDescriptor.VOTE);
    assertTrue(vote.voteGranted(), "B votes for C: C holds everything B has durable");

    // X becomes durable at B. A must not count it: B voted in epoch 2 for a leader without X, so
    // X may be cut, and a QUORUM ack for it would be a lie. B, in epoch 2, acknowledges nothing
    // until it has synced with epoch 2's leader (it used to ack X in epoch 2, which A ignored, but
    // which A would have counted had it been elected in epoch 2: FollowerDb#ackToCurrent).
    release.countDown();
    logB.awaitDurable(x, TIMEOUT);
    replicaB.doWork(fx.tick()); // the round that would flush an ack
    replicaB.doWork(fx.tick());
    assertFalse(
        sentByB.any(FrameDescriptor.ACK, f -> f.ackHwm() == x + 1),
        "B acknowledged X after voting in epoch 2");
    assertFalse(quorum.isDone(), "A acknowledged X at QUORUM although B voted in epoch 2 for C");

    // B follows C and cuts X, which never reached a quorum: no acknowledged write is lost.
    fx.deliver(C, encoder().heartbeat(fx.out(), 0, SHARD, C.value(), 2, first + 1, fx.now()));
    replicaB.doWork(fx.tick());
    fx.deliver(C, encoder().epochEnd(fx.out(), 0, SHARD, C.value(), 2, 1, first + 1));
    replicaB.doWork(fx.tick());
    assertEquals(first + 1, logB.durablePosition(), "B cut X to follow C");
  }

  @Test
  void shouldNotAppendABatchOfTheOldLeaderAfterVotingInANewerEpoch() {
    leaderA.activate(1);
    long first = fx.appendAtA(1);
    fx.appendAtA(1);
    List<ByteBuffer> batches = batches(logA);
    fx.followA();
    fx.deliverBatch(batches.get(0));
    logB.awaitDurable(first, TIMEOUT);

    fx.deliver(C, encoder().voteRequest(fx.out(), 0, SHARD, C.value(), 2, 1, first + 1));
    assertTrue(sentByB.last(FrameDescriptor.VOTE).voteGranted());
    // X was still in B's inbox when B voted: it must not be appended now.
    fx.deliverBatch(batches.get(1));
    assertEquals(first + 1, logB.nextPosition());
  }

  @Test
  void shouldHoldTheBatchesTheLogCannotTakeYetAndAppendThemInArrivalOrder() {
    leaderA.activate(1);
    for (int i = 0; i < 5; i++) {
      fx.appendAtA(1);
    }
    List<ByteBuffer> batches = batches(logA);
    assertEquals(5, batches.size());
    fx.followA();

    hold.set(true); // B's first commit is held: the next batch is pending, later ones must wait
    for (ByteBuffer b : batches) {
      fx.deliverBatch(b);
    }
    assertTrue(
        logB.nextPosition() <= 2, "at most two batches taken while the commit is held (held ones)");
    release.countDown();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInSameThread()
        .until(
            () -> {
              replicaB.doWork(fx.tick()); // as the log's room wake-up makes B's thread do
              return logB.durablePosition() == logA.durablePosition();
            });
    assertEquals(batches(logA), batches(logB), "every batch once, in arrival order");
    assertFalse(
        sentByB.any(FrameDescriptor.RESEND_REQUEST, f -> true), "no batch was dropped as a gap");
  }

  private CommitListener holdingListener() {
    return batch -> {
      if (hold.get()) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }
}
