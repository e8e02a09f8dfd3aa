package io.tidaldb.replication.shipping;

import static org.awaitility.Awaitility.await;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * Test fixture: feeds a {@link FollowerDb} as its owner (the replication thread) does. A batch the
 * log cannot take yet ({@code ShardLog#BUSY}) is offered again until it is taken or refused, and
 * ACKs go out when the test flushes them, once the log made the batches durable.
 */
public final class FollowerFeed {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private FollowerFeed() {}

  /**
   * Offers a batch until the follower takes or refuses it.
   *
   * @param db the follower
   * @param from the sender
   * @param epoch the frame's epoch
   * @param batch the batch
   */
  public static void offer(FollowerDb db, RegionId from, long epoch, ByteBuffer batch) {
    await()
        .atMost(DEADLINE)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1))
        .until(() -> db.onWalBatch(from, epoch, batch.duplicate()));
  }

  /**
   * Waits until the follower's log is durable up to {@code hwm}, then flushes its ACK.
   *
   * @param db the follower
   * @param hwm the durable bound to wait for
   */
  public static void flushWhenDurable(FollowerDb db, long hwm) {
    await().atMost(DEADLINE).until(() -> db.durableHwm() >= hwm);
    db.flushAcks();
  }
}
