package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.shipping.ShippingConfig;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One leader's {@link SnapshotShipper} and one follower's {@link SnapshotReceiver}, wired by hand:
 * every frame is captured and delivered (or lost, reordered, refused) by the test, time is passed
 * in, opens and installs run inline. Real WALs (the follower's install resets its log).
 */
class SnapshotTransferTest {
  private static final RegionId L = RegionId.of(0);
  private static final RegionId F = RegionId.of(1);
  private static final int CHUNK = 1024;
  private static final int SIZE = 10 * CHUNK + 100;
  private static final long MS = 1_000_000L;
  private static final long EPOCH = 1;

  @TempDir Path dir;
  private WalEngine leaderWal;
  private WalEngine followerWal;
  private final Wire toFollower = new Wire(L);
  private final Wire toLeader = new Wire(F);
  private final SnapshotCounters leaderCounts = new SnapshotCounters(L);
  private final SnapshotCounters followerCounts = new SnapshotCounters(F);
  private final FrameDecoder decoder = new FrameDecoder(1 << 16);
  private SnapshotStore leaderStore;
  private SnapshotStore followerStore;
  private SnapshotShipper shipper;
  private SnapshotReceiver receiver;
  private long now = 1_000 * MS;
  private long p;

  @BeforeEach
  void start() {
    leaderWal = WalEngine.open(WalConfig.builder(dir.resolve("l")).shardCount(1).build());
    followerWal = WalEngine.open(WalConfig.builder(dir.resolve("f")).shardCount(1).build());
    ShardLog log = leaderWal.shard(0);
    log.appendDefine(1, "acme", "view");
    long last = -1;
    for (int i = 0; i < 50; i++) {
      last = log.appendSignal(1, i, 1.0, 1_700_000_000_000L + i, i + 1, 1);
    }
    log.awaitDurable(last, 10_000 * MS);
    p = log.durablePosition();
    leaderStore = new SnapshotStore(leaderWal, SIZE);
    followerStore = new SnapshotStore(followerWal, SIZE);
    ShippingConfig config = ShippingConfig.DEFAULTS.withSnapshotChunkBytes(CHUNK);
    shipper =
        new SnapshotShipper(
            0,
            F,
            EPOCH,
            0,
            toFollower,
            config,
            new SnapshotOpen(0, Runnable::run, () -> leaderStore),
            leaderCounts,
            100 * MS);
    receiver =
        new SnapshotReceiver(
            0, toLeader, followerWal.shard(0), () -> followerStore, Runnable::run, followerCounts);
  }

  @AfterEach
  void stop() {
    shipper.close();
    leaderWal.close();
    followerWal.close();
    assertEquals(0, leaderStore.open.get(), "the snapshot is closed");
  }

  @Test
  void shouldResendFromTheFollowersOffsetOnceWhenAChunkIsLost() {
    offerAndAnswer();
    shipper.doWork(now, Long.MAX_VALUE);
    assertEquals(SnapshotShipper.WINDOW_CHUNKS, toFollower.frames.size(), "a bounded window");
    deliverToFollower(); // chunk 0
    toFollower.frames.poll(); // chunk 1 is lost
    deliverAllToFollower(); // chunks 2 and 3: ignored, answered with the offset
    assertEquals(2, followerCounts.total(SnapshotEvent.CHUNK_OUT_OF_ORDER));
    deliverAllToLeader();
    assertEquals(1, leaderCounts.total(SnapshotEvent.GAP), "resent once, not per ack");
    runToInstalled();
    assertEquals(p, followerWal.shard(0).startPosition());
    assertEquals(p, followerWal.shard(0).durablePosition());
    assertEquals(java.util.List.of(p), followerStore.installed);
    long resent = leaderCounts.total(SnapshotEvent.BYTES_RESENT);
    assertTrue(resent <= 3L * CHUNK, "resent " + resent);
    assertNull(shipper.progress(), "done");
  }

  @Test
  void shouldOfferAgainAfterASilenceAndResumeWhereTheFollowerStands() {
    offerAndAnswer();
    shipper.doWork(now, Long.MAX_VALUE);
    deliverAllToFollower(); // four chunks written; their acks are lost (the follower paused)
    toLeader.frames.clear();
    now += ShippingConfig.DEFAULTS.ackTimeoutNanos();
    shipper.doWork(now, Long.MAX_VALUE);
    assertEquals(1, leaderCounts.total(SnapshotEvent.ACK_TIMEOUT));
    assertEquals(FrameDescriptor.SNAPSHOT_OFFER, peek(toFollower).type());
    deliverToFollower(); // the offer again: answered with what the sink holds
    assertEquals(1, followerCounts.total(SnapshotEvent.RECEIVE_RESUMED));
    assertEquals(4L * CHUNK, receiver.progress().bytesDone());
    deliverAllToLeader();
    assertEquals(4L * CHUNK, shipper.progress().bytesDone(), "resumes at the follower's offset");
    runToInstalled();
    assertEquals(0, leaderCounts.total(SnapshotEvent.BYTES_RESENT), "nothing sent twice");
  }

  @Test
  void shouldRestartFromANewOpenWhenTheInstallFails() {
    followerStore.corruptInstalls.set(1);
    offerAndAnswer();
    runToEnd();
    assertEquals(1, followerCounts.total(SnapshotEvent.INSTALL_FAILED));
    assertEquals(1, leaderCounts.total(SnapshotEvent.FOLLOWER_FAILED));
    assertEquals(SnapshotShipper.State.BACKING_OFF, shipper.state());
    assertEquals(0, leaderStore.open.get(), "the failed snapshot is closed");
    now += ShippingConfig.DEFAULTS.initialBackoffNanos();
    shipper.doWork(now, Long.MAX_VALUE); // opens again
    shipper.doWork(now, Long.MAX_VALUE);
    assertEquals(2, leaderCounts.total(SnapshotEvent.OPENED));
    shipper.doWork(now, Long.MAX_VALUE); // offers
    deliverAllToFollower();
    deliverAllToLeader();
    runToInstalled();
    assertEquals(java.util.List.of(p), followerStore.installed);
  }

  @Test
  void shouldCloseTheSinkOnANewLeaderAndIgnoreTheOldLeadersChunks() {
    offerAndAnswer();
    shipper.doWork(now, Long.MAX_VALUE);
    deliverToFollower();
    assertNotNull(receiver.progress());
    receiver.abandon(); // a new epoch
    assertNull(receiver.progress());
    assertEquals(1, followerCounts.total(SnapshotEvent.RECEIVE_ABANDONED));
    toLeader.frames.clear();
    deliverAllToFollower();
    assertTrue(toLeader.frames.isEmpty(), "no answer to a chunk without a sink");
    assertEquals(3, followerCounts.total(SnapshotEvent.UNEXPECTED));
  }

  @Test
  void shouldKeepAtMostTheWindowAndNothingElseForAPeerThatNeverReads() {
    offerAndAnswer();
    toFollower.refuse = SendStatus.BACK_PRESSURED;
    for (int i = 0; i < 100; i++) {
      now += MS;
      shipper.doWork(now, Long.MAX_VALUE);
    }
    assertTrue(toFollower.frames.isEmpty());
    assertEquals(100, leaderCounts.total(SnapshotEvent.BACK_PRESSURED), "once per round");
    assertEquals(0, shipper.progress().bytesDone());
    toFollower.refuse = null;
    runToInstalled();
  }

  @Test
  void shouldWaitForTheQuorumBeforeOfferingUnlessItStandsStill() {
    shipper.doWork(now, 0); // opened
    shipper.doWork(now, 0);
    assertTrue(toFollower.frames.isEmpty(), "not offered while records it covers lack a quorum");
    now += 99 * MS;
    shipper.doWork(now, 0);
    assertTrue(toFollower.frames.isEmpty());
    now += MS;
    shipper.doWork(now, 0);
    assertEquals(FrameDescriptor.SNAPSHOT_OFFER, peek(toFollower).type());
    assertEquals(1, leaderCounts.total(SnapshotEvent.OFFERED_BEYOND_QUORUM));
  }

  private void offerAndAnswer() {
    shipper.doWork(now, Long.MAX_VALUE); // opened (inline)
    shipper.doWork(now, Long.MAX_VALUE); // quorum holds it: offered
    Frame offer = peek(toFollower);
    assertEquals(FrameDescriptor.SNAPSHOT_OFFER, offer.type());
    assertEquals(p, offer.snapshotOfferPosition());
    assertEquals(SIZE, offer.snapshotOfferSize());
    deliverAllToFollower();
    deliverAllToLeader();
    assertEquals(SnapshotShipper.State.STREAMING, shipper.state());
  }

  /** Delivers every frame both ways until the transfer ends; returns when quiet. */
  private void runToEnd() {
    for (int round = 0; round < 1000; round++) {
      shipper.doWork(now, Long.MAX_VALUE);
      boolean moved = !toFollower.frames.isEmpty() || !toLeader.frames.isEmpty();
      deliverAllToFollower();
      SnapshotReceiver.Installed done =
          receiver.doWork(
              followerWal.shard(0).nextPosition() == followerWal.shard(0).durablePosition(),
              L,
              EPOCH);
      moved |=
          done != SnapshotReceiver.Installed.NONE
              || receiver.installing()
              || !toLeader.frames.isEmpty();
      deliverAllToLeader();
      if (!moved && round > 2) {
        return;
      }
    }
  }

  private void runToInstalled() {
    runToEnd();
    assertEquals(SnapshotShipper.State.DONE, shipper.state());
    assertEquals(1, leaderCounts.total(SnapshotEvent.INSTALLED));
  }

  private Frame peek(Wire wire) {
    return decoder.decode(wire.frames.peek().duplicate());
  }

  private void deliverToFollower() {
    Frame f = decoder.decode(toFollower.frames.poll());
    switch (f.type()) {
      case FrameDescriptor.SNAPSHOT_OFFER ->
          receiver.onOffer(
              L,
              f.epoch(),
              f.snapshotOfferPosition(),
              f.snapshotOfferLastEpoch(),
              f.snapshotOfferSize());
      case FrameDescriptor.SNAPSHOT_CHUNK ->
          receiver.onChunk(
              L,
              f.epoch(),
              f.snapshotChunkPosition(),
              f.snapshotChunkOffset(),
              f.snapshotChunkBytes());
      default -> throw new AssertionError(f.toString());
    }
  }

  private void deliverAllToFollower() {
    while (!toFollower.frames.isEmpty()) {
      deliverToFollower();
    }
  }

  private void deliverAllToLeader() {
    while (!toLeader.frames.isEmpty()) {
      Frame f = decoder.decode(toLeader.frames.poll());
      assertEquals(FrameDescriptor.SNAPSHOT_ACK, f.type());
      shipper.onAck(
          f.snapshotAckPosition(),
          f.snapshotAckReceived(),
          f.snapshotAckStatus(),
          f.snapshotAckReason(),
          now);
    }
  }

  /** An endpoint that keeps what is sent, or refuses it. */
  private static final class Wire implements TransportEndpoint {
    private final RegionId local;
    final Deque<ByteBuffer> frames = new ArrayDeque<>();
    SendStatus refuse;

    Wire(RegionId local) {
      this.local = local;
    }

    @Override
    public RegionId local() {
      return local;
    }

    @Override
    public SendStatus send(RegionId to, ByteBuffer frame) {
      if (refuse != null) {
        return refuse;
      }
      ByteBuffer copy = ByteBuffer.allocate(frame.remaining());
      copy.put(frame.duplicate()).flip();
      frames.add(copy);
      return SendStatus.SENT;
    }

    @Override
    public void close() {}
  }
}
