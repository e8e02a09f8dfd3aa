package io.tidaldb.wal;

import static io.tidaldb.wal.WalTestSupport.appendSignals;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readers from any position, tailing new commits across segments, and truncation. */
class WalReaderTest {
  /**
   * How long tailing 20,000 concurrent appends may take: hundreds of fsyncs and segment creations,
   * whose speed the test does not control.
   */
  private static final long TAIL_NANOS = TimeUnit.SECONDS.toNanos(60);

  @TempDir Path dir;

  @Test
  void shouldReadFromArbitraryPositionsStartingWithTheBatchHoldingIt() {
    long seed =
        WalTestSupport.seed("shouldReadFromArbitraryPositionsStartingWithTheBatchHoldingIt");
    Random random = new Random(seed);
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Rec> appended = new ArrayList<>();
      while (appended.size() < 400) {
        appended.addAll(appendSignals(log, 1 + random.nextInt(30)));
      }
      for (int i = 0; i < 50; i++) {
        int from = random.nextInt(appended.size() + 1);
        assertEquals(appended.subList(from, appended.size()), readAll(log, from), "seed " + seed);
        try (WalReader reader = log.openReader(from)) {
          WalBatch first = reader.next();
          if (from < appended.size()) {
            assertTrue(
                first.firstPosition() <= from && from < first.firstPosition() + first.recordCount(),
                "first batch holds " + from + ", seed " + seed);
          } else {
            assertNull(first);
          }
        }
      }
    }
  }

  @Test
  void shouldTailBatchesCommittedAfterOpeningAcrossSegmentRolls() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      try (WalReader reader = log.openReader(0)) {
        assertNull(reader.next(), "empty log");
        long expected = 0;
        for (int round = 0; round < 40; round++) {
          appendSignals(log, 10);
          for (WalBatch b = reader.next(); b != null; b = reader.next()) {
            assertEquals(expected, b.firstPosition());
            expected += b.recordCount();
          }
          assertEquals(log.durablePosition(), expected);
        }
        assertTrue(WalTestSupport.segments(dir, 0).size() > 3);
      }
    }
  }

  @Test
  void shouldTailConcurrentAppendsAcrossRollsWithoutMissingABatch() throws Exception {
    long seed = WalTestSupport.seed("shouldTailConcurrentAppendsAcrossRollsWithoutMissingABatch");
    int total = 20_000;
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      Thread writer =
          new Thread(
              () -> {
                Random random = new Random(seed);
                for (int i = 0; i < total; i++) {
                  log.appendSignal(i, i, i, i, i, i);
                  if (random.nextInt(500) == 0) {
                    log.awaitDurable(i, TAIL_NANOS);
                  }
                }
              });
      writer.start();
      long deadline = System.nanoTime() + TAIL_NANOS;
      long expected = 0;
      try (WalReader reader = log.openReader(0)) {
        while (expected < total) {
          assertTrue(
              System.nanoTime() < deadline, "reader stuck at " + expected + ", seed " + seed);
          WalBatch b = reader.next();
          if (b == null) {
            if (expected < log.nextPosition()) {
              log.whenDurable(expected).get(TAIL_NANOS, TimeUnit.NANOSECONDS);
            } else {
              Thread.yield();
            }
            continue;
          }
          assertEquals(expected, b.firstPosition(), "seed " + seed);
          RecordCursor c = b.records();
          while (c.next()) {
            assertEquals(expected, c.entity(), "seed " + seed);
            expected++;
          }
        }
      }
      writer.join(TimeUnit.NANOSECONDS.toMillis(TAIL_NANOS));
      assertTrue(WalTestSupport.segments(dir, 0).size() > 50);
    }
  }

  @Test
  void shouldRejectPositionsOutsideTheLog() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      appendSignals(log, 10);
      assertEquals(
          "fromPosition",
          assertThrows(InvalidArgumentException.class, () -> log.openReader(11)).argument());
      assertEquals(
          "fromPosition",
          assertThrows(InvalidArgumentException.class, () -> log.openReader(-1)).argument());
      try (WalReader atEnd = log.openReader(10)) {
        assertNull(atEnd.next());
      }
    }
  }

  @Test
  void shouldDeleteOnlyWholeSegmentsBelowThePositionAndNeverTheActiveOne() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      List<Rec> appended = appendSignals(log, 600);
      List<Path> before = WalTestSupport.segments(dir, 0);
      assertEquals(0, log.truncateBefore(0));
      int deleted = log.truncateBefore(300);
      assertTrue(deleted > 0);
      long start = log.startPosition();
      assertTrue(start <= 300 && start > 0, "start " + start);
      assertEquals(before.size() - deleted, WalTestSupport.segments(dir, 0).size());
      assertEquals(appended.subList((int) start, 600), readAll(log, start));
      assertEquals(
          "fromPosition",
          assertThrows(InvalidArgumentException.class, () -> log.openReader(start - 1)).argument());
      log.truncateBefore(600);
      assertEquals(1, WalTestSupport.segments(dir, 0).size(), "the active segment stays");
      assertTrue(Files.exists(before.get(before.size() - 1)));
      assertEquals(wal.metrics().segmentsDeleted(), before.size() - 1);
    }
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      assertEquals(log.startPosition(), readAll(log, log.startPosition()).get(0).position());
      assertEquals(600, log.nextPosition());
    }
  }

  @Test
  void shouldAllowTruncationFromInsideTheCommitListener() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      AtomicInteger deleted = new AtomicInteger();
      log.setCommitListener(b -> deleted.addAndGet(log.truncateBefore(b.firstPosition())));
      appendSignals(log, 500);
      assertTrue(deleted.get() > 0);
      assertTrue(WalTestSupport.segments(dir, 0).size() <= 2, "segments were deleted as we went");
      assertEquals(500, log.durablePosition());
    }
  }

  @Test
  void shouldFailReadingCorruptBatchNamingFileAndOffset() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      AtomicReference<Long> secondBatchOffset = new AtomicReference<>();
      log.setCommitListener(
          b -> {
            if (b.firstPosition() > 0 && secondBatchOffset.get() == null) {
              secondBatchOffset.set(((BatchView) b).fileOffset());
            }
          });
      log.awaitDurable(log.appendSignal(1, 1, 1, 1, 1, 1), WalTestSupport.WAIT_NANOS);
      log.awaitDurable(log.appendSignal(2, 2, 2, 2, 2, 2), WalTestSupport.WAIT_NANOS);
      Path segment = WalTestSupport.segments(dir, 0).get(0);
      long offset = secondBatchOffset.get();
      RecoveryTest.flip(segment, offset + BatchDescriptor.HEADER_LENGTH + 1);
      try (WalReader reader = log.openReader(0)) {
        assertNotNull(reader.next());
        StorageException e = assertThrows(StorageException.class, reader::next);
        assertTrue(
            e.getMessage().contains(segment.getFileName() + " at offset " + offset),
            e.getMessage());
      }
    }
  }
}
