package io.tidaldb.wal;

import static io.tidaldb.wal.ShardLogTest.awaitLatch;
import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures stop a shard and fail its waiters; full buffers time out; close is final. */
class FailureTest {
  @TempDir Path dir;

  @Test
  void shouldStopShardAndFailEveryWaiterWhenTheListenerThrows() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(2).build())) {
      ShardLog log = wal.shard(0);
      CountDownLatch inListener = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      log.setCommitListener(
          b -> {
            inListener.countDown();
            awaitLatch(release);
            throw new IllegalStateException("boom");
          });
      long first = log.appendSignal(1, 1, 1, 1, 1, 1);
      awaitLatch(inListener);
      long second = log.appendSignal(2, 2, 2, 2, 2, 2); // pending behind the failing batch
      CompletableFuture<Void> future = log.whenDurable(second);
      release.countDown();

      StorageException e =
          assertThrows(StorageException.class, () -> log.awaitDurable(first, WAIT_NANOS));
      assertTrue(e.getMessage().contains("listener"), e.getMessage());
      assertTrue(e.getMessage().contains("shard-0000-00000000000000000000.wal"), e.getMessage());
      assertTrue(e.getMessage().contains("boom"), e.getMessage());
      assertThrows(StorageException.class, () -> log.awaitDurable(second, WAIT_NANOS));
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
      assertTrue(failed.getCause() instanceof StorageException, failed.toString());
      assertTrue(log.whenDurable(second).isCompletedExceptionally());
      UnavailableException later =
          assertThrows(UnavailableException.class, () -> log.appendSignal(3, 3, 3, 3, 3, 3));
      assertTrue(later.getMessage().contains("boom"), later.getMessage());
      assertEquals(0, log.durablePosition());
      assertEquals(1, wal.metrics().failures());
      assertTrue(log.failure().orElseThrow().getMessage().contains("boom"), log.toString());
      assertTrue(wal.shard(1).failure().isEmpty());

      ShardLog other = wal.shard(1);
      other.awaitDurable(other.appendSignal(1, 1, 1, 1, 1, 1), WAIT_NANOS);
    }
  }

  @Test
  void shouldTimeOutAppendsWhileTheCommitThreadIsStalled() {
    WalConfig config = WalTestSupport.small(dir).appendTimeoutMillis(100).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      CountDownLatch inListener = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      log.setCommitListener(
          b -> {
            inListener.countDown();
            awaitLatch(release);
          });
      log.appendSignal(0, 0, 0, 0, 0, 0);
      awaitLatch(inListener);
      int fits = config.maxBatchBytes() / RecordDescriptor.SIGNAL_LENGTH;
      for (int i = 0; i < fits; i++) {
        log.appendSignal(i, i, i, i, i, i);
      }
      UnavailableException e =
          assertThrows(UnavailableException.class, () -> log.appendSignal(9, 9, 9, 9, 9, 9));
      assertTrue(e.getMessage().contains("shard 0"), e.getMessage());
      assertTrue(
          e.getMessage().contains(fits * RecordDescriptor.SIGNAL_LENGTH + " of 1024"),
          e.getMessage());
      assertTrue(e.getMessage().contains("100 ms"), e.getMessage());
      assertEquals(1, wal.metrics().appendTimeouts());
      release.countDown();
      log.awaitDurable(log.appendSignal(9, 9, 9, 9, 9, 9), WAIT_NANOS);
      assertEquals(fits + 2, log.durablePosition());
    }
  }

  @Test
  void shouldCommitPendingOnCloseAndRejectLaterAppends() {
    WalConfig config =
        WalTestSupport.small(dir).groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS).build();
    WalEngine wal = WalEngine.open(config);
    ShardLog log = wal.shard(0);
    long position = log.appendSignal(1, 1, 1, 1, 1, 1);
    CompletableFuture<Void> durable = log.whenDurable(position);
    wal.close();
    assertTrue(durable.isDone() && !durable.isCompletedExceptionally());
    wal.close();
    UnavailableException e =
        assertThrows(UnavailableException.class, () -> log.appendSignal(1, 1, 1, 1, 1, 1));
    assertEquals("wal closed", e.getMessage());
    assertThrows(UnavailableException.class, () -> log.appendDefine(1, "a", "b"));
    log.awaitDurable(position, 0);
    try (WalEngine reopened = WalEngine.open(config)) {
      assertEquals(1, WalTestSupport.readAll(reopened.shard(0), 0).size());
    }
  }

  @Test
  void shouldTimeOutAwaitDurableWithUnavailable() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      CountDownLatch release = new CountDownLatch(1);
      log.setCommitListener(b -> awaitLatch(release));
      long position = log.appendSignal(1, 1, 1, 1, 1, 1);
      UnavailableException e =
          assertThrows(
              UnavailableException.class,
              () -> log.awaitDurable(position, TimeUnit.MILLISECONDS.toNanos(50)));
      assertTrue(e.getMessage().contains("position " + position), e.getMessage());
      release.countDown();
      log.awaitDurable(position, WAIT_NANOS);
    }
  }
}
