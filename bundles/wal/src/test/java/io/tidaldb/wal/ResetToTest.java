package io.tidaldb.wal;

import static io.tidaldb.wal.ReplicaTestSupport.batchesOf;
import static io.tidaldb.wal.ReplicaTestSupport.follow;
import static io.tidaldb.wal.TruncateFromTest.single;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ShardLog#resetTo}: a log reset below, inside (at and between segment boundaries) and
 * beyond its range continues empty there with the given last epoch, takes appends and the leader's
 * replicated batch at the position, invalidates older readers, and opens again the same way.
 */
class ResetToTest {
  /** Origin of records appended after a reset, so they differ from the records discarded. */
  private static final int AFTER = 99;

  @TempDir Path dir;

  /** 1 KiB segments: 10 single-signal batches per segment, segments at 0, 10, 20, ... */
  static WalConfig.Builder tiny(Path dir) {
    return WalTestSupport.small(dir).segmentBytes(1024);
  }

  /** Asserts the state right after {@code resetTo(position, lastEpoch)}. */
  static void assertEmptyAt(ShardLog log, long position, long lastEpoch) {
    String where = "reset to " + position + " with last epoch " + lastEpoch;
    assertEquals(position, log.startPosition(), where);
    assertEquals(position, log.nextPosition(), where);
    assertEquals(position, log.durablePosition(), where);
    assertEquals(lastEpoch, log.lastEpoch(), where);
    assertTrue(log.epoch() >= lastEpoch, where + ": epoch " + log.epoch());
    for (long e = 0; e <= lastEpoch + 2; e++) {
      assertEquals(position, log.endOfEpoch(e), where + ": endOfEpoch(" + e + ")");
    }
    assertEquals(List.of(), readAll(log, position), where);
  }

