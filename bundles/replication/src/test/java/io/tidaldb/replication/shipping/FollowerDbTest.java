package io.tidaldb.replication.shipping;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower fed batches directly: order, duplicates, gaps and stale epochs. */
class FollowerDbTest {
  private static final RegionId LEADER = RegionId.of(1);
  private static final RegionId FOLLOWER = RegionId.of(2);
  private static final int SHARD = 0;

  @TempDir Path leaderDir;
  @TempDir Path otherDir;
  @TempDir Path followerDir;

  private final InProcessTransport transport = new InProcessTransport();
  private final BlockingQueue<byte[]> toLeader = new LinkedBlockingQueue<>();
  private final FrameDecoder decoder = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  private final Random random = new Random(WalFixture.seed());
  private WalEngine leaderWal;
  private WalEngine followerWal;
  private FollowerDb follower;

  @BeforeEach
  void open() {
    transport.open(
        LEADER,
        (from, f) -> {
          byte[] copy = new byte[f.remaining()];
          f.duplicate().get(copy);
          toLeader.add(copy);
        });
    TransportEndpoint endpoint = transport.open(FOLLOWER, (from, f) -> {});
    leaderWal = WalFixture.open(leaderDir, 1);
    followerWal = WalFixture.open(followerDir, 1);
    follower = new FollowerDb(followerWal.shard(SHARD), endpoint);
  }

  @AfterEach
  void close() {
    transport.close();
    leaderWal.close();
    followerWal.close();
  }

