package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 3: a leader's durability waits are handed to its replication thread, which owns the
 * quorum tracker. A store thread never waits for it: a level already reached completes at once, a
 * wait handed over after a step-down fails at once when the owner takes it, and a full hand-over
 * queue fails the wait with an error naming the bound.
 */
class LeaderWaitsTest {
  private static final RegionId A = RegionId.of(0);
  private static final RegionId B = RegionId.of(1);
  private static final List<RegionId> REGIONS = List.of(A, B, RegionId.of(2));

  @TempDir Path dir;
  private WalEngine wal;
  private ShardLog log;
  private LeaderSide leader;
  private final AtomicInteger wakes = new AtomicInteger();

  @BeforeEach
  void start() {
    wal = WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(1).build());
    log = wal.shard(0);
    ReplicationConfig config = ReplicationConfig.defaults(A, REGIONS, dir.resolve("epochs"));
    leader = new LeaderSide(0, config, log, new Discarding(), wakes::incrementAndGet);
    leader.activate(1);
    long position = log.appendDefine(1, "acme", "view");
    log.awaitDurable(position, TimeUnit.SECONDS.toNanos(10));
  }

  @AfterEach
  void stop() {
    wal.close();
  }

  @Test
  void shouldCompleteALevelAlreadyReachedWithoutTheOwner() {
    assertTrue(leader.whenStored(0, Durability.LOCAL, 0).isDone());
    assertEquals(0, wakes.get(), "nothing handed over");
  }

  @Test
  void shouldHandAWaitToTheOwnerAndCompleteItThereOnceAQuorumHoldsTheRecord() {
    CompletableFuture<Void> quorum = leader.whenStored(0, Durability.QUORUM, 0);
    assertEquals(1, wakes.get(), "the owner was woken");
    assertFalse(quorum.isDone());
    assertEquals(1, leader.drainWaits());
    leader.onAck(B, 1, 0, 1); // B's sync ack starts its shipper
    assertFalse(quorum.isDone());
    leader.onAck(B, 1, 1, 1);
    assertTrue(quorum.isDone());
    assertFalse(quorum.isCompletedExceptionally());
  }

  @Test
  void shouldFailAWaitHandedOverBeforeAStepDownWhenTheOwnerTakesIt() {
    CompletableFuture<Void> quorum = leader.whenStored(0, Durability.QUORUM, 0);
    leader.stepDown("region-1 leads epoch 2");
    assertFalse(quorum.isDone(), "still on its way to the owner");
    leader.drainWaits();
    ExecutionException e = assertThrows(ExecutionException.class, quorum::get);
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertTrue(u.mayBeStored());
    assertTrue(u.getMessage().contains("region-1 leads epoch 2"), u.getMessage());
  }

  @Test
  void shouldFailAWaitAtOnceNamingTheBoundWhenTheHandOverQueueIsFull() {
    for (int i = 0; i < LeaderSide.WAIT_QUEUE; i++) {
      leader.whenStored(0, Durability.ALL, 0);
    }
    CompletableFuture<Void> refused = leader.whenStored(0, Durability.ALL, 0);
    ExecutionException e = assertThrows(ExecutionException.class, refused::get);
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertTrue(u.mayBeStored(), "the record is in the leader's log");
    assertTrue(
        u.getMessage().contains("replication wait queue full (" + LeaderSide.WAIT_QUEUE),
        u.getMessage());
    assertEquals(LeaderSide.WAIT_QUEUE, leader.drainWaits());
    assertFalse(leader.whenStored(0, Durability.ALL, 0).isDone(), "room again once drained");
  }

  /** An endpoint that takes every frame and keeps none. */
  private static final class Discarding implements TransportEndpoint {
    @Override
    public RegionId local() {
      return A;
    }

    @Override
    public SendStatus send(RegionId to, ByteBuffer frame) {
      return SendStatus.SENT;
    }

    @Override
    public void close() {}
  }
}
