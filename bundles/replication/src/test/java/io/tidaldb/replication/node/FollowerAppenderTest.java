package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The follower's append thread: never blocks the caller, keeps order, bounds its queue. */
class FollowerAppenderTest {
  private static final RegionId SELF = RegionId.of(2);
  private static final RegionId LEADER = RegionId.of(1);

  /** A shard whose appends wait for a latch, recording each batch's first byte. */
  private static final class BlockedShard implements FollowerAppender.Target {
    final CountDownLatch release = new CountDownLatch(1);
    final List<Integer> appended = new CopyOnWriteArrayList<>();

    @Override
    public int shard() {
      return 0;
    }

    @Override
    public void appendFromLeader(RegionId from, long frameEpoch, ByteBuffer batch) {
      try {
        assertTrue(release.await(30, TimeUnit.SECONDS), "never released");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      appended.add((int) batch.get(batch.position()));
    }
  }

  @Test
  void shouldQueueWithoutBlockingWhileAnAppendWaitsAndAppendInArrivalOrder() {
    DropCounters drops = new DropCounters(SELF);
    BlockedShard shard = new BlockedShard();
    try (FollowerAppender appender = new FollowerAppender(SELF, drops)) {
      ByteBuffer frame = ByteBuffer.allocate(1000);
      for (int i = 0; i < 50; i++) {
        frame.clear();
        frame.put(0, (byte) i);
        appender.offer(shard, LEADER, 1, frame); // the first append blocks; offers must not
        frame.put(0, (byte) -1); // the transport reuses its buffer: the appender kept a copy
      }
      assertTrue(appender.queuedBytes() >= 49 * 1000, "queued " + appender.queuedBytes());

      shard.release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> shard.appended.size() == 50);
      for (int i = 0; i < 50; i++) {
        assertEquals(i, shard.appended.get(i));
      }
      assertEquals(0, appender.queuedBytes());
    }
  }

  @Test
  void shouldDropAndCountABatchThatDoesNotFitTheQueue() {
    DropCounters drops = new DropCounters(SELF);
    BlockedShard shard = new BlockedShard();
    try (FollowerAppender appender = new FollowerAppender(SELF, drops)) {
      int big = (int) (FollowerAppender.MAX_QUEUED_BYTES / 4);
      for (int i = 0; i < 6; i++) {
        appender.offer(shard, LEADER, 1, ByteBuffer.allocate(big));
      }
      // one is being appended (out of the queue), four fill it, the sixth does not fit
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> drops.count(NodeDrop.FOLLOWER_QUEUE_FULL) >= 1);
      assertTrue(appender.queuedBytes() <= FollowerAppender.MAX_QUEUED_BYTES);
      shard.release.countDown();
    }
  }
}
