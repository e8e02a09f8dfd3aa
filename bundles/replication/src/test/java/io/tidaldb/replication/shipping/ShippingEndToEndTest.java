package io.tidaldb.replication.shipping;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.transport.inprocess.InProcessConfig;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One leader and two followers over real WALs and the in-process transport. */
class ShippingEndToEndTest {
  private static final RegionId LEADER = RegionId.of(1);
  private static final RegionId F2 = RegionId.of(2);
  private static final RegionId F3 = RegionId.of(3);
  private static final int SHARD = 0;
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

  @TempDir Path leaderDir;
  @TempDir Path dir2;
  @TempDir Path dir3;

  private final Random random = new Random(WalFixture.seed());
  private InProcessTransport transport;
  private WalEngine leaderWal;
  private WalEngine wal2;
  private WalEngine wal3;
  private FollowerDb follower2;
  private WalShipper shipper2;
  private WalShipper shipper3;
  private QuorumTracker tracker;
  private final OrderCheck order2 = new OrderCheck();
  private final OrderCheck order3 = new OrderCheck();

  /** A commit listener that checks every batch arrives once, in order. */
  static final class OrderCheck {
    private volatile long next;
    private volatile boolean broken;
    private volatile int batches;

    void onCommit(WalBatch b) {
      if (b.firstPosition() != next) {
        broken = true;
      }
      next = b.firstPosition() + b.recordCount();
      batches++;
    }
  }

  /** The leader's frames; its monitor makes the test thread and the delivery thread one owner. */
  private ShippingDispatcher leaderIn;

  private ShippingDispatcher in2;
  private ShippingDispatcher in3;

  private void start(InProcessConfig config) {
    transport = new InProcessTransport(config);
    leaderWal = WalFixture.open(leaderDir, 1);
    wal2 = WalFixture.open(dir2, 1);
    wal3 = WalFixture.open(dir3, 1);
    wal2.shard(SHARD).setCommitListener(order2::onCommit);
    wal3.shard(SHARD).setCommitListener(order3::onCommit);
    int maxBody = 4 << 20;
    leaderIn = new ShippingDispatcher(maxBody);
    in2 = new ShippingDispatcher(maxBody);
    in3 = new ShippingDispatcher(maxBody);
    TransportEndpoint leaderEp = transport.open(LEADER, leaderIn);
    follower2 = new FollowerDb(wal2.shard(SHARD), transport.open(F2, in2));
    FollowerDb follower3 = new FollowerDb(wal3.shard(SHARD), transport.open(F3, in3));
    in2.register(follower2);
    in3.register(follower3);
    ShardLog log = leaderWal.shard(SHARD);
    shipper2 = new WalShipper(log, F2, leaderEp, 0, ShippingConfig.DEFAULTS);
    shipper3 = new WalShipper(log, F3, leaderEp, 0, ShippingConfig.DEFAULTS);
    leaderIn.register(shipper2);
    leaderIn.register(shipper3);
    tracker = new QuorumTracker(SHARD, List.of(LEADER, F2, F3), LEADER);
    leaderIn.register(SHARD, tracker);
  }

  @AfterEach
  void close() {
    if (transport != null) {
      transport.close();
    }
    for (AutoCloseable c : List.of(shipper2, shipper3, leaderWal, wal2, wal3)) {
      try {
        c.close();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  private void append(int records, int batches) {
    ShardLog log = leaderWal.shard(SHARD);
    for (int i = 0; i < batches; i++) {
      long last = WalFixture.appendSignals(log, records / batches, random);
      log.awaitDurable(last, WalFixture.TIMEOUT);
    }
  }

  private void drive(BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + DEADLINE_NANOS;
    while (!done.getAsBoolean()) {
      long now = System.nanoTime();
      assertTrue(now - deadline < 0, "not reached within 30 s: " + what);
      int work;
      synchronized (leaderIn) {
        tracker.onLeaderDurable(leaderWal.shard(SHARD).durablePosition());
        work = shipper2.doWork(now) + shipper3.doWork(now) + tracker.expire(now);
      }
      work += in2.flushAcks() + in3.flushAcks();
      if (work == 0) {
        Thread.onSpinWait();
      }
    }
  }

  private boolean complete() {
    long end = leaderWal.shard(SHARD).durablePosition();
    synchronized (leaderIn) {
      return wal2.shard(SHARD).durablePosition() == end
          && wal3.shard(SHARD).durablePosition() == end
          && tracker.allPosition() == end;
    }
  }

  private void assertIdenticalAndOrdered() throws Exception {
    long end = leaderWal.shard(SHARD).durablePosition();
    assertEquals(end, order2.next);
    assertEquals(end, order3.next);
    assertTrue(!order2.broken && !order3.broken, "a follower saw a batch out of order or twice");
    byte[] leaderBytes = WalFixture.segmentBytes(leaderDir, SHARD);
    assertArrayEquals(leaderBytes, WalFixture.segmentBytes(dir2, SHARD));
    assertArrayEquals(leaderBytes, WalFixture.segmentBytes(dir3, SHARD));
  }

  @Test
  void shouldShipTenThousandRecordsToBothFollowersByteForByte() throws Exception {
    start(InProcessConfig.DEFAULTS);
    CompletableFuture<Void> all;
    synchronized (leaderIn) {
      all = tracker.whenDurable(10_000, Durability.ALL, System.nanoTime(), DEADLINE_NANOS);
    }
    append(10_000, 8);
    drive(this::complete, "both followers complete");
    assertEquals(10_001, leaderWal.shard(SHARD).durablePosition());
    assertEquals(10_001, tracker.reached(Durability.QUORUM));
    assertEquals(10_001, shipper2.followerHwm());
    // the tracker completes its futures after releasing its lock, on the thread that delivered the
    // last ack: the positions can be seen before the future is done, so wait for it with a deadline
    all.get(DEADLINE_NANOS, TimeUnit.NANOSECONDS);
    assertTrue(order2.batches >= 8, "batches seen: " + order2.batches);
    assertIdenticalAndOrdered();
  }

  @Test
  void shouldResendFromTheHwmAfterACutLink() throws Exception {
    start(InProcessConfig.DEFAULTS);
    append(2_000, 4);
    drive(this::complete, "first part");
    transport.cut(LEADER, F2);
    append(2_000, 4);
    drive(
        () ->
            shipper2.count(ShipperEvent.UNREACHABLE) > 0
                && shipper3.followerHwm() == leaderWal.shard(SHARD).durablePosition()
                && tracker.reached(Durability.QUORUM) == leaderWal.shard(SHARD).durablePosition(),
        "follower 3 complete (acked) while follower 2 is cut off");
    assertTrue(tracker.reached(Durability.ALL) < tracker.reached(Durability.QUORUM));
    append(2_000, 4);
    transport.heal(LEADER, F2);
    drive(this::complete, "follower 2 catches up after the heal");
    assertTrue(shipper2.count(ShipperEvent.RECONNECT) > 0);
    assertEquals(0, follower2.count(FollowerEvent.REFUSED));
    assertIdenticalAndOrdered();
  }

  @Test
  void shouldLoseNothingUnderBackPressure() throws Exception {
    start(InProcessConfig.DEFAULTS.withQueueFrames(1));
    for (int i = 0; i < 40; i++) {
      append(50, 1);
    }
    drive(this::complete, "complete through a one-frame queue");
    assertTrue(
        shipper2.count(ShipperEvent.BACK_PRESSURED) + shipper3.count(ShipperEvent.BACK_PRESSURED)
            > 0,
        "the tiny queue pushed back");
    assertIdenticalAndOrdered();
  }
}
