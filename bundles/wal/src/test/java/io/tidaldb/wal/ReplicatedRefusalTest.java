package io.tidaldb.wal;

import static io.tidaldb.wal.ReplicaTestSupport.batchesOf;
import static io.tidaldb.wal.ReplicaTestSupport.copy;
import static io.tidaldb.wal.ReplicaTestSupport.end;
import static io.tidaldb.wal.ReplicaTestSupport.follow;
import static io.tidaldb.wal.ReplicaTestSupport.resealed;
import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.ShardLog;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal of {@link ShardLog#appendReplicated} names the values involved and leaves the log
 * unchanged and appendable (invariants I5 and I7).
 */
class ReplicatedRefusalTest {
  @TempDir Path dir;
  private WalEngine followerWal;
  private ShardLog follower;
  private List<ByteBuffer> shipped;

  @BeforeEach
  void followTwoBatchesOfALeader() {
    WalConfig leaderConfig =
        WalTestSupport.small(dir.resolve("leader"))
            .groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS)
            .build();
    for (int i = 0; i < 4; i++) {
      try (WalEngine leaderWal = WalEngine.open(leaderConfig)) {
        leaderWal.shard(0).advanceEpoch(4);
        for (int r = 0; r < 5; r++) {
          leaderWal.shard(0).appendSignal(r, r, r, r, r, 0);
        }
      } // close() commits the five as one batch
    }
    try (WalEngine leaderWal = WalEngine.open(leaderConfig)) {
      shipped = batchesOf(leaderWal.shard(0), 0);
    }
    assertEquals(4, shipped.size());
    followerWal = WalEngine.open(WalTestSupport.small(dir.resolve("follower")).build());
    follower = followerWal.shard(0);
    follow(follower, shipped.subList(0, 2));
  }

  @AfterEach
  void close() {
    followerWal.close();
  }

  /** Asserts the refusal names every fragment, then that the log is unchanged and appendable. */
  private void assertRefused(ByteBuffer batch, String... fragments) {
    long next = follower.nextPosition();
    long epoch = follower.epoch();
    int position = batch.position();
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> follower.appendReplicated(batch));
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), e.getMessage() + " names " + fragment);
    }
    assertEquals(position, batch.position(), "the caller's buffer is left as it was");
    assertEquals(next, follower.nextPosition());
    assertEquals(next, follower.durablePosition());
    assertEquals(epoch, follower.epoch());
    for (ByteBuffer following : shipped) {
      if (ReplicaTestSupport.firstPosition(following) == next) {
        follow(follower, List.of(following));
        assertEquals(end(following), follower.durablePosition(), "still appendable");
        return;
      }
    }
    long local = follower.appendSignal(1, 2, 3.0, 4, 5, 0);
    follower.awaitDurable(local, WAIT_NANOS);
    assertEquals(next, local, "still appendable");
  }

  @Test
  void shouldRefuseGapNamingExpectedAndActualPosition() {
    assertRefused(shipped.get(3), "gap", "expects a batch at position 10", "got one at 15");
  }

  @Test
  void shouldRefuseDuplicateNamingExpectedAndActualPosition() {
    assertRefused(shipped.get(1), "duplicate", "at position 10", "got one at 5");
  }

  @Test
  void shouldRefuseStaleEpochNamingBothEpochs() {
    ByteBuffer stale = resealed(shipped.get(2), b -> b.putLong(BatchDescriptor.EPOCH_OFFSET, 3));
    assertRefused(stale, "stale", "epoch 4", "carries epoch 3");
  }

  @Test
  void shouldRefuseABatchBelowTheLastRecordsEpochAlthoughTheLogsEpochWasRaised() {
    follower.advanceEpoch(9);
    ByteBuffer stale = resealed(shipped.get(2), b -> b.putLong(BatchDescriptor.EPOCH_OFFSET, 3));
    assertRefused(stale, "stale", "has epoch 4", "carries epoch 3");
  }

  @Test
  void shouldTakeTheNewLeadersOlderEpochAfterBeingElectedAndDeposedWithoutWriting() {
    // elected leader of epoch 9 while behind (advanceEpoch, no record of 9), then deposed: the new
    // leader of a later epoch ships the epoch-4 records this log lacks
    follower.advanceEpoch(9);
    follow(follower, shipped.subList(2, 4));
    assertEquals(end(shipped.get(3)), follower.durablePosition());
    assertEquals(4, follower.lastEpoch());
    assertEquals(9, follower.epoch(), "the log's epoch never goes down");
  }

  @Test
  void shouldTakeAnOlderEpochThanTheCutSuffixHad() {
    // the follower holds [e4: 0..10)[e6: 10..15); its new leader's log continues at 10 with e5
    follow(
        follower,
        List.of(resealed(shipped.get(2), b -> b.putLong(BatchDescriptor.EPOCH_OFFSET, 6))));
    assertEquals(6, follower.lastEpoch());
    assertEquals(5, follower.truncateFrom(10));
    assertEquals(4, follower.lastEpoch());
    follow(
        follower,
        List.of(resealed(shipped.get(2), b -> b.putLong(BatchDescriptor.EPOCH_OFFSET, 5))));
    assertEquals(15, follower.durablePosition());
    assertEquals(5, follower.lastEpoch());
  }

  @Test
  void shouldRefuseBatchOfAnotherShard() {
    ByteBuffer other = resealed(shipped.get(2), b -> b.putInt(BatchDescriptor.SHARD_OFFSET, 5));
    assertRefused(other, "belongs to shard 5, not 0");
  }

  @Test
  void shouldRefuseCrcMismatch() {
    ByteBuffer flipped = copy(shipped.get(2));
    int at = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_WEIGHT_OFFSET;
    flipped.put(at, (byte) (flipped.get(at) ^ 1));
    assertRefused(flipped, "CRC32C mismatch", "stored 0x", "computed 0x");
  }

  @Test
  void shouldRefuseTruncatedBuffers() {
    ByteBuffer batch = shipped.get(2);
    assertRefused(batch.slice(0, batch.remaining() - 1), "header claims 205", "holds 204");
    assertRefused(batch.slice(0, 30), "30 bytes", "truncated");
  }

  @Test
  void shouldRefuseMalformedRecordPayload() {
    int secondRecord = BatchDescriptor.HEADER_LENGTH + RecordDescriptor.SIGNAL_LENGTH;
    ByteBuffer unknownKind = resealed(shipped.get(2), b -> b.put(secondRecord, (byte) 9));
    assertRefused(unknownKind, "record 1 of 5", "malformed");
    ByteBuffer overCounted =
        resealed(shipped.get(2), b -> b.putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 6));
    assertRefused(overCounted, "record 5 of 6");
    ByteBuffer noRecords =
        resealed(shipped.get(2), b -> b.putInt(BatchDescriptor.RECORD_COUNT_OFFSET, 0));
    assertRefused(noRecords, "record count 0");
  }

  @Test
  void shouldRefuseEverySingleBitFlip() {
    long seed = WalTestSupport.seed("shouldRefuseEverySingleBitFlip");
    Random random = new Random(seed);
    ByteBuffer batch = shipped.get(2);
    for (int i = 0; i < 200; i++) {
      ByteBuffer flipped = copy(batch);
      int at = random.nextInt(flipped.remaining());
      int bit = random.nextInt(8);
      flipped.put(at, (byte) (flipped.get(at) ^ (1 << bit)));
      String flip = "seed " + seed + ", byte " + at + ", bit " + bit;
      assertThrows(InvalidArgumentException.class, () -> follower.appendReplicated(flipped), flip);
      assertEquals(end(shipped.get(1)), follower.nextPosition(), flip);
    }
    follow(follower, shipped.subList(2, 4));
  }

  @Test
  void shouldRefuseReplicatedBatchWhileLocalAppendsArePendingAndLocalWhileReplicatedArePending()
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    follower.setCommitListener(b -> await(release));
    long local = follower.appendSignal(1, 2, 3.0, 4, 5, 0);
    ByteBuffer atNext =
        resealed(shipped.get(2), b -> b.putLong(BatchDescriptor.FIRST_POSITION_OFFSET, local + 1));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> follower.appendReplicated(atNext));
    assertTrue(e.getMessage().contains("1 local records pending"), e.getMessage());
    release.countDown();
    follower.awaitDurable(local, WAIT_NANOS);
    assertEquals(local + 1, follower.nextPosition(), "the local record stays");

    // The leader's batch at the follower's position: held in the listener, local appends refused.
    CountDownLatch hold = new CountDownLatch(1);
    follower.setCommitListener(b -> await(hold));
    long end = follower.appendReplicated(atNext);
    assertEquals(local + 6, end);
    InvalidArgumentException refusal =
        assertThrows(
            InvalidArgumentException.class, () -> follower.appendSignal(1, 2, 3.0, 4, 5, 0));
    assertTrue(refusal.getMessage().contains("5 replicated records pending"), refusal.getMessage());
    assertEquals(end, follower.nextPosition());
    hold.countDown();
    follower.awaitDurable(end - 1, WAIT_NANOS);
    assertEquals(end, follower.appendSignal(1, 2, 3.0, 4, 5, 0), "local appends resume");
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
