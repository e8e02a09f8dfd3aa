package io.tidaldb.replication.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.node.ReplicationConfig;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One shipper on a manual clock: the in-flight age bound. */
class WalShipperTest {
  private static final RegionId LEADER = RegionId.of(1);
  private static final RegionId FOLLOWER = RegionId.of(2);
  private static final long MS = 1_000_000L;
  private static final long AGE = 100 * MS;

  @TempDir Path dir;

  private final List<Long> sentEnds = new ArrayList<>();
  private final FrameDecoder decoder = new FrameDecoder(64 << 20);
  private WalEngine wal;
  private ShardLog log;

  @BeforeEach
  void open() {
    wal = WalFixture.open(dir, 1);
    log = wal.shard(0);
  }

  @AfterEach
  void close() {
    wal.close();
  }

  @Test
  void shouldStopSendingWhileTheOldestUnackedBatchIsOlderThanTheAgeBound() {
    WalFixture.appendOneRecordBatches(log, 10, new Random(1));
    ShippingConfig config =
        ShippingConfig.DEFAULTS.withMaxInFlightNanos(AGE).withMaxBytesInFlight(1L << 30);
    WalShipper shipper = new WalShipper(log, FOLLOWER, endpoint(), 0, config);

    shipper.doWork(0);
    assertEquals(10, sentEnds.size(), "young window: everything durable is sent");
    WalFixture.appendOneRecordBatches(log, 2, new Random(2));

    shipper.doWork(AGE); // batch 1 was sent AGE ago and is still unacked
    assertEquals(10, sentEnds.size(), "no batch sent while the oldest is AGE old");
    assertEquals(1, shipper.count(ShipperEvent.WINDOW_AGED));

    shipper.onAck(0, 5); // batches up to position 5 durable on the follower; 6..10 sent at 0
    shipper.doWork(AGE + 1);
    assertEquals(10, sentEnds.size(), "the oldest unacked (sent at 0) is still too old");

    shipper.onAck(0, 10);
    shipper.doWork(AGE + 2);
    assertEquals(12, sentEnds.size(), "all acked: sending resumes");
    assertEquals(List.of(11L, 12L), sentEnds.subList(10, 12));
    assertTrue(shipper.count(ShipperEvent.WINDOW_AGED) >= 2);
  }

  @Test
  void shouldStopBeforeABatchLargerThanTheFollowerTakesInsteadOfFailingEveryRound() {
    WalFixture.appendOneRecordBatches(log, 3, new Random(3));
    ShippingConfig config = ShippingConfig.DEFAULTS.withMaxBytesInFlight(1L << 30);
    WalShipper shipper = new WalShipper(log, FOLLOWER, endpoint(), 0, config);
    shipper.limitBatchBytes(1); // below any batch
    for (long now = 0; now < 10; now++) {
      shipper.doWork(now * MS);
    }
    assertEquals(0, sentEnds.size());
    assertEquals(WalShipper.State.BLOCKED, shipper.state());
    assertEquals(1, shipper.count(ShipperEvent.BATCH_TOO_LARGE), "stopped once, not every round");

    shipper.limitBatchBytes(Long.MAX_VALUE); // the follower now takes them
    shipper.doWork(10 * MS);
    assertEquals(WalShipper.State.STREAMING, shipper.state());
    assertEquals(3, sentEnds.size());
  }

  @Test
  void shouldStopBelowTheLogStartForSnapshotCatchUpInsteadOfFailingEveryRewind() {
    log.resetTo(100, 0); // the log starts at 100: positions below are only in snapshots
    WalFixture.appendOneRecordBatches(log, 3, new Random(4));
    WalShipper shipper = new WalShipper(log, FOLLOWER, endpoint(), 40, ShippingConfig.DEFAULTS);
    for (long now = 0; now < 10; now++) {
      shipper.doWork(now * MS);
    }
    assertEquals(WalShipper.State.BELOW_LOG_START, shipper.state());
    assertEquals(0, sentEnds.size());
    assertEquals(1, shipper.count(ShipperEvent.BELOW_LOG_START), "once, not every round");
    assertEquals(0, shipper.count(ShipperEvent.REWIND_FAILED));

    shipper.onResendRequest(0, 100); // a follower that holds everything below the start
    shipper.doWork(10 * MS);
    assertEquals(WalShipper.State.STREAMING, shipper.state());
    assertEquals(List.of(101L, 102L, 103L), sentEnds);
  }

  @Test
  void shouldStopBelowTheLogStartWhenTheLogIsTrimmedBetweenTheReadersOpenAndItsFirstRead() {
    try (WalEngine small =
        WalEngine.open(
            WalConfig.builder(dir.resolve("small")).shardCount(1).segmentBytes(1024).build())) {
      ShardLog trimmed = small.shard(0);
      WalShipper shipper =
          new WalShipper(trimmed, FOLLOWER, endpoint(), 0, ShippingConfig.DEFAULTS);
      shipper.doWork(0); // opens its reader at 0 on the empty log: nothing to read yet
      WalFixture.appendOneRecordBatches(trimmed, 200, new Random(5));
      assertTrue(trimmed.truncateBefore(150) > 0, "segments below 150 removed");
      // the reader opened at 0 locates on its first batch: it used to throw out of doWork, a
      // failed round of the replication thread (SnapshotCatchUpTest, under load)
      shipper.doWork(MS);
      assertEquals(WalShipper.State.BELOW_LOG_START, shipper.state());
      assertEquals(1, shipper.count(ShipperEvent.BELOW_LOG_START));
      assertEquals(0, sentEnds.size());
    }
  }

  @Test
  void shouldLowerTheAgeBoundToHalfTheElectionTimeout() {
    ShippingConfig shipping = ShippingConfig.DEFAULTS.withMaxInFlightNanos(10_000 * MS);
    ReplicationConfig config =
        new ReplicationConfig(
            LEADER,
            List.of(LEADER, FOLLOWER),
            dir,
            Duration.ofMillis(20),
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            shipping,
            Duration.ofMillis(1),
            Duration.ZERO);
    assertEquals(50 * MS, config.shipping().maxInFlightNanos());
  }

  private TransportEndpoint endpoint() {
    return new TransportEndpoint() {
      @Override
      public RegionId local() {
        return LEADER;
      }

      @Override
      public SendStatus send(RegionId to, ByteBuffer frame) {
        Frame f = decoder.decode(frame.duplicate());
        assertEquals(FrameDescriptor.WAL_BATCH, f.type());
        ByteBuffer batch = f.walBatch();
        sentEnds.add(BatchHeader.firstPosition(batch) + BatchHeader.recordCount(batch));
        return SendStatus.SENT;
      }

      @Override
      public void close() {}
    };
  }
}