  /**
   * Positions of a 50-record log in 1 KiB segments (0, 10, ..., 40): 0 (its start), 7 (inside the
   * first segment), 20 (a segment's first position, whose file name the new log reuses), 49 (the
   * last record), 50 (its end), 1000 (beyond).
   */
  @ParameterizedTest
  @ValueSource(longs = {0, 7, 20, 49, 50, 1000})
  void shouldContinueEmptyAtThePositionWithTheLastEpochAndTakeAppends(long position)
      throws IOException {
    WalConfig config = tiny(dir).build();
    List<Rec> after;
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.advanceEpoch(2);
      single(log, 50, 1);
      log.resetTo(position, 4);
      assertEmptyAt(log, position, 4);
      assertEquals(List.of(), WalTestSupport.segments(dir, 0), "every old segment deleted");
      assertEquals(50, wal.metrics().recordsDiscarded());
      assertEquals(1, wal.metrics().resets());
      log.advanceEpoch(5);
      after = single(log, 15, AFTER);
      assertEquals(position, after.get(0).position());
      assertEquals(after, readAll(log, position));
      assertEquals(position, log.endOfEpoch(4), "epoch 4 ends where epoch 5's batches start");
      assertEquals(position + 15, log.endOfEpoch(5));
      assertEquals(5, log.lastEpoch());
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEquals(position, log.startPosition());
      assertEquals(position + 15, log.nextPosition());
      assertEquals(after, readAll(log, position));
      assertEquals(position, log.endOfEpoch(3));
      assertEquals(5, log.lastEpoch());
      assertEquals(15, log.truncateFrom(position), "the whole new log cut");
      assertEquals(4, log.lastEpoch(), "the reset's last epoch again");
    }
    try (WalEngine wal = WalEngine.open(config)) {
      assertEmptyAt(wal.shard(0), position, 4);
    }
  }

  @Test
  void shouldOpenAnEmptyResetLogAtItsPositionAndLastEpoch() {
    WalConfig config = tiny(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      single(wal.shard(0), 12, 1);
      wal.shard(0).resetTo(300, 7);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEmptyAt(log, 300, 7);
      assertEquals(0, log.truncateFrom(300), "nothing to cut");
      assertEquals(0, log.truncateBefore(300), "nothing to delete");
      assertEmptyAt(log, 300, 7);
      try (WalReader reader = log.openReader(300)) {
        assertEquals(null, reader.next());
        List<Rec> after = single(log, 3, AFTER);
        assertEquals(300, reader.next().firstPosition(), "a reader at the position tails the log");
        assertEquals(after, readAll(log, 300));
      }
    }
  }

  @Test
  void shouldResetBelowAStartThatTruncateBeforeMoved() throws IOException {
    WalConfig config = tiny(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      single(log, 35, 1);
      assertEquals(2, log.truncateBefore(25));
      assertEquals(20, log.startPosition());
      log.resetTo(3, 1);
      assertEmptyAt(log, 3, 1);
      assertEquals(15, wal.metrics().recordsDiscarded(), "positions 20 to 34");
      single(log, 12, AFTER); // segments at 3 and 13
      assertEquals(1, log.truncateBefore(13));
      assertEquals(13, log.startPosition());
      assertEquals(13, log.endOfEpoch(0));
    }
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(13, wal.shard(0).startPosition());
      assertEquals(15, wal.shard(0).nextPosition());
      assertEquals(1, wal.shard(0).lastEpoch(), "the records after the reset took its epoch 1");
    }
  }

  @Test
  void shouldResetAgainBelowAnEarlierReset() {
    WalConfig config = tiny(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      log.resetTo(500, 3);
      single(log, 4, 1);
      log.resetTo(100, 2); // epoch() stays 3: it never goes down
      assertEquals(2, log.lastEpoch());
      assertEquals(3, log.epoch());
      single(log, 2, AFTER);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(100, wal.shard(0).startPosition());
      assertEquals(102, wal.shard(0).nextPosition());
      assertEquals(3, wal.shard(0).lastEpoch());
    }
  }

  @Test
  void shouldTakeTheLeadersBatchAtThePositionAndRefuseAnOlderEpoch() {
    Path leaderDir = dir.resolve("leader");
    List<ByteBuffer> batches = ReplicaTestSupport.leaderBatches(leaderDir, 4, 5, 3);
    try (WalEngine wal = WalEngine.open(tiny(dir.resolve("follower")).build())) {
      ShardLog follower = wal.shard(0);
      single(follower, 7, 1); // a divergent log of epoch 0
      follower.resetTo(10, 3); // the snapshot covers the leader's first two batches
      ByteBuffer third = batches.get(2);
      assertEquals(10, ReplicaTestSupport.firstPosition(third));
      assertEquals(15, follower.tryAppendReplicated(third));
      follow(follower, batches.subList(3, 4));
      assertEquals(20, follower.durablePosition());
      assertEquals(batchesOf(follower, 10), batches.subList(2, 4));
      assertEquals(3, follower.lastEpoch());
      assertEquals(10, follower.endOfEpoch(2));
      assertEquals(20, follower.endOfEpoch(3));

      follower.resetTo(15, 4); // the leader's batch at 15 has epoch 3: stale here
      InvalidArgumentException stale =
          assertThrows(
              InvalidArgumentException.class, () -> follower.appendReplicated(batches.get(3)));
      assertTrue(stale.getMessage().contains("has epoch 4"), stale.getMessage());
      assertEmptyAt(follower, 15, 4);
    }
  }

  @Test
  void shouldInvalidateReadersOpenedBeforeAndFailWaitsOnDiscardedPositions() {
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      single(log, 20, 1);
      WalReader reader = log.openReader(0);
      assertEquals(0, reader.next().firstPosition());
      log.resetTo(5, 0);
      StorageException e = assertThrows(StorageException.class, reader::next);
      assertTrue(e.getMessage().contains("truncated from position 5"), e.getMessage());
      reader.close();
      UnavailableException cut =
          assertThrows(UnavailableException.class, () -> log.awaitDurable(12, 1_000_000));
      assertTrue(cut.getMessage().contains("was cut"), cut.getMessage());
    }
  }

  @Test
  void shouldKeepCallingTheListenersAfterAReset() {
    try (WalEngine wal = WalEngine.open(tiny(dir).build())) {
      ShardLog log = wal.shard(0);
      CountDownLatch wokenAt42 = new CountDownLatch(1);
      List<Long> committed = Collections.synchronizedList(new ArrayList<>());
      log.setDurabilityListener(
          durable -> {
            if (durable == 42) {
              wokenAt42.countDown();
            }
          });
      log.setCommitListener(b -> committed.add(b.firstPosition()));
      single(log, 3, 1);
      log.resetTo(40, 1);
      single(log, 2, AFTER);
      ShardLogTest.awaitLatch(wokenAt42);
      assertEquals(List.of(0L, 1L, 2L, 40L, 41L), committed);
    }
  }

  @Test
  void shouldRefuseACorruptStartFileNamingIt() throws IOException {
    WalConfig config = tiny(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      wal.shard(0).resetTo(30, 2);
    }
    Path start = dir.resolve(LogStart.name(0));
    byte[] bytes = Files.readAllBytes(start);
    bytes[LogStartDescriptor.POSITION_OFFSET] ^= 1;
    Files.write(start, bytes);
    StorageException e = assertThrows(StorageException.class, () -> WalEngine.open(config));
    assertTrue(e.getMessage().contains(start + ": corrupt log start file (crc32c"), e.getMessage());
  }

  @Test
  void shouldRefuseASegmentBelowTheStartOfAFinishedReset() throws IOException {
    WalConfig config = tiny(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      wal.shard(0).resetTo(30, 2);
    }
    Files.write(dir.resolve(SegmentFiles.name(0, 10)), new byte[0]);
    StorageException e = assertThrows(StorageException.class, () -> WalEngine.open(config));
    assertTrue(e.getMessage().contains("segment starts below position 30"), e.getMessage());
  }
}
