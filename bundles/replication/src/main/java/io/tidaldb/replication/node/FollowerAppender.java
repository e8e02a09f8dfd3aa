package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Appends the WAL batches a region receives as a follower on a thread of their own ({@code
 * tidal-follower-<region>}), so that the transport's delivery thread never waits for a shard's
 * commit thread. A follower's append blocks while the previous replicated batch of its shard is
 * still being written and applied (tens of ms for a large batch on a busy disk); on the delivery
 * thread that held up every frame behind it, heartbeats, votes and the ACKs of the shards this
 * region leads included, and under load leaders lost their leases for no fault at all.
 *
 * <p>Each batch is copied on receipt (the transport reuses its frame buffers) and appended in
 * arrival order; the transport delivers a sender's frames in order, so every shard's batches stay
 * in position order. The queue is bounded by bytes ({@link #MAX_QUEUED_BYTES}); a batch that does
 * not fit is dropped and counted ({@link NodeDrop#FOLLOWER_QUEUE_FULL}), and the follower asks for
 * it again when the next batch shows the gap (or the leader's ack timeout resends it).
 *
 * <p>Failures: an append that throws is counted and logged once per cause ({@link NodeFailures})
 * and the thread goes on with the next batch; if the thread itself dies (an Error), the node's
 * handler makes the region stand aside from every shard (nothing would append what leaders ship).
 *
 * <p>Thread-safety: {@link #offer} from the delivery thread (or any thread); the appender thread
 * does the appends.
 */
final class FollowerAppender implements AutoCloseable {
  /** 64 MiB: far above what leaders keep in flight to one region (1 MiB per shard and follower). */
  static final long MAX_QUEUED_BYTES = 64L << 20;

  private static final long JOIN_MILLIS = 5_000;

  /** Where a shard's received batches go: {@link ShardReplica} (a test's fake in unit tests). */
  interface Target {
    /** Returns the shard index. */
    int shard();

    /** Appends a received batch (the appender's thread). */
    void appendFromLeader(RegionId from, long frameEpoch, ByteBuffer batch);
  }

  private record Item(Target shard, RegionId from, long epoch, ByteBuffer batch) {}

  private final RegionId self;
  private final DropCounters drops;
  private final NodeFailures failures;
  private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  FollowerAppender(RegionId self, DropCounters drops) {
    this(self, drops, new NodeFailures(self, 0, System::nanoTime, (t, e) -> {}));
  }

  FollowerAppender(RegionId self, DropCounters drops, NodeFailures failures) {
    this.self = self;
    this.drops = drops;
    this.failures = failures;
    this.thread = failures.essential("tidal-follower-" + self, this::run);
    thread.start();
  }

  /**
   * Queues a copy of a received batch for {@code shard}.
   *
   * @param shard the shard's replica, which appends it
   * @param from the sender
   * @param epoch the frame's epoch
   * @param batch the batch bytes, valid only during this call
   */
  void offer(Target shard, RegionId from, long epoch, ByteBuffer batch) {
    int length = batch.remaining();
    if (queuedBytes.addAndGet(length) > MAX_QUEUED_BYTES) {
      queuedBytes.addAndGet(-length);
      drops.drop(
          NodeDrop.FOLLOWER_QUEUE_FULL,
          from,
          "a batch of "
              + length
              + " bytes for shard "
              + shard.shard()
              + ": "
              + MAX_QUEUED_BYTES
              + " bytes already wait to be appended");
      return;
    }
    ByteBuffer copy = ByteBuffer.allocate(length).order(batch.order());
    copy.put(batch.duplicate()).flip();
    queue.add(new Item(shard, from, epoch, copy));
  }

  /**
   * Returns how many bytes wait to be appended.
   *
   * @return the bytes queued
   */
  long queuedBytes() {
    return queuedBytes.get();
  }

  private void run() {
    while (running) {
      Item item;
      try {
        item = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (item == null) {
        continue;
      }
      queuedBytes.addAndGet(-item.batch().remaining());
      try {
        item.shard().appendFromLeader(item.from(), item.epoch(), item.batch());
      } catch (RuntimeException e) {
        failures.failed(
            e,
            "appending a batch of shard "
                + item.shard().shard()
                + " from "
                + item.from()
                + " in epoch "
                + item.epoch()
                + " failed; the follower goes on with the next batch");
      }
    }
  }

  /** Stops the thread; batches still queued are dropped (the leader resends from the HWM). */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    queue.clear();
    queuedBytes.set(0);
  }
}
