package io.tidaldb.wal;

import static io.tidaldb.wal.TruncateFromTest.single;
import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.support.disk.SimulatedDisk;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ShardLog#resetTo} refusals: each names the values, leaves the log, its files and its epoch
 * unchanged and serving: negative arguments, local appends or a replicated batch not yet durable, a
 * leading log, a closed log.
 */
class ResetToRefusalTest {
  @TempDir Path dir;

  private final SimulatedDisk disk = new SimulatedDisk();

  private WalConfig config() {
    return ResetToTest.tiny(dir.resolve("wal")).files(PowerLossTest.on(disk)).build();
  }

  /** Asserts that {@code call} is refused with all of {@code words} and changes nothing. */
  private static void assertRefused(ShardLog log, Executable call, String... words) {
    long start = log.startPosition();
    long next = log.nextPosition();
    long durable = log.durablePosition();
    long epoch = log.epoch();
    long lastEpoch = log.lastEpoch();
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, call);
    for (String word : words) {
      assertTrue(e.getMessage().contains(word), e.getMessage() + " lacks " + word);
    }
    assertTrue(e.getMessage().contains("log unchanged"), e.getMessage());
    assertEquals(start, log.startPosition());
    assertEquals(next, log.nextPosition());
    assertEquals(durable, log.durablePosition());
    assertEquals(epoch, log.epoch());
    assertEquals(lastEpoch, log.lastEpoch());
    assertTrue(log.failure().isEmpty());
  }

  /** Stalls forces and waits until the commit thread sits in the force of a written batch. */
  private void awaitStalledForce() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (disk.stalledForces() == 0) {
      assertTrue(System.nanoTime() < deadline, "no force stalled within 10 s");
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  @Test
  void shouldRefuseNegativeArgumentsNamingThem() {
    try (WalEngine wal = WalEngine.open(config())) {
      ShardLog log = wal.shard(0);
      single(log, 5, 1);
      assertRefused(log, () -> log.resetTo(-1, 2), "position", "-1", "last epoch 2");
      assertRefused(log, () -> log.resetTo(8, -3), "lastEpoch", "-3", "position 8");
      assertEquals(5, readAll(log, 0).size());
    }
  }

  @Test
  void shouldRefuseWhileLocalAppendsAreNotDurable() {
    try (WalEngine wal = WalEngine.open(config())) {
      ShardLog log = wal.shard(0);
      single(log, 5, 1);
      disk.stallForces(true);
      Rec r = WalTestSupport.signalNo(5);
      assertEquals(5, r.append(log));
      awaitStalledForce();
      assertRefused(
          log, () -> log.resetTo(100, 2), "1 appended or replicated records not yet durable");
      disk.stallForces(false);
      log.awaitDurable(5, WAIT_NANOS);
      log.resetTo(100, 2);
      ResetToTest.assertEmptyAt(log, 100, 2);
    }
  }

  @Test
  void shouldRefuseWhileAReplicatedBatchIsNotDurable() {
    List<ByteBuffer> batches = ReplicaTestSupport.leaderBatches(dir.resolve("leader"), 1, 4, 1);
    try (WalEngine wal = WalEngine.open(config())) {
      ShardLog log = wal.shard(0);
      disk.stallForces(true);
      assertEquals(4, log.appendReplicated(batches.get(0)));
      awaitStalledForce();
      assertRefused(
          log, () -> log.resetTo(0, 0), "4 appended or replicated records not yet durable");
      disk.stallForces(false);
      log.awaitDurable(3, WAIT_NANOS);
      log.resetTo(0, 0);
      ResetToTest.assertEmptyAt(log, 0, 0);
    }
  }

  @Test
  void shouldRefuseWhileLeading() throws Exception {
    try (WalEngine wal = WalEngine.open(config())) {
      ShardLog log = wal.shard(0);
      log.startLeading(3);
      single(log, 5, 1);
      assertRefused(log, () -> log.resetTo(50, 2), "leads in epoch 3", "stopLeading first");
      assertEquals(1, WalTestSupport.segments(dir.resolve("wal"), 0).size());
      log.stopLeading();
      log.resetTo(50, 2);
      assertEquals(3, log.epoch(), "the epoch never goes down");
      assertEquals(2, log.lastEpoch());
    }
  }

  @Test
  void shouldRefuseOnAClosedLog() {
    WalEngine wal = WalEngine.open(config());
    ShardLog log = wal.shard(0);
    wal.close();
    assertThrows(UnavailableException.class, () -> log.resetTo(5, 1));
  }
}
