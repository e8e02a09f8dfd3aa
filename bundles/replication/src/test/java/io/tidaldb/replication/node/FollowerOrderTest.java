package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.CommitListener;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
  private static final int SHARD = 0;
  private static final RegionId A = RegionId.of(0);
  private static final RegionId B = RegionId.of(1);
  private static final RegionId C = RegionId.of(2);
  private static final List<RegionId> REGIONS = List.of(A, B, C);
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  @TempDir Path dir;
  private WalEngine walA;
  private WalEngine walB;
  private ShardLog logA;
  private ShardLog logB;
  private final Capture sentByB = new Capture(B);
  private ShardReplica replicaB;
  private LeaderSide leaderA;
  private final CountDownLatch release = new CountDownLatch(1);
  private final AtomicBoolean hold = new AtomicBoolean();
  private long now = 1_000_000_000L;

  @BeforeEach
  void start() {
    walA = WalEngine.open(WalConfig.builder(dir.resolve("wal-a")).shardCount(1).build());
    walB = WalEngine.open(WalConfig.builder(dir.resolve("wal-b")).shardCount(1).build());
    logA = walA.shard(SHARD);
    logB = walB.shard(SHARD);
    logB.setCommitListener(holdingListener());
    ReplicaState cutter = (shard, position, fenceEpoch) -> logB.truncateFrom(position);
    DropCounters drops = new DropCounters(B);
    ReplicationConfig configB = ReplicationConfig.defaults(B, REGIONS, dir.resolve("epochs-b"));
    ForwardOrigin forwards =
        new ForwardOrigin(
            B,
            configB.regions(),
            sentByB,
            drops,
            configB.durabilityTimeout().toNanos(),
            new ShardReplica[1],
            () -> {});
    replicaB =
        new ShardReplica(
            SHARD,
            configB,
            logB,
            sentByB,
            () -> cutter,
            drops,
            new FrameInbox(),
            () -> {},
            forwards,
            Runnable::run,
            new SizeLimits(logB.maxBatchBytes(), logB.maxBatchBytes()),
            now);
    ReplicationConfig configA = ReplicationConfig.defaults(A, REGIONS, dir.resolve("epochs-a"));
    leaderA = new LeaderSide(SHARD, configA, logA, new Capture(A), () -> {});
  }

  @AfterEach
  void stop() {
    release.countDown();
    walA.close();
    walB.close();
  }

  @Test
  void shouldNotLetTheOldLeaderCountAnAckForABatchAppendedBeforeTheVoteButDurableAfterIt()
      throws Exception {
    leaderA.activate(1);
    long first = appendAtA(1); // the DEFINE: [0, 1)
    long x = appendAtA(1); // X, a signal: [1, 2)
    List<ByteBuffer> batches = batchesOf(logA);
    assertEquals(2, batches.size());

    // B follows A in epoch 1 and syncs with it.
    deliver(A, encoder().heartbeat(out(), 0, SHARD, A.value(), 1, logA.durablePosition(), now));
    replicaB.doWork(tick());
    deliver(A, encoder().epochEnd(out(), 0, SHARD, A.value(), 1, 0, 0));
    replicaB.doWork(tick());
    Frame syncAck = sentByB.last(FrameDescriptor.ACK);
    leaderA.onAck(B, syncAck.epoch(), syncAck.ackHwm(), 1); // A starts shipping to B

    // The first batch: appended, durable, acked in epoch 1.
    deliverBatch(batches.get(0));
    logB.awaitDurable(first, TIMEOUT);
    Frame ack = awaitAck(first + 1);
    assertEquals(1, ack.epoch());
    leaderA.onAck(B, ack.epoch(), ack.ackHwm(), 1);

    // X reaches B's WAL, but B's commit thread is held: appended, not durable.
    hold.set(true);
    deliverBatch(batches.get(1));
    assertEquals(x + 1, logB.nextPosition());
    assertEquals(first + 1, logB.durablePosition());
    CompletableFuture<Void> quorum = leaderA.whenStored(x, Durability.QUORUM, now);
    leaderA.drainWaits(); // as A's replication thread does in its next round

    // C (durable [0, 1) like B) asks for B's vote in epoch 2: B grants it on its durable position.
    deliver(C, encoder().voteRequest(out(), 0, SHARD, C.value(), 2, 1, first + 1 /* C's hwm */));
    Frame vote = sentByB.last(FrameDescriptor.VOTE);
    assertTrue(vote.voteGranted(), "B votes for C: C holds everything B has durable");

    // X becomes durable at B; B acknowledges it. A must not count that ack: B voted in epoch 2
    // for a leader without X, so X may be cut, and a QUORUM ack for it would be a lie.
    release.countDown();
    logB.awaitDurable(x, TIMEOUT);
    Frame late = awaitAck(x + 1);
    leaderA.onAck(B, late.epoch(), late.ackHwm(), 1);
    assertFalse(
        quorum.isDone(),
        "A acknowledged X at QUORUM from B's ack in epoch "
            + late.epoch()
            + " although B had voted in epoch 2 for C, whose log lacks X");
    assertEquals(2, late.epoch(), "an ack carries the epoch the follower is in when it sends it");

    // B follows C and cuts X, which never reached a quorum: no acknowledged write is lost.
    deliver(C, encoder().heartbeat(out(), 0, SHARD, C.value(), 2, first + 1, now));
    replicaB.doWork(tick());
    deliver(C, encoder().epochEnd(out(), 0, SHARD, C.value(), 2, 1, first + 1));
    replicaB.doWork(tick());
    assertEquals(first + 1, logB.durablePosition(), "B cut X to follow C");
  }

  @Test
  void shouldNotAppendABatchOfTheOldLeaderAfterVotingInANewerEpoch() {
    leaderA.activate(1);
    long first = appendAtA(1);
    appendAtA(1);
    List<ByteBuffer> batches = batchesOf(logA);
    deliver(A, encoder().heartbeat(out(), 0, SHARD, A.value(), 1, logA.durablePosition(), now));
    replicaB.doWork(tick());
    deliver(A, encoder().epochEnd(out(), 0, SHARD, A.value(), 1, 0, 0));
    replicaB.doWork(tick());
    deliverBatch(batches.get(0));
    logB.awaitDurable(first, TIMEOUT);

    deliver(C, encoder().voteRequest(out(), 0, SHARD, C.value(), 2, 1, first + 1));
    assertTrue(sentByB.last(FrameDescriptor.VOTE).voteGranted());
    // X was still in B's inbox when B voted: it must not be appended now.
    deliverBatch(batches.get(1));
    assertEquals(first + 1, logB.nextPosition());
  }

  @Test
  void shouldHoldTheBatchesTheLogCannotTakeYetAndAppendThemInArrivalOrder() {
    leaderA.activate(1);
    for (int i = 0; i < 5; i++) {
      appendAtA(1);
    }
    List<ByteBuffer> batches = batchesOf(logA);
    assertEquals(5, batches.size());
    followA();

    hold.set(true); // B's first commit is held: the next batch is pending, later ones must wait
    for (ByteBuffer b : batches) {
      deliverBatch(b);
    }
    assertTrue(
        logB.nextPosition() <= 2, "at most two batches taken while the commit is held (held ones)");
    release.countDown();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInSameThread()
        .until(
            () -> {
              replicaB.doWork(tick()); // as the log's room wake-up makes B's thread do
              return logB.durablePosition() == logA.durablePosition();
            });
    assertEquals(batchesOf(logA), batchesOf(logB), "every batch once, in arrival order");
    assertFalse(
        sentByB.any(FrameDescriptor.RESEND_REQUEST, f -> true), "no batch was dropped as a gap");
  }

  /** B follows A in epoch 1 and syncs with it; A starts shipping to B. */
  private void followA() {
    deliver(A, encoder().heartbeat(out(), 0, SHARD, A.value(), 1, logA.durablePosition(), now));
    replicaB.doWork(tick());
    deliver(A, encoder().epochEnd(out(), 0, SHARD, A.value(), 1, 0, 0));
    replicaB.doWork(tick());
  }

  private long appendAtA(int records) {
    long last = -1;
    for (int i = 0; i < records; i++) {
      last =
          logA.nextPosition() == 0
              ? logA.appendDefine(1, "acme", "view")
              : logA.appendSignal(1, 42 + i, 1.0, 1_700_000_000_000L + i, i + 1, A.value());
    }
    logA.awaitDurable(last, TIMEOUT);
    return last;
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

  /** Runs B's rounds (as its replication thread would when its log wakes it) until it acks. */
  private Frame awaitAck(long hwm) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInSameThread()
        .until(
            () -> {
              replicaB.doWork(tick());
              return sentByB.any(FrameDescriptor.ACK, f -> f.ackHwm() == hwm);
            });
    return sentByB.last(FrameDescriptor.ACK);
  }

  /** A's WAL batch reaches B in a WAL_BATCH frame of epoch 1. */
  private void deliverBatch(ByteBuffer batch) {
    ByteBuffer frame =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + batch.remaining())
            .order(ByteOrder.LITTLE_ENDIAN);
    int length =
        new FrameEncoder(logB.maxBatchBytes() + 1024)
            .walBatch(frame, 0, SHARD, A.value(), 1, batch.duplicate());
    Frame f = new FrameDecoder(length).decode(frame.limit(length));
    replicaB.onFrame(A, f.copy(), tick());
  }

  private void deliver(RegionId from, int length) {
    ByteBuffer raw = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
    raw.put(scratch.duplicate().limit(length)).flip();
    Frame f = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).decode(raw.duplicate());
    replicaB.onFrame(from, f.copy(), tick());
  }

  private long tick() {
    now += 1_000_000L;
    return now;
  }

  private final ByteBuffer scratch =
      ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH)
          .order(ByteOrder.LITTLE_ENDIAN);

  private ByteBuffer out() {
    scratch.clear();
    return scratch;
  }

  private static FrameEncoder encoder() {
    return new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  }

  private static List<ByteBuffer> batchesOf(ShardLog log) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(0)) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        ByteBuffer src = b.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate()).flip();
        out.add(copy);
      }
    }
    return out;
  }

  /** An endpoint that keeps a copy of every frame sent. */
  private static final class Capture implements TransportEndpoint {
    private final RegionId self;
    private final List<ByteBuffer> frames = new ArrayList<>();

    Capture(RegionId self) {
      this.self = self;
    }

    @Override
    public RegionId local() {
      return self;
    }

    @Override
    public synchronized SendStatus send(RegionId to, ByteBuffer frame) {
      ByteBuffer copy = ByteBuffer.allocate(frame.remaining()).order(ByteOrder.LITTLE_ENDIAN);
      copy.put(frame.duplicate()).flip();
      frames.add(copy);
      return SendStatus.SENT;
    }

    synchronized boolean any(short type, java.util.function.Predicate<Frame> test) {
      for (ByteBuffer raw : frames) {
        Frame f = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).decode(raw.duplicate());
        if (f.type() == type && test.test(f)) {
          return true;
        }
      }
      return false;
    }

    synchronized Frame last(short type) {
      for (int i = frames.size() - 1; i >= 0; i--) {
        Frame f =
            new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH)
                .decode(frames.get(i).duplicate());
        if (f.type() == type) {
          return f;
        }
      }
      throw new AssertionError("no frame of type " + type + " sent by " + self);
    }

    @Override
    public void close() {}
  }
}
