package io.tidaldb.wal;

import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static io.tidaldb.wal.WalTestSupport.appendSignals;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The local log of a shard ({@link WalEngine#localLog}) beside its shard log: its own positions,
 * files, trimming, recovery, commit thread and failures; what replication does to a shard log is
 * refused on it. (Append, replay, torn tails, corruption, crashes and power losses of a local log
 * are {@link RecoveryTest} and {@link PowerLossTest}, run for both kinds of log.)
 */
class LocalLogTest {
  @TempDir Path dir;

  @Test
  void shouldRefuseWhatReplicationDoesToAShardLogNamingTheLocalLogAndChangeNothing()
      throws IOException {
    ByteBuffer shipped = ReplicaTestSupport.leaderBatches(dir.resolve("leader"), 1, 3, 1).get(0);
    WalConfig config = WalTestSupport.small(dir.resolve("wal")).shardCount(2).build();
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog local = wal.localLog(0);
      List<Rec> kept = appendSignals(local, 5);
      List<Executable> refused =
          List.of(
              () -> local.startLeading(1),
              local::stopLeading,
              () -> local.appendReplicated(shipped),
              () -> local.tryAppendReplicated(shipped),
              local::roomForReplicated,
              () -> local.truncateFrom(2),
              () -> local.resetTo(100, 3));
      for (Executable call : refused) {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, call);
        assertTrue(e.getMessage().contains("local log of shard 0"), e.getMessage());
        assertTrue(e.getMessage().contains("log unchanged"), e.getMessage());
      }
      InvalidArgumentException fenced =
          assertThrows(
              InvalidArgumentException.class, () -> local.appendSignal(1L, 1, 1, 1, 1, 1, 0));
      assertTrue(fenced.getMessage().contains("local log of shard 0"), fenced.getMessage());
      assertThrows(InvalidArgumentException.class, () -> local.appendDefine(1L, 9, "t", "x"));
      assertEquals(5, local.nextPosition());
      assertEquals(5, local.durablePosition());
      assertEquals(kept, readAll(local, 0));
      assertEquals(0, local.epoch());
      long unfenced = local.appendSignal(ShardLog.ANY_EPOCH, 1, 1, 1, 1, 1, 0);
      long define = local.appendDefine(ShardLog.ANY_EPOCH, 9, "t", "x");
      local.awaitDurable(define, WAIT_NANOS);
      assertEquals(List.of(5L, 6L), List.of(unfenced, define));
      assertEquals(0, wal.shard(0).nextPosition(), "the shard log took nothing");
    }
  }

  @Test
  void shouldKeepPositionsTrimmingAndRecoveryOfTheLocalLogApartFromTheShardLog() throws Exception {
    WalConfig config = WalTestSupport.small(dir).shardCount(2).build();
    List<Rec> shardRecords;
    List<Rec> localRecords = new ArrayList<>();
    try (WalEngine wal = WalEngine.open(config)) {
      shardRecords = appendSignals(wal.shard(1), 30);
      for (int i = 0; i < 100; i++) { // one record per batch: several 4 KiB segments
        localRecords.addAll(appendSignals(wal.localLog(1), 1));
      }
      shardRecords = new ArrayList<>(shardRecords);
      shardRecords.addAll(appendSignals(wal.shard(1), 10));
      assertEquals(0, localRecords.get(0).position());
      assertEquals(40, wal.shard(1).nextPosition());
      assertEquals(100, wal.localLog(1).durablePosition());
      assertTrue(WalTestSupport.segments(dir, LogKind.LOCAL, 1).size() > 1);
      int shardSegments = WalTestSupport.segments(dir, LogKind.SHARD, 1).size();

      int deleted = wal.localLog(1).truncateBefore(60);
      assertTrue(deleted > 0, "a snapshot covering 60 local records trims local segments");
      assertEquals(shardSegments, WalTestSupport.segments(dir, LogKind.SHARD, 1).size());
      assertEquals(0, wal.shard(1).startPosition());
      assertEquals(shardRecords, readAll(wal.shard(1), 0));
      assertTrue(WalTestSupport.segments(dir, LogKind.LOCAL, 0).isEmpty(), "idle: no file");
    }
    try (WalEngine wal = WalEngine.open(config)) {
      ShardLog local = wal.localLog(1);
      long start = local.startPosition();
      assertTrue(start > 0 && start <= 60, "local log starts at " + start);
      assertEquals(localRecords.subList((int) start, 100), readAll(local, start));
      assertEquals(shardRecords, readAll(wal.shard(1), 0));
      assertEquals(0, wal.localLog(0).nextPosition());
      assertEquals(100, appendSignals(local, 1).get(0).position());
      assertEquals(40, appendSignals(wal.shard(1), 1).get(0).position());
    }
  }

  @ParameterizedTest
  @EnumSource(LogKind.class)
  void shouldTruncateATornTailOfOneLogAndLeaveTheOtherWhole(LogKind torn) throws IOException {
    WalConfig config = WalTestSupport.small(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      for (int i = 0; i < 20; i++) {
        appendSignals(wal.shard(0), 1);
        appendSignals(wal.localLog(0), 1);
      }
    }
    List<Path> segments = WalTestSupport.segments(dir, torn, 0);
    Path last = segments.get(segments.size() - 1);
    try (RandomAccessFile f = new RandomAccessFile(last.toFile(), "rw")) {
      f.setLength(f.length() - 10); // the last batch's payload cut short
    }
    try (WalEngine wal = WalEngine.open(config)) {
      for (LogKind kind : LogKind.values()) {
        ShardLog log = WalTestSupport.log(wal, kind, 0);
        int expected = kind == torn ? 19 : 20;
        assertEquals(expected, log.nextPosition(), kind.describe(0));
        assertEquals(expected, readAll(log, 0).size(), kind.describe(0));
      }
    }
  }

  @Test
  void shouldRefuseACorruptLocalLogNamingItsFile() throws IOException {
    WalConfig config = WalTestSupport.small(dir).build();
    try (WalEngine wal = WalEngine.open(config)) {
      appendSignals(wal.shard(0), 3);
      for (int i = 0; i < 5; i++) {
        appendSignals(wal.localLog(0), 1);
      }
    }
    Path local = WalTestSupport.segments(dir, LogKind.LOCAL, 0).get(0);
    RecoveryTest.flip(local, BatchDescriptor.HEADER_LENGTH + 3); // first batch, sound ones follow
    StorageException e = assertThrows(StorageException.class, () -> WalEngine.open(config));
    assertTrue(e.getMessage().contains(local.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("local log of shard 0"), e.getMessage());
  }

  /** A directory written before local logs existed holds only shard-* files. */
  @Test
  void shouldOpenADirectoryWrittenBeforeLocalLogsWithEmptyLocalLogs() throws IOException {
    WalConfig config = WalTestSupport.small(dir).shardCount(3).build();
    List<Rec> written;
    try (WalEngine wal = WalEngine.open(config)) {
      written = appendSignals(wal.shard(2), 50);
    }
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
      assertTrue(
          names.stream().allMatch(n -> n.startsWith("shard-0002-") || n.equals("wal.lock")),
          "an idle local log writes no file, so the directory is as before: " + names);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(written, readAll(wal.shard(2), 0));
      for (int s = 0; s < 3; s++) {
        ShardLog local = wal.localLog(s);
        assertEquals(
            List.of(0L, 0L, 0L),
            List.of(local.startPosition(), local.nextPosition(), local.durablePosition()));
        assertEquals(0, local.lastEpoch());
      }
      appendSignals(wal.localLog(2), 4);
    }
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(4, readAll(wal.localLog(2), 0).size());
      assertEquals(written, readAll(wal.shard(2), 0));
    }
  }

  @Test
  void shouldCommitOnItsOwnThreadAndCountItsBatchesApartFromTheShardLogs() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(2).build())) {
      List<String> seen = new CopyOnWriteArrayList<>();
      wal.localLog(1)
          .setCommitListener(
              b ->
                  seen.add(
                      Thread.currentThread().getName()
                          + " shard "
                          + b.shard()
                          + " epoch "
                          + b.epoch()
                          + " first "
                          + b.firstPosition()));
      appendSignals(wal.localLog(1), 1);
      assertEquals(List.of("tidal-wal-local-1 shard 1 epoch 0 first 0"), seen);
      assertEquals(1, wal.localMetrics().records());
      assertEquals(1, wal.localMetrics().batches());
      assertEquals(0, wal.metrics().records(), "shard-log metrics unchanged");
      appendSignals(wal.shard(1), 2);
      assertEquals(2, wal.metrics().records());
      assertEquals(1, wal.localMetrics().records());
    }
  }

  @Test
  void shouldCapTheLocalLogsBatchesButNotTheShardLogs() {
    WalConfig config = WalConfig.builder(dir).shardCount(1).maxBatchBytes(4 << 20).build();
    try (WalEngine wal = WalEngine.open(config)) {
      assertEquals(4 << 20, wal.shard(0).maxBatchBytes());
      assertEquals(WalConfig.LOCAL_MAX_BATCH_BYTES, wal.localLog(0).maxBatchBytes());
    }
  }

  @Test
  void shouldStopOnlyTheLocalLogWhenItsCommitListenerFails() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).build())) {
      ShardLog local = wal.localLog(0);
      local.setCommitListener(
          b -> {
            throw new IllegalStateException("boom");
          });
      long position = local.appendSignal(1, 1, 1, 1, 1, 0);
      StorageException e =
          assertThrows(StorageException.class, () -> local.awaitDurable(position, WAIT_NANOS));
      assertTrue(e.getMessage().contains("local log of shard 0"), e.getMessage());
      assertTrue(e.getMessage().contains("local-0000-00000000000000000000.wal"), e.getMessage());
      assertTrue(local.failure().orElseThrow().getMessage().contains("boom"));
      assertThrows(UnavailableException.class, () -> local.appendSignal(1, 1, 1, 1, 1, 0));
      assertEquals(1, wal.localMetrics().failures());
      assertEquals(0, wal.metrics().failures());
      assertTrue(wal.shard(0).failure().isEmpty());
      assertEquals(3, appendSignals(wal.shard(0), 3).size(), "the shard log goes on");
    }
  }

  @Test
  void shouldRefuseLocalLogsOfShardsOutOfRange() {
    try (WalEngine wal = WalEngine.open(WalTestSupport.small(dir).shardCount(2).build())) {
      assertThrows(InvalidArgumentException.class, () -> wal.localLog(2));
      assertThrows(InvalidArgumentException.class, () -> wal.localLog(-1));
    }
  }

  @Test
  void shouldRefuseLocalLogsByDefaultNamingTheImplementation() {
    WriteAheadLog other =
        new WriteAheadLog() {
          @Override
          public int shardCount() {
            return 1;
          }

          @Override
          public ShardLog shard(int shard) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void close() {}
        };
    UnavailableException e = assertThrows(UnavailableException.class, () -> other.localLog(0));
    assertTrue(e.getMessage().contains(other.getClass().getName()), e.getMessage());
  }
}
