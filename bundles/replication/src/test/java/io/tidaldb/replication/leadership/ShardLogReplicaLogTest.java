package io.tidaldb.replication.leadership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The election facts of a real WAL: durable position and the epoch of the last durable record. */
class ShardLogReplicaLogTest {
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(10);

  @TempDir Path dir;

  @Test
  void shouldReportDurablePositionAndEpochOfLastDurableRecord() {
    try (WalEngine wal = open()) {
      ShardLog log = wal.shard(1);
      ShardLogReplicaLog replica = new ShardLogReplicaLog(log);
      assertEquals(0, replica.hwm());
      assertEquals(0, replica.lastEpoch());

      log.appendDefine(1, "acme", "view");
      appendDurably(log, 3);
      assertEquals(4, replica.hwm());
      assertEquals(log.durablePosition(), replica.hwm());
      assertEquals(log.epoch(), replica.lastEpoch());

      log.advanceEpoch(3);
      appendDurably(log, 2);
      assertEquals(6, replica.hwm());
      assertEquals(log.durablePosition(), replica.hwm());
      assertEquals(3, replica.lastEpoch());
      assertEquals(log.epoch(), replica.lastEpoch());
    }
  }

  @Test
  void shouldNotClaimAnEpochThatHasNoDurableRecordYet() {
    try (WalEngine wal = open()) {
      ShardLog log = wal.shard(0);
      log.advanceEpoch(2);
      log.appendDefine(1, "acme", "view");
      appendDurably(log, 1);
      ShardLogReplicaLog replica = new ShardLogReplicaLog(log);
      assertEquals(2, replica.lastEpoch());

      log.advanceEpoch(5); // e.g. elected leader of epoch 5, nothing written in it yet
      assertEquals(5, log.epoch());
      assertEquals(2, replica.lastEpoch());
      assertEquals(2, replica.hwm());
    }
  }

  /**
   * A follower's log cut below a position and regrown to the same position by a newer leader's
   * batches ends in the newer epoch. The answer was cached per durable position, so it stayed the
   * old epoch: the region then judged itself behind and voted for a candidate lacking records it
   * had acknowledged at QUORUM (the data-path simulation's seed 1874 lost an acknowledged write).
   */
  @Test
  void shouldReportTheNewEpochAfterACutAndRegrowthToTheSamePosition() {
    try (WalEngine wal = open()) {
      ShardLog log = wal.shard(0);
      log.advanceEpoch(1);
      log.appendDefine(1, "acme", "view");
      appendDurably(log, 1);
      appendDurably(log, 2);
      ShardLogReplicaLog replica = new ShardLogReplicaLog(log);
      assertEquals(4, replica.hwm());
      assertEquals(1, replica.lastEpoch());

      log.truncateFrom(2); // the new leader's log parts from this one at 2
      log.advanceEpoch(3);
      appendDurably(log, 2); // its batches of epoch 3 regrow the log to 4

      assertEquals(4, replica.hwm());
      assertEquals(3, replica.lastEpoch());
    }
  }

  @Test
  void shouldReportTheSameFactsAfterRestart() {
    try (WalEngine wal = open()) {
      ShardLog log = wal.shard(0);
      log.appendDefine(1, "acme", "view");
      log.advanceEpoch(4);
      appendDurably(log, 2);
    }
    try (WalEngine wal = open()) {
      ShardLogReplicaLog replica = new ShardLogReplicaLog(wal.shard(0));
      assertEquals(3, replica.hwm());
      assertEquals(4, replica.lastEpoch());
    }
  }

  private WalEngine open() {
    return WalEngine.open(WalConfig.builder(dir).shardCount(2).build());
  }

  private static void appendDurably(ShardLog log, int signals) {
    long last = -1;
    for (int i = 0; i < signals; i++) {
      last = log.appendSignal(1, i, 1.0, 1_700_000_000_000L + i, i + 1, 1);
    }
    log.awaitDurable(last, TIMEOUT);
  }
}
