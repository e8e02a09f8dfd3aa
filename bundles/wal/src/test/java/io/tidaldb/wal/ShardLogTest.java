package io.tidaldb.wal;

import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static io.tidaldb.wal.WalTestSupport.appendSignals;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Appends, group commit, durability, the commit listener and segment rolls of a shard log. */
class ShardLogTest {
  @TempDir Path dir;

  @Test
  void shouldReadBackEveryRecordAcrossSegmentRollsWithContiguousPositions() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Rec> appended = new ArrayList<>();
      appended.add(Rec.define(log.appendDefine(3, "acme", "view"), 3, "acme", "view"));
      appended.addAll(appendSignals(log, 500));
      for (int i = 0; i < appended.size(); i++) {
        assertEquals(i, appended.get(i).position());
      }
      assertEquals(501, log.nextPosition());
      assertEquals(501, log.durablePosition());
      assertEquals(0, log.startPosition());
      assertEquals(appended, readAll(log, 0));
      assertTrue(WalTestSupport.segments(dir, 0).size() >= 5, "500 signals roll 4 KiB segments");
      for (Path segment : WalTestSupport.segments(dir, 0)) {
        assertTrue(java.nio.file.Files.size(segment) <= 4096, segment + " exceeds segmentBytes");
      }
    }
  }

  @Test
  void shouldGiveABatchLargerThanASegmentASegmentOfItsOwn() throws Exception {
    WalConfig config =
        WalTestSupport.small(dir)
            .segmentBytes(1024)
            .maxBatchBytes(8192)
            .groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS)
            .build();
    int[] batches = {1, 100, 1}; // close() commits each group as one batch
    for (int records : batches) {
      try (WalEngine wal = WalEngine.open(config)) {
        for (int i = 0; i < records; i++) {
          wal.shard(0).appendSignal(i, i, i, i, i, i);
        }
      }
    }
    List<Path> segments = WalTestSupport.segments(dir, 0);
    assertEquals(3, segments.size());
    assertTrue(segments.get(1).getFileName().toString().endsWith("-00000000000000000001.wal"));
    assertTrue(segments.get(2).getFileName().toString().endsWith("-00000000000000000101.wal"));
    int header = BatchDescriptor.HEADER_LENGTH;
    int signal = RecordDescriptor.SIGNAL_LENGTH;
    assertEquals(header + signal, java.nio.file.Files.size(segments.get(0)));
    assertEquals(header + 100 * signal, java.nio.file.Files.size(segments.get(1)));
    assertEquals(header + signal, java.nio.file.Files.size(segments.get(2)));
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(102, readAll(wal.shard(0), 0).size());
    }
  }

  @Test
  void shouldDeliverEveryBatchOnceInOrderBeforeDurablePositionPassesIt() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<long[]> seen = Collections.synchronizedList(new ArrayList<>());
      AtomicReference<String> violation = new AtomicReference<>();
      log.setCommitListener(
          batch -> {
            if (log.durablePosition() > batch.firstPosition()) {
              violation.set("durable position passed batch " + batch.firstPosition() + " early");
            }
            seen.add(new long[] {batch.firstPosition(), batch.recordCount()});
          });
      appendSignals(log, 300);
      assertEquals(null, violation.get());
      long next = 0;
      for (long[] batch : seen) {
        assertEquals(next, batch[0], "batches contiguous, each once");
        next += batch[1];
      }
      assertEquals(300, next);
      assertEquals(seen.size(), wal.metrics().batches());
    }
  }

  @Test
  void shouldBatchConcurrentAppendsIntoFarFewerFsyncsThanRecords() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    try (WalEngine wal = WalEngine.open(WalConfig.builder(dir).shardCount(1).build())) {
      ShardLog log = wal.shard(0);
      // Hold the commit thread in its first batch until every appender is done, so the test does
      // not depend on scheduling: everything appended meanwhile must go out in one more batch.
      CountDownLatch appendersDone = new CountDownLatch(1);
      log.setCommitListener(batch -> awaitLatch(appendersDone));
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      long[] last = new long[threads];
      for (int t = 0; t < threads; t++) {
        int id = t;
        Thread worker =
            new Thread(
                () -> {
                  awaitLatch(start);
                  for (int i = 0; i < perThread; i++) {
                    last[id] = log.appendSignal(id, i, 1.0, i, i, id);
                  }
                });
        workers.add(worker);
        worker.start();
      }
      start.countDown();
      for (Thread worker : workers) {
        worker.join(TimeUnit.SECONDS.toMillis(30));
      }
      appendersDone.countDown();
      for (long position : last) {
        log.awaitDurable(position, WAIT_NANOS);
      }
      WalMetrics m = wal.metrics();
      assertEquals(threads * perThread, m.records());
      assertEquals(m.batches(), m.fsyncs());
      assertEquals(m.batches(), m.sizeTriggers() + m.delayTriggers() + m.immediateTriggers());
      // 80,000 records of 41 bytes fit one 4 MiB batch: the first batch plus at most one more
      assertTrue(m.fsyncs() <= 2, "expected group commit, got " + m);
      assertEquals(threads * perThread, readAll(log, 0).size());
    }
  }

  @Test
  void shouldCloseBatchesOnDelayAndOnSize() {
    WalConfig config =
        WalTestSupport.small(dir).groupCommitDelayNanos(TimeUnit.MILLISECONDS.toNanos(5)).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      // Once armed, hold the commit thread after each batch until the pending buffer is full (or
      // the last signal is appended), so the test does not depend on scheduling: an appender
      // preempted for 5 ms cannot let the delay close a batch that is not the first or the last.
      AtomicLong appendEnd = new AtomicLong(-1);
      int perBatch = config.maxBatchBytes() / RecordDescriptor.SIGNAL_LENGTH;
      log.setCommitListener(batch -> holdUntilFull(log, batch, perBatch, appendEnd.get()));
      log.awaitDurable(log.appendSignal(1, 1, 1, 1, 1, 1), WAIT_NANOS);
      assertEquals(1, wal.metrics().delayTriggers());
      appendEnd.set(log.nextPosition() + 200);
      appendSignals(log, 200); // 1 KiB batches hold 24 signals: all but the first and last are full
      assertTrue(wal.metrics().sizeTriggers() >= 5, wal.metrics().toString());
    }
  }

  /**
   * On the commit thread, after {@code batch}: waits (10 s at most) until the appenders have filled
   * the next batch with {@code perBatch} records, or appended every position before {@code end};
   * does not wait while {@code end} is negative.
   */
  private static void holdUntilFull(ShardLog log, WalBatch batch, int perBatch, long end) {
    if (end < 0) {
      return;
    }
    long until = Math.min(end, batch.firstPosition() + batch.recordCount() + perBatch);
    long deadline = System.nanoTime() + WAIT_NANOS;
    while (log.nextPosition() < until) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("appenders stuck at " + log.nextPosition() + " before " + until);
      }
      Thread.yield();
    }
  }

  @Test
  void shouldCompleteFuturesInPositionOrder() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).maxBatchBytes(8192).build())) {
      ShardLog log = wal.shard(0);
      long seed = WalTestSupport.seed("shouldCompleteFuturesInPositionOrder");
      Random random = new Random(seed);
      CountDownLatch inListener = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      log.setCommitListener(
          b -> {
            inListener.countDown();
            awaitLatch(release);
          });
      log.appendSignal(0, 0, 0, 0, 0, 0);
      awaitLatch(inListener); // the commit thread holds batch 1: the rest waits in pending
      List<Long> positions = new ArrayList<>();
      for (int i = 1; i <= 100; i++) {
        positions.add(log.appendSignal(i, i, i, i, i, i));
      }
      Collections.shuffle(positions, random);
      List<Long> completed = Collections.synchronizedList(new ArrayList<>());
      List<CompletableFuture<Void>> futures = new ArrayList<>();
      for (long p : positions) {
        futures.add(log.whenDurable(p).thenRun(() -> completed.add(p)));
      }
      release.countDown();
      CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      List<Long> sorted = new ArrayList<>(completed);
      Collections.sort(sorted);
      assertEquals(100, completed.size());
      assertEquals(sorted, completed, "seed " + seed);
      assertTrue(log.whenDurable(0).isDone());
    }
  }

  @Test
  void shouldStampBatchesWithTheEpochInForceAndOnlyGrowIt() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Long> epochs = Collections.synchronizedList(new ArrayList<>());
      log.setCommitListener(b -> epochs.add(b.epoch()));
      log.awaitDurable(log.appendSignal(1, 1, 1, 1, 1, 1), WAIT_NANOS);
      log.advanceEpoch(5);
      log.advanceEpoch(5);
      log.awaitDurable(log.appendSignal(1, 1, 1, 1, 1, 1), WAIT_NANOS);
      assertEquals(List.of(0L, 5L), epochs);
      InvalidArgumentException e =
          assertThrows(InvalidArgumentException.class, () -> log.advanceEpoch(4));
      assertTrue(e.getMessage().contains("4") && e.getMessage().contains("5"), e.getMessage());
      assertEquals(5, log.epoch());
    }
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      assertEquals(5, wal.shard(0).epoch(), "epoch of the last durable batch after reopen");
    }
  }

  @Test
  void shouldGiveTheListenerTheBytesAsStored() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<byte[]> shipped = Collections.synchronizedList(new ArrayList<>());
      log.setCommitListener(
          b -> {
            java.nio.ByteBuffer bytes = b.bytes();
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            shipped.add(copy);
          });
      appendSignals(log, 10);
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      for (byte[] b : shipped) {
        all.write(b);
      }
      assertEquals(
          java.util.HexFormat.of()
              .formatHex(java.nio.file.Files.readAllBytes(WalTestSupport.segments(dir, 0).get(0))),
          java.util.HexFormat.of().formatHex(all.toByteArray()));
    }
  }

  @Test
  void shouldRejectBadDefinitionsAndPositions() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(2).build())) {
      ShardLog log = wal.shard(1);
      assertEquals(
          "tenant",
          assertThrows(InvalidArgumentException.class, () -> log.appendDefine(1, "", "x"))
              .argument());
      assertEquals(
          "type",
          assertThrows(InvalidArgumentException.class, () -> log.appendDefine(1, "a", "vü"))
              .argument());
      assertEquals(
          "type",
          assertThrows(
                  InvalidArgumentException.class, () -> log.appendDefine(1, "a", "x".repeat(256)))
              .argument());
      assertEquals(
          "position",
          assertThrows(InvalidArgumentException.class, () -> log.awaitDurable(0, 1)).argument());
      assertEquals(
          "shard", assertThrows(InvalidArgumentException.class, () -> wal.shard(2)).argument());
      assertEquals(0, log.nextPosition(), "rejected appends take no position");
      WalBatch none = log.openReader(0).next();
      assertEquals(null, none);
    }
  }

  static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("latch not released within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void shouldTellTheDurabilityListenerEachNewDurablePositionAndSurviveItsFailure()
      throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      BlockingQueue<Long> seen = new LinkedBlockingQueue<>();
      log.setDurabilityListener(
          durable -> seen.add(durable == log.durablePosition() ? durable : -durable));
      for (long i = 1; i <= 3; i++) {
        log.appendSignal(1, i, 1.0, i, i, 1);
        assertEquals(i, seen.poll(10, TimeUnit.SECONDS), "one call per batch, once published");
      }

      log.setDurabilityListener(
          durable -> {
            throw new IllegalStateException("listener bug at " + durable);
          });
      log.awaitDurable(log.appendSignal(1, 9, 1.0, 9, 9, 1), WAIT_NANOS);
      log.awaitDurable(log.appendSignal(1, 10, 1.0, 10, 10, 1), WAIT_NANOS);
      assertEquals(5, log.durablePosition(), "a failing listener does not stop the log");

      log.setDurabilityListener(null);
      log.awaitDurable(log.appendSignal(1, 11, 1.0, 11, 11, 1), WAIT_NANOS);
      assertTrue(seen.isEmpty(), "removed listeners hear nothing: " + seen);
    }
  }
}
