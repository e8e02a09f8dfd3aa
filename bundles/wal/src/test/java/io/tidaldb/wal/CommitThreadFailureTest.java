package io.tidaldb.wal;

import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit thread's rule (a failure stops the shard and fails every waiter; nothing hangs) holds
 * for an Error in the loop, not only for I/O failures; a durability listener that throws on every
 * batch is counted, not logged per batch.
 */
class CommitThreadFailureTest {
  @TempDir Path dir;

  @Test
  void shouldStopTheShardAndFailEveryWaiterWhenTheCommitListenerThrowsAnError() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(2).build())) {
      ShardLog log = wal.shard(0);
      log.setCommitListener(
          b -> {
            throw new OutOfMemoryError("injected");
          });
      assertStopsAndFailsWaiters(wal, log, "OutOfMemoryError");
    }
  }

  @Test
  void shouldStopTheShardWhenTheDurabilityListenerThrowsAnError() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(2).build())) {
      ShardLog log = wal.shard(0);
      log.setDurabilityListener(
          durable -> {
            throw new StackOverflowError("injected");
          });
      long first = log.appendSignal(1, 1, 1, 1, 1, 1);
      log.awaitDurable(first, WAIT_NANOS); // durable before the listener ran: it stays so
      long deadline = System.nanoTime() + WAIT_NANOS;
      while (log.failure().isEmpty() && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait(); // the commit thread records the failure right after the wake-up
      }
      assertTrue(log.failure().get().getMessage().contains("StackOverflowError"));
      assertThrows(UnavailableException.class, () -> log.appendSignal(2, 2, 2, 2, 2, 2));
      assertTrue(wal.shard(1).failure().isEmpty(), "other shards go on");
    }
  }

  @Test
  void shouldCountADurabilityListenerThatFailsOnEveryBatchAndGoOn() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(1).build())) {
      ShardLog log = wal.shard(0);
      LongConsumer failing =
          durable -> {
            throw new IllegalStateException("injected at " + durable);
          };
      log.setDurabilityListener(failing);
      for (int i = 0; i < 20; i++) {
        long p = log.appendSignal(1, i, 1, 1, 1, 1);
        log.awaitDurable(p, WAIT_NANOS); // one batch each: the listener fails 20 times
      }
      long deadline = System.nanoTime() + WAIT_NANOS; // the wake-up runs after the durable position
      while (wal.metrics().durabilityListenerFailures() < 20 && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait();
      }
      assertEquals(20, wal.metrics().durabilityListenerFailures());
      assertTrue(log.failure().isEmpty(), "the log keeps going");
      assertEquals(0, wal.metrics().failures());
    }
  }

  private static void assertStopsAndFailsWaiters(WalEngine wal, ShardLog log, String cause) {
    long first = log.appendSignal(1, 1, 1, 1, 1, 1);
    CompletableFuture<Void> waiter = log.whenDurable(first);
    StorageException e =
        assertThrows(StorageException.class, () -> log.awaitDurable(first, WAIT_NANOS));
    assertTrue(e.getMessage().contains(cause), e.getMessage());
    ExecutionException failed =
        assertThrows(ExecutionException.class, () -> waiter.get(10, TimeUnit.SECONDS));
    assertTrue(failed.getCause() instanceof StorageException, failed.toString());
    assertTrue(log.failure().orElseThrow().getMessage().contains(cause));
    assertThrows(UnavailableException.class, () -> log.appendSignal(2, 2, 2, 2, 2, 2));
    assertEquals(1, wal.metrics().failures());
    assertTrue(wal.shard(1).failure().isEmpty(), "other shards go on");
  }
}