  @Test
  void shouldApplyInOrderAndAckTheDurableHwmOncePerFlush() throws InterruptedException {
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 3, random);
    List<ByteBuffer> batches = WalFixture.batches(leaderWal.shard(SHARD));
    for (ByteBuffer b : batches) {
      feed(LEADER, 0, b);
    }
    assertEquals(3, follower.count(FollowerEvent.APPLIED));
    assertEquals(3, ackOnceDurable(3).ackHwm(), "one ACK per flush, of the durable HWM");
    assertEquals(0, follower.flushAcks(), "nothing new durable: no ACK");
    assertEquals(3, follower.durableHwm());
  }

  @Test
  void shouldIgnoreDuplicatesAndReackTheHwm() throws InterruptedException {
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 2, random);
    List<ByteBuffer> batches = WalFixture.batches(leaderWal.shard(SHARD));
    feed(LEADER, 0, batches.get(0));
    assertEquals(1, ackOnceDurable(1).ackHwm());
    feed(LEADER, 0, batches.get(0));
    assertEquals(1, follower.count(FollowerEvent.DUPLICATE));
    assertEquals(1, follower.count(FollowerEvent.APPLIED));
    assertEquals(1, next(FrameDescriptor.ACK).ackHwm(), "the duplicate is answered by a re-ack");
    feed(LEADER, 0, batches.get(1));
    assertEquals(2, follower.count(FollowerEvent.APPLIED));
    assertEquals(2, ackOnceDurable(2).ackHwm());
  }

  /**
   * A region that took a leader's batches and then entered a newer epoch (it votes, runs for leader
   * or follows another) must not acknowledge its log to that leader again: the ACK would carry the
   * newer epoch, so a leader of that epoch (here the same region, re-elected) would count records
   * only this region holds, such as its own writes as a leader in between. The data-path
   * simulation's seed 141: the new leader took such an ACK as the follower's HWM and ignored its
   * resend requests from below it, so the follower never caught up.
   */
  @Test
  void shouldNotAcknowledgeTheLastLeaderAgainAfterEnteringANewerEpoch()
      throws InterruptedException {
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 1, random);
    feed(LEADER, 0, WalFixture.batches(leaderWal.shard(SHARD)).get(0));
    assertEquals(1, ackOnceDurable(1).ackHwm());
    follower.enterEpoch(1); // this region runs for epoch 1, wins, and writes
    ShardLog own = followerWal.shard(SHARD);
    long position = own.appendSignal(1, 7, 1.0, 1_700_000_000_000L, 1, FOLLOWER.value());
    own.awaitDurable(position, TimeUnit.SECONDS.toNanos(10));
    assertEquals(0, follower.flushAcks(), "no ACK of epoch 1 to the leader of epoch 0");
    follower.onLeaderHeartbeat(LEADER, 1);
    assertTrue(toLeader.isEmpty(), "nor on its heartbeat");
  }

  @Test
  void shouldAnswerAGapWithOneResendRequest() throws InterruptedException {
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 4, random);
    List<ByteBuffer> batches = WalFixture.batches(leaderWal.shard(SHARD));
    feed(LEADER, 0, batches.get(0));
    assertEquals(1, ackOnceDurable(1).ackHwm());
    feed(LEADER, 0, batches.get(2));
    feed(LEADER, 0, batches.get(3));
    assertEquals(2, follower.count(FollowerEvent.GAP));
    assertEquals(1, follower.count(FollowerEvent.RESEND_SUPPRESSED));
    assertEquals(1, next(FrameDescriptor.RESEND_REQUEST).resendFrom());
    for (int i = 1; i < 4; i++) {
      feed(LEADER, 0, batches.get(i));
    }
    assertEquals(4, follower.count(FollowerEvent.APPLIED));
    await().atMost(Duration.ofSeconds(10)).until(() -> follower.durableHwm() == 4);
  }

  @Test
  void shouldRejectAStaleEpochAndKeepApplyingTheCurrentOne() {
    // A leads epoch 1 and keeps going after being deposed; B leads epoch 2 from position 1.
    ShardLog a = leaderWal.shard(SHARD);
    a.advanceEpoch(1);
    WalFixture.appendOneRecordBatches(a, 3, random);
    try (WalEngine otherWal = WalFixture.open(otherDir, 1)) {
      ShardLog b = otherWal.shard(SHARD);
      b.advanceEpoch(1);
      WalFixture.appendOneRecordBatches(b, 1, random);
      b.advanceEpoch(2);
      WalFixture.appendOneRecordBatches(b, 2, random);
      List<ByteBuffer> fromA = WalFixture.batches(a);
      List<ByteBuffer> fromB = WalFixture.batches(b);

      feed(LEADER, 1, fromA.get(0));
      feed(RegionId.of(3), 2, fromB.get(1));
      assertEquals(2, follower.highestEpoch());
      feed(LEADER, 1, fromA.get(2)); // right position, deposed epoch
      assertEquals(1, follower.count(FollowerEvent.STALE_EPOCH));
      feed(RegionId.of(3), 2, fromB.get(2));
      assertEquals(3, follower.count(FollowerEvent.APPLIED));
      await().atMost(Duration.ofSeconds(10)).until(() -> follower.durableHwm() == 3);
      assertEquals(
          List.of(fromA.get(0), fromB.get(1), fromB.get(2)),
          WalFixture.batches(followerWal.shard(SHARD)));
    }
  }

  @Test
  void shouldCountMalformedBatchesAndKeepServing() {
    feed(LEADER, 0, ByteBuffer.allocate(10));
    feed(LEADER, 0, ByteBuffer.allocate(200));
    assertEquals(2, follower.count(FollowerEvent.MALFORMED));
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 1, random);
    ByteBuffer good = WalFixture.batches(leaderWal.shard(SHARD)).get(0);
    feed(LEADER, 5, good); // frame epoch differs from the batch's
    assertEquals(3, follower.count(FollowerEvent.MALFORMED));
    feed(LEADER, 0, good);
    assertEquals(1, follower.count(FollowerEvent.APPLIED));
  }

  @Test
  void shouldAskForAResendOfACorruptOrTruncatedBatchAndApplyTheGoodCopy()
      throws InterruptedException {
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 2, random);
    List<ByteBuffer> batches = WalFixture.batches(leaderWal.shard(SHARD));
    feed(LEADER, 0, batches.get(0));
    assertEquals(1, ackOnceDurable(1).ackHwm());

    ByteBuffer good = batches.get(1);
    ByteBuffer corrupt = copy(good);
    int lastPayloadByte = corrupt.limit() - 1;
    corrupt.put(lastPayloadByte, (byte) (corrupt.get(lastPayloadByte) ^ 0x01)); // CRC mismatch
    feed(LEADER, 0, corrupt);
    assertEquals(1, follower.count(FollowerEvent.REFUSED));
    assertEquals(1, next(FrameDescriptor.RESEND_REQUEST).resendFrom());

    ByteBuffer truncated = copy(good).limit(good.remaining() - 3);
    feed(LEADER, 0, truncated);
    assertEquals(2, follower.count(FollowerEvent.REFUSED));
    assertEquals(1, follower.count(FollowerEvent.RESEND_SUPPRESSED), "asked once per position");

    feed(LEADER, 0, good);
    assertEquals(2, follower.count(FollowerEvent.APPLIED));
    assertEquals(2, ackOnceDurable(2).ackHwm());
    assertEquals(List.of(batches.get(0), good), WalFixture.batches(followerWal.shard(SHARD)));
  }

  @Test
  void shouldAskForALostTailOnceAHeartbeatFindsNothingArrivedSinceThePrevious()
      throws InterruptedException {
    WalFixture.appendOneRecordBatches(leaderWal.shard(SHARD), 3, random);
    List<ByteBuffer> batches = WalFixture.batches(leaderWal.shard(SHARD));
    feed(LEADER, 0, batches.get(0)); // batches 1 and 2 are lost: no later batch shows the gap
    assertEquals(1, ackOnceDurable(1).ackHwm());
    follower.onLeaderHeartbeat(LEADER, 3);
    assertEquals(1, next(FrameDescriptor.ACK).ackHwm(), "a lost ACK would cost one interval");
    assertEquals(0, follower.count(FollowerEvent.TAIL_RESEND), "the first look only notes 1");
    follower.onLeaderHeartbeat(LEADER, 3);
    assertEquals(1, next(FrameDescriptor.RESEND_REQUEST).resendFrom());
    assertEquals(1, follower.count(FollowerEvent.TAIL_RESEND));
    feed(LEADER, 0, batches.get(1)); // the resend arrives
    follower.onLeaderHeartbeat(LEADER, 3);
    assertEquals(1, follower.count(FollowerEvent.TAIL_RESEND), "the log moved: not asked again");
  }

  @Test
  void shouldNeitherAskNorAckOnAHeartbeatBeforeTakingABatchOrWhenNotBehind() {
    follower.onLeaderHeartbeat(LEADER, 0);
    follower.onLeaderHeartbeat(LEADER, 0);
    assertEquals(0, follower.count(FollowerEvent.TAIL_RESEND));
    assertEquals(0, follower.count(FollowerEvent.ACK_SENT), "the epoch sync acks until then");
    assertTrue(toLeader.isEmpty());
  }

  @Test
  void shouldAskForAResendOfAMalformedHeader() throws InterruptedException {
    feed(LEADER, 0, ByteBuffer.allocate(10));
    assertEquals(1, follower.count(FollowerEvent.MALFORMED));
    assertEquals(0, next(FrameDescriptor.RESEND_REQUEST).resendFrom());
  }

  private void feed(RegionId from, long epoch, ByteBuffer batch) {
    FollowerFeed.offer(follower, from, epoch, batch);
  }

  /** The ACK the follower sends once its log has {@code hwm} durable and it flushes. */
  private Frame ackOnceDurable(long hwm) throws InterruptedException {
    FollowerFeed.flushWhenDurable(follower, hwm);
    return next(FrameDescriptor.ACK);
  }

  private static ByteBuffer copy(ByteBuffer batch) {
    ByteBuffer copy = ByteBuffer.allocate(batch.remaining());
    copy.put(batch.duplicate()).flip();
    return copy;
  }

  private Frame next(short type) throws InterruptedException {
    byte[] bytes = toLeader.poll(10, TimeUnit.SECONDS);
    assertNotNull(bytes, "no frame within 10 s");
    Frame f = decoder.decode(ByteBuffer.wrap(bytes));
    assertEquals(FrameDescriptor.typeName(type), FrameDescriptor.typeName(f.type()));
    return f;
  }
}
