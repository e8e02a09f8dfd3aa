package io.tidaldb.wal;

import static io.tidaldb.wal.ReplicaTestSupport.batchesOf;
import static io.tidaldb.wal.ReplicaTestSupport.follow;
import static io.tidaldb.wal.WalTestSupport.appendSignals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.ShardLog;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ShardLog#endOfEpoch} and {@link ShardLog#lastEpoch}: over local and replicated batches,
 * rebuilt by recovery, and after {@link ShardLog#truncateBefore}.
 */
class EpochHistoryTest {
  @TempDir Path dir;

  /** Asserts endOfEpoch(e) for e = 0, 1, ... against {@code ends}, and lastEpoch. */
  private static void assertEpochs(ShardLog log, long lastEpoch, long... ends) {
    for (int e = 0; e < ends.length; e++) {
      assertEquals(ends[e], log.endOfEpoch(e), "endOfEpoch(" + e + ")");
    }
    assertEquals(lastEpoch, log.lastEpoch(), "lastEpoch");
  }

  @Test
  void shouldKeepTheLastEpochWhenEveryRecordIsTrimmed() {
    EpochHistory h = new EpochHistory();
    h.batch(1, 0);
    h.batch(3, 10);
    h.dropBelow(15); // records 15..19 remain
    assertEquals(3, h.lastEpoch(20));
    h.dropBelow(20); // every record trimmed: the epoch below the start is still known
    assertEquals(3, h.lastEpoch(20), h.toString());
    assertEquals(20, h.endOfEpoch(3, 20));
  }

  @Test
  void shouldAnswerForAnEmptyLog() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      assertEpochs(log, 0, 0, 0);
      log.advanceEpoch(4);
      assertEpochs(log, 0, 0, 0, 0, 0, 0, 0);
      InvalidArgumentException e =
          assertThrows(InvalidArgumentException.class, () -> log.endOfEpoch(-1));
      assertEquals("epoch", e.argument());
      assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
  }

  @Test
  void shouldTrackEpochsOfLocalAppendsAndRebuildThemOnRecovery() {
    WalConfig config = WalTestSupport.small(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      appendSignals(log, 30); // epoch 0: positions 0..29
      log.advanceEpoch(2);
      appendSignals(log, 20); // epoch 2: 30..49
      log.advanceEpoch(5);
      appendSignals(log, 10); // epoch 5: 50..59
      assertEpochs(log, 5, 30, 30, 50, 50, 50, 60, 60);
      log.advanceEpoch(7); // no batch carries it yet
      assertEpochs(log, 5, 30, 30, 50, 50, 50, 60, 60, 60, 60);
      assertEquals(7, log.epoch());
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEpochs(log, 5, 30, 30, 50, 50, 50, 60, 60);
      assertEquals(5, log.epoch(), "the epoch of the last durable batch");
      log.advanceEpoch(6);
      appendSignals(log, 3);
      assertEpochs(log, 6, 30, 30, 50, 50, 50, 60, 63);
    }
  }

  @Test
  void shouldTrackEpochsOfReplicatedBatchesLikeTheLeader() {
    Path leaderDir = dir.resolve("leader");
    Path followerDir = dir.resolve("follower");
    try (WalEngine leaderWal = WalEngine.open(WalTestSupport.small(leaderDir).build());
        WalEngine followerWal = WalEngine.open(WalTestSupport.small(followerDir).build())) {
      ShardLog leader = leaderWal.shard(0);
      leader.advanceEpoch(1);
      appendSignals(leader, 40); // epoch 1: 0..39
      leader.advanceEpoch(3);
      appendSignals(leader, 25); // epoch 3: 40..64
      ShardLog follower = followerWal.shard(0);
      follow(follower, batchesOf(leader, 0));
      assertEpochs(leader, 3, 0, 40, 40, 65, 65);
      assertEpochs(follower, 3, 0, 40, 40, 65, 65);
    }
    try (WalEngine reopened = WalEngine.open(WalTestSupport.small(followerDir).build())) {
      assertEpochs(reopened.shard(0), 3, 0, 40, 40, 65, 65);
    }
  }

  @Test
  void shouldStayWithinTheHeldPositionsAfterTruncateBefore() {
    WalConfig config = WalTestSupport.small(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      TruncateFromTest.single(log, 50, 0); // epoch 0: 0..49; segments of 42 batches
      log.advanceEpoch(2);
      TruncateFromTest.single(log, 50, 0); // epoch 2: 50..99
      log.advanceEpoch(4);
      TruncateFromTest.single(log, 50, 0); // epoch 4: 100..149
      assertEquals(2, log.truncateBefore(90), "segments starting at 0 and 42 lie below 90");
      assertEquals(84, log.startPosition());
      assertEpochs(log, 4, 84, 84, 100, 100, 150, 150);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog log = wal.shard(0);
      assertEquals(84, log.startPosition());
      assertEpochs(log, 4, 84, 84, 100, 100, 150, 150);
      assertEquals(1, log.truncateBefore(130), "the segment starting at 84");
      assertEpochs(log, 4, 126, 126, 126, 126, 150, 150);
    }
  }

  @Test
  void shouldAnswerConsistentlyWhileTheCommitThreadRuns() throws Exception {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      AtomicBoolean done = new AtomicBoolean();
      AtomicReference<String> violation = new AtomicReference<>();
      Thread observer =
          new Thread(
              () -> {
                long lastSeen = 0;
                long[] ends = new long[12];
                while (!done.get() && violation.get() == null) {
                  long last = log.lastEpoch();
                  for (int e = 0; e < ends.length; e++) {
                    long end = log.endOfEpoch(e);
                    long durable = log.durablePosition();
                    if (end < ends[e] || end > durable) {
                      violation.set("endOfEpoch(" + e + ") = " + end + " after " + ends[e]);
                    }
                    ends[e] = end;
                  }
                  if (last < lastSeen) {
                    violation.set("lastEpoch went from " + lastSeen + " to " + last);
                  }
                  lastSeen = last;
                }
              });
      observer.start();
      for (int epoch = 1; epoch <= 10; epoch++) {
        log.advanceEpoch(epoch);
        appendSignals(log, 50);
      }
      done.set(true);
      observer.join(TimeUnit.SECONDS.toMillis(10));
      assertEquals(null, violation.get());
      assertEpochs(log, 10, 0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500, 500);
    }
  }
}
