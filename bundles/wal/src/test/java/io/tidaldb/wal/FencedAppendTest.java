package io.tidaldb.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fenced local appends (issue 9, h): a record is taken only while the log leads in the epoch
 * its writer checked, so the check and the append are one step.
 */
class FencedAppendTest {
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  @TempDir Path dir;

  @Test
  void shouldTakeAppendsOfTheEpochItLeadsAndStampThemWithIt() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      log.startLeading(4);
      assertEquals(4, log.epoch());
      log.appendDefine(4, 1, "acme", "view");
      long p = log.appendSignal(4, 1, 42, 1.0, 1_700_000_000_000L, 1, 1);
      log.awaitDurable(p, TIMEOUT);
      try (WalReader reader = log.openReader(0)) {
        for (WalBatch b = reader.next(); b != null; b = reader.next()) {
          assertEquals(4, b.epoch());
        }
      }
    }
  }

  @Test
  void shouldRefuseAnAppendCheckedInAnEpochItNoLongerLeads() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog log = wal.shard(0);
      assertThrows(FencedAppendException.class, () -> log.appendDefine(1, 1, "acme", "view"));
      log.startLeading(1);
      log.appendDefine(1, 1, "acme", "view");

      log.stopLeading();
      FencedAppendException stopped =
          assertThrows(FencedAppendException.class, () -> log.appendSignal(1, 1, 42, 1.0, 1, 1, 1));
      assertTrue(stopped.getMessage().contains("does not lead"), stopped.getMessage());
      assertTrue(stopped.getMessage().contains("nothing was stored"), stopped.getMessage());

      log.startLeading(3); // deposed and elected again
      FencedAppendException later =
          assertThrows(FencedAppendException.class, () -> log.appendSignal(1, 1, 42, 1.0, 1, 1, 1));
      assertTrue(later.getMessage().contains("epoch 1"), later.getMessage());
      assertTrue(later.getMessage().contains("in epoch 3"), later.getMessage());

      log.advanceEpoch(5); // a higher epoch without leading it
      assertThrows(FencedAppendException.class, () -> log.appendSignal(3, 1, 42, 1.0, 1, 1, 1));
      assertEquals(1, log.nextPosition(), "only the first DEFINE was taken");
      log.appendSignal(ShardLog.ANY_EPOCH, 1, 42, 1.0, 1, 1, 1); // unfenced: taken
      assertEquals(2, log.nextPosition());
    }
  }

  @Test
  void shouldStopLeadingOnceAReplicatedBatchIsTaken() {
    try (WalEngine leaderWal = WalEngine.open(WalTestSupport.small(dir.resolve("l")).build());
        WalEngine followerWal = WalEngine.open(WalTestSupport.small(dir.resolve("f")).build())) {
      ShardLog leader = leaderWal.shard(0);
      ShardLog follower = followerWal.shard(0);
      leader.startLeading(2);
      leader.awaitDurable(leader.appendDefine(2, 1, "acme", "view"), TIMEOUT);
      follower.startLeading(1);
      ByteBuffer batch;
      try (WalReader reader = leader.openReader(0)) {
        batch = reader.next().bytes();
        long end = follower.appendReplicated(batch);
        follower.awaitDurable(end - 1, TIMEOUT);
      }
      assertThrows(FencedAppendException.class, () -> follower.appendSignal(2, 1, 4, 1, 1, 1, 1));
      assertThrows(FencedAppendException.class, () -> follower.appendSignal(1, 1, 4, 1, 1, 1, 1));
    }
  }
}
