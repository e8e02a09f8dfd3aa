package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots are tied to the log history they cover: a log truncated below a snapshot (a torn tail
 * dropped at open) and written again never lets recovery load that snapshot over the new records.
 */
class SnapshotHistoryTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final int SHARD = 0;
  static final long[] ENTITIES =
      LongStream.range(0, 1000)
          .filter(e -> new HashShardRouter(StoreFixture.SHARDS).shardOf(TenantId.DEFAULT, e) == 0)
          .limit(2)
          .toArray();
  static final EntityId OLD = EntityId.of(ENTITIES[0]);
  static final EntityId NEW = EntityId.of(ENTITIES[1]);

  @TempDir Path dir;

  long count(StoreFixture db, EntityId entity) {
    return db.store.read(TenantId.DEFAULT, VIEW, entity, Timestamp.ofMillis(T0)).count();
  }

  /** Writes {@code n} acknowledged signals one by one (one WAL batch each). */
  static void signal(StoreFixture db, EntityId entity, int n) {
    for (int i = 0; i < n; i++) {
      db.store.signal(VIEW, entity, 1.0, Timestamp.ofMillis(T0));
    }
  }

  /** Flips the last byte of the shard's newest segment: its last batch then reads as torn. */
  void tearLastBatch() throws IOException {
    Path newest;
    try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
      newest =
          files
              .filter(p -> p.getFileName().toString().startsWith("shard-0000-"))
              .sorted()
              .reduce((a, b) -> b)
              .orElseThrow();
    }
    StoreRecoveryTest.flipByte(newest, Files.size(newest) - 1);
  }

  List<Path> files(String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("store"))) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
    }
  }

  @Test
  void shouldNeverLoadASnapshotTakenBeforeATornTailWasTruncated() throws IOException {
    StoreFixture db = new StoreFixture(dir);
    signal(db, OLD, 10);
    db.store.checkpoint();
    long snapshot = db.store.snapshotPosition(SHARD);
    long first = db.store.replicaId();
    db.wal.close(); // kill -9: no final checkpoint
    tearLastBatch(); // the batch ending at the snapshot's position
    db.open();
    long durable = db.wal.shard(SHARD).durablePosition();
    assertTrue(durable < snapshot, "torn tail truncated: WAL ends at " + durable);
    assertEquals(9, count(db, OLD), "the torn batch is dropped");
    assertEquals(1, files(SnapshotHistory.RETIRED_SUFFIX).size(), "the snapshot is retired");
    // the snapshot proves the dropped batch was durable, so it may have been shipped
    assertEquals(first + 1, db.store.replicaId(), "incarnation bumped: durable records lost");
    signal(db, NEW, 5); // acknowledged, and carrying the log past the old snapshot again
    assertTrue(db.wal.shard(SHARD).durablePosition() > snapshot);
    db.wal.close(); // kill -9 again
    db.open();
    assertEquals(5, count(db, NEW), "every acknowledged signal after the truncation");
    assertEquals(9, count(db, OLD), "the dropped signal stays dropped");
    assertEquals(first + 1, db.store.replicaId(), "bumped once");
    signal(db, NEW, 1);
    db.reopenWithoutCheckpoint();
    assertEquals(6, count(db, NEW));
    assertEquals(9, count(db, OLD));
    assertEquals(first + 1, db.store.replicaId());
    db.close();
  }

  @Test
  void shouldRetireASnapshotWhoseCoveredBatchTheWalNoLongerHolds() throws IOException {
    StoreFixture db = new StoreFixture(dir);
    signal(db, OLD, 10);
    db.store.checkpoint();
    long snapshot = db.store.snapshotPosition(SHARD);
    long replica = db.store.replicaId();
    db.wal.close(); // kill -9
    tearLastBatch();
    // Something opens the WAL without the store (which would retire the snapshot at once) and
    // appends: the log passes the snapshot's position again with another history.
    try (WalEngine wal =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal")).shardCount(StoreFixture.SHARDS).build())) {
      for (int i = 0; i < 3; i++) {
        long p =
            wal.shard(SHARD).appendSignal(0, NEW.value(), 1.0, T0, (T0 << 16) + i, (int) replica);
        wal.shard(SHARD).awaitDurable(p, 10_000_000_000L);
      }
      assertTrue(wal.shard(SHARD).durablePosition() > snapshot);
    }
    db.open();
    assertEquals(3, count(db, NEW), "every record of the new history");
    assertEquals(9, count(db, OLD));
    assertEquals(replica + 1, db.store.replicaId());
    List<Path> retired = files(SnapshotHistory.RETIRED_SUFFIX);
    assertEquals(1, retired.size(), "retired: " + retired);
    assertTrue(files(".snap").stream().noneMatch(p -> Snapshots.positionOf(p) == snapshot));
    db.close();
  }

  @Test
  void shouldKeepLoadingTheSnapshotOfAnIntactLog() throws IOException {
    StoreFixture db = new StoreFixture(dir);
    signal(db, OLD, 10);
    db.store.checkpoint();
    long snapshot = db.store.snapshotPosition(SHARD);
    signal(db, NEW, 2);
    db.wal.close(); // kill -9
    db.open();
    assertEquals(snapshot, db.store.snapshotPosition(SHARD), "recovered from the snapshot");
    assertTrue(files(SnapshotHistory.RETIRED_SUFFIX).isEmpty());
    assertEquals(10, count(db, OLD));
    assertEquals(2, count(db, NEW));
    db.close();
  }

  @Test
  void shouldRefuseToOpenWhenTheWalIsGoneButSnapshotsRemain() throws IOException {
    StoreFixture db = new StoreFixture(dir);
    signal(db, OLD, 10);
    long first = db.store.replicaId();
    db.close(); // snapshots on close
    StoreRecoveryTest.deleteTree(dir.resolve("wal"));
    StorageException e;
    try (WalEngine wal =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal")).shardCount(StoreFixture.SHARDS).build())) {
      StoreConfig config =
          StoreConfig.builder(dir.resolve("store")).tenants("acme", "globex").build();
      e =
          assertThrows(
              StorageException.class,
              () -> SignalStoreEngine.open(config, wal, new HashShardRouter(StoreFixture.SHARDS)));
    }
    assertTrue(e.getMessage().contains("the WAL holds no records"), e.getMessage());
    assertTrue(e.getMessage().contains("snapshot-0000-"), e.getMessage());
    assertTrue(e.getMessage().contains("Restore the WAL directory"), e.getMessage());
    assertTrue(e.getMessage().contains("node.id"), e.getMessage());
    assertEquals(1, files(".snap").size(), "nothing changed: " + files(""));

    // The operator accepts the loss as the message says: WAL and snapshots aside, node.id kept.
    Path aside = Files.createDirectory(dir.resolve("aside"));
    StoreRecoveryTest.deleteTree(dir.resolve("wal"));
    for (Path p : files(".snap")) {
      Files.move(p, aside.resolve(p.getFileName()));
    }
    db.open();
    assertEquals(first + 1, db.store.replicaId(), "a new incarnation: the old data is lost");
    assertEquals(0, count(db, OLD));
    long[] acked = LongStream.range(10_000, 10_150).toArray();
    for (long entity : acked) {
      db.store.signal(VIEW, EntityId.of(entity), 1.0, Timestamp.ofMillis(T0));
    }
    db.store.checkpoint();
    for (long entity : acked) {
      db.store.signal(VIEW, EntityId.of(entity), 1.0, Timestamp.ofMillis(T0));
    }
    db.wal.close(); // kill -9
    db.open();
    assertEquals(first + 1, db.store.replicaId());
    for (long entity : acked) {
      assertEquals(2, count(db, EntityId.of(entity)), "entity " + entity);
    }
    assertEquals(0, count(db, OLD));
    db.close();
  }
}
