package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting a shard's log for a new leader while keeping the state the cut records produced. */
class ShardTruncationTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final SignalType LIKE = SignalType.of("like");
  static final int SHARD = 1;
  static final HashShardRouter ROUTER = new HashShardRouter(StoreFixture.SHARDS);
  static final long[] ENTITIES =
      LongStream.range(0, 1000)
          .filter(e -> ROUTER.shardOf(TenantId.DEFAULT, e) == SHARD)
          .limit(10)
          .toArray();

  @TempDir Path dir;
  final FakeReplication replication = new FakeReplication();
  StoreFixture db;
  long cut;
  long end;
  long fence;
  List<SignalAggregate> beforeCut;

  @BeforeEach
  void open() {
    db =
        new StoreFixture(
            dir,
            // snapshots written as they fall due, so the suffix surely holds one
            b -> b.clock(() -> T0).snapshotEveryRecords(20).snapshotExecutor(Runnable::run),
            b -> b,
            replication);
  }

  @AfterEach
  void close() {
    db.close();
  }

  ShardLog log() {
    return db.wal.shard(SHARD);
  }

  SignalAck signal(SignalType type, int i) {
    long entity = ENTITIES[i % ENTITIES.length];
    return db.store.signal(
        TenantId.DEFAULT,
        type,
        EntityId.of(entity),
        1 + i % 3,
        Timestamp.ofMillis(T0 - i),
        Durability.LOCAL);
  }

  List<SignalAggregate> reads(SignalType type) {
    List<SignalAggregate> all = new ArrayList<>();
    for (long e : ENTITIES) {
      all.add(db.store.read(TenantId.DEFAULT, type, EntityId.of(e), Timestamp.ofMillis(T0)));
    }
    return all;
  }

  /** Returns the first position of the batch holding {@code position} or the next one. */
  long batchBoundaryAtOrAfter(long position) {
    try (WalReader r = log().openReader(position)) {
      for (WalBatch b = r.next(); b != null; b = r.next()) {
        if (b.firstPosition() >= position) {
          return b.firstPosition();
        }
      }
    }
    throw new AssertionError("no batch starts at or after " + position);
  }

  /**
   * Writes 100 VIEW signals, picks a batch boundary among them as the cut, then writes 100 more and
   * a new series LIKE (defined in the suffix only).
   */
  void writeWithSuffix() {
    for (int i = 0; i < 100; i++) {
      signal(VIEW, i);
    }
    cut = batchBoundaryAtOrAfter(50);
    for (int i = 100; i < 200; i++) {
      signal(VIEW, i);
    }
    for (int i = 0; i < 5; i++) {
      signal(LIKE, i);
    }
    end = log().durablePosition();
    fence = log().lastEpoch() + 1;
    beforeCut = reads(VIEW);
    assertTrue(cut > 1 && cut < end, cut + " in 1.." + end);
    assertTrue(db.store.snapshotPosition(SHARD) > cut, "a snapshot lies in the suffix");
  }

  void assertNoSnapshotAbove(long position) {
    for (Path p : new Snapshots(dir.resolve("store"), SHARD, 2).list()) {
      assertTrue(Snapshots.positionOf(p) <= position, p.toString());
    }
  }

  @Test
  void shouldCutTheLogKeepTheStateAndContinueAtThePosition() {
    writeWithSuffix();
    assertEquals(5, reads(LIKE).stream().mapToLong(SignalAggregate::count).sum());

    assertEquals(end - cut, db.store.truncateLog(SHARD, cut, fence));

    assertEquals(beforeCut, reads(VIEW), "the cut records' state is kept");
    assertEquals(0, reads(LIKE).stream().mapToLong(SignalAggregate::count).sum());
    assertEquals(-1, db.store.shardState(SHARD).registry.find(TenantId.DEFAULT, LIKE));
    ShardStatus status = db.store.status().shards().get(SHARD);
    assertEquals(cut, status.nextPosition());
    assertEquals(cut, status.durablePosition());
    assertEquals(cut, status.appliedPosition());
    assertEquals(cut, status.snapshotPosition());
    assertNoSnapshotAbove(cut);

    // the new leader's records carry the fence epoch and continue at the cut
    log().advanceEpoch(fence);
    assertEquals(cut, signal(VIEW, 7).position());
    SignalAck like = signal(LIKE, 1); // LIKE is new again: DEFINE, then the signal
    assertEquals(cut + 2, like.position());
    List<SignalAggregate> views = reads(VIEW);
    List<SignalAggregate> likes = reads(LIKE);
    assertNotEquals(beforeCut, views);

    db.reopenWithoutCheckpoint(); // fenced snapshot + replay of the new epoch's batches
    assertEquals(views, reads(VIEW));
    assertEquals(likes, reads(LIKE));
    assertEquals(cut + 3, log().durablePosition());
    db.reopen(); // clean: from the final checkpoint
    assertEquals(views, reads(VIEW));
    assertEquals(likes, reads(LIKE));
    assertEquals(cut + 3, db.store.status().shards().get(SHARD).appliedPosition());
  }

  @Test
  void shouldFinishACutThatACrashInterrupted() {
    writeWithSuffix();
    assertEquals(end - cut, ShardTruncation.persistCut(db.store.shardState(SHARD), cut, fence));
    assertEquals(end, log().durablePosition(), "the log is not cut yet");

    db.reopenWithoutCheckpoint();

    assertEquals(cut, log().durablePosition(), "recovery cut the suffix of the older epoch");
    assertEquals(cut, log().nextPosition());
    assertEquals(beforeCut, reads(VIEW));
    assertEquals(0, reads(LIKE).stream().mapToLong(SignalAggregate::count).sum());
    assertNoSnapshotAbove(cut);
    log().advanceEpoch(fence);
    assertEquals(cut, signal(VIEW, 3).position());
    List<SignalAggregate> views = reads(VIEW);
    db.reopenWithoutCheckpoint();
    assertEquals(views, reads(VIEW), "batches of the fence epoch are replayed, not cut");
    assertEquals(cut + 1, log().durablePosition());
  }

  @Test
  void shouldRefuseAPositionOutsideTheDurableLog() {
    writeWithSuffix();
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class, () -> db.store.truncateLog(SHARD, end + 1, fence));
    assertTrue(e.getMessage().contains("position: " + (end + 1)), e.getMessage());
    assertThrows(InvalidArgumentException.class, () -> db.store.truncateLog(9, 0, fence));
    assertEquals(end, log().durablePosition());
    assertEquals(beforeCut, reads(VIEW));
  }
}
