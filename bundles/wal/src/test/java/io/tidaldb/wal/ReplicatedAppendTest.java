package io.tidaldb.wal;

import static io.tidaldb.wal.ReplicaTestSupport.batchesOf;
import static io.tidaldb.wal.ReplicaTestSupport.copy;
import static io.tidaldb.wal.ReplicaTestSupport.follow;
import static io.tidaldb.wal.WalTestSupport.WAIT_NANOS;
import static io.tidaldb.wal.WalTestSupport.appendSignals;
import static io.tidaldb.wal.WalTestSupport.readAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.wal.WalTestSupport.Rec;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower's shard log fed with a leader's batches through {@link ShardLog#appendReplicated}. */
class ReplicatedAppendTest {
  @TempDir Path dir;

  private Path leaderDir() {
    return dir.resolve("leader");
  }

  private Path followerDir() {
    return dir.resolve("follower");
  }

  /** Fills a leader log over two epochs and returns its records. */
  private static List<Rec> lead(ShardLog leader) {
    leader.advanceEpoch(1);
    List<Rec> appended = new ArrayList<>();
    appended.add(Rec.define(leader.appendDefine(3, "acme", "view"), 3, "acme", "view"));
    appended.addAll(appendSignals(leader, 150));
    leader.advanceEpoch(3);
    appended.addAll(appendSignals(leader, 150));
    return appended;
  }

  @Test
  void shouldMirrorLeaderSegmentsByteForByteDeliverEachBatchOnceAndRecoverThem() throws Exception {
    List<Rec> records;
    List<ByteBuffer> shipped;
    try (WalEngine leaderWal = WalEngine.open(WalTestSupport.small(leaderDir()).build());
        WalEngine followerWal = WalEngine.open(WalTestSupport.small(followerDir()).build())) {
      ShardLog leader = leaderWal.shard(0);
      ShardLog follower = followerWal.shard(0);
      records = lead(leader);
      shipped = batchesOf(leader, 0);
      assertTrue(shipped.size() > 3, "several batches: " + shipped.size());
      List<ByteBuffer> seen = Collections.synchronizedList(new ArrayList<>());
      follower.setCommitListener(batch -> seen.add(copy(batch.bytes())));

      follow(follower, shipped);

      assertEquals(shipped, seen, "listener sees every batch once, in order, as shipped");
      assertEquals(leader.nextPosition(), follower.nextPosition());
      assertEquals(leader.durablePosition(), follower.durablePosition());
      assertEquals(leader.epoch(), follower.epoch());
      assertEquals(3, follower.epoch());
      assertEquals(records, readAll(follower, 0));
      assertEquals(shipped.size(), followerWal.metrics().replicatedTriggers());
      assertEquals(shipped.size(), followerWal.metrics().batches());
    }
    List<Path> leaderSegments = WalTestSupport.segments(leaderDir(), 0);
    List<Path> followerSegments = WalTestSupport.segments(followerDir(), 0);
    assertTrue(leaderSegments.size() > 1, "segments rolled: " + leaderSegments);
    assertEquals(
        leaderSegments.stream().map(Path::getFileName).toList(),
        followerSegments.stream().map(Path::getFileName).toList());
    for (int i = 0; i < leaderSegments.size(); i++) {
      assertArrayEquals(
          Files.readAllBytes(leaderSegments.get(i)),
          Files.readAllBytes(followerSegments.get(i)),
          "segment " + followerSegments.get(i).getFileName());
    }
    try (WalEngine reopened = WalEngine.open(WalTestSupport.small(followerDir()).build())) {
      ShardLog follower = reopened.shard(0);
      assertEquals(records.size(), follower.nextPosition());
      assertEquals(records.size(), follower.durablePosition());
      assertEquals(3, follower.epoch());
      assertEquals(records, readAll(follower, 0));
      assertEquals(shipped, batchesOf(follower, 0));
    }
  }

  @Test
  void shouldRaiseEpochWithAcceptedBatchAndKeepItAcrossReopen() {
    ByteBuffer batch;
    try (WalEngine leaderWal = WalEngine.open(WalTestSupport.small(leaderDir()).build())) {
      ShardLog leader = leaderWal.shard(0);
      leader.advanceEpoch(7);
      appendSignals(leader, 3);
      batch = batchesOf(leader, 0).get(0);
    }
    try (WalEngine followerWal = WalEngine.open(WalTestSupport.small(followerDir()).build())) {
      ShardLog follower = followerWal.shard(0);
      follower.advanceEpoch(2);
      long end = follower.appendReplicated(batch);
      assertEquals(7, follower.epoch(), "the epoch rises as the batch is accepted");
      follower.awaitDurable(end - 1, WAIT_NANOS);
      assertThrows(InvalidArgumentException.class, () -> follower.advanceEpoch(6));
    }
    try (WalEngine reopened = WalEngine.open(WalTestSupport.small(followerDir()).build())) {
      assertEquals(7, reopened.shard(0).epoch());
      assertEquals(ReplicaTestSupport.end(batch), reopened.shard(0).nextPosition());
    }
  }

  @Test
  void shouldContinueWithLocalAppendsAfterReplicatedBatchesAreDurable() {
    List<Rec> records;
    try (WalEngine leaderWal = WalEngine.open(WalTestSupport.small(leaderDir()).build());
        WalEngine followerWal = WalEngine.open(WalTestSupport.small(followerDir()).build())) {
      ShardLog leader = leaderWal.shard(0);
      ShardLog follower = followerWal.shard(0);
      records = new ArrayList<>(lead(leader));
      follow(follower, batchesOf(leader, 0));
      List<WalBatchSummary> local = Collections.synchronizedList(new ArrayList<>());
      follower.setCommitListener(b -> local.add(WalBatchSummary.of(b)));

      List<Rec> promoted = appendSignals(follower, 40);

      assertEquals(records.size(), promoted.get(0).position(), "positions continue");
      records.addAll(promoted);
      assertEquals(records.size(), follower.durablePosition());
      for (WalBatchSummary s : local) {
        assertEquals(3, s.epoch(), "local batches carry the epoch the log followed to");
      }
      assertEquals(records, readAll(follower, 0));
    }
    try (WalEngine reopened = WalEngine.open(WalTestSupport.small(followerDir()).build())) {
      assertEquals(records, readAll(reopened.shard(0), 0));
      assertEquals(3, reopened.shard(0).epoch());
    }
  }

  /** What a test keeps of a batch after the listener returns. */
  record WalBatchSummary(long firstPosition, int recordCount, long epoch) {
    static WalBatchSummary of(WalBatch b) {
      return new WalBatchSummary(b.firstPosition(), b.recordCount(), b.epoch());
    }
  }
}
