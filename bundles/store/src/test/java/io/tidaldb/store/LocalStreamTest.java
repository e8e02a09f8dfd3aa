package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.support.disk.SimulatedDisk;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The store's local stream: signals accepted in this region's own stream of a shard (its local log)
 * are durable there, applied to the region's local entry, read at once, kept in snapshots and
 * recovered, each counted once.
 */
class LocalStreamTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final int SHARD = 0;
  static final long[] ENTITIES =
      LongStream.range(0, 1000)
          .filter(
              e -> new HashShardRouter(StoreFixture.SHARDS).shardOf(TenantId.DEFAULT, e) == SHARD)
          .limit(2)
          .toArray();
  static final EntityId A = EntityId.of(ENTITIES[0]);
  static final EntityId B = EntityId.of(ENTITIES[1]);

  @TempDir Path dir;

  StoreFixture open() {
    return new StoreFixture(dir, b -> b.clock(() -> T0), b -> b);
  }

  static SignalAck local(StoreFixture db, EntityId entity) {
    return db.store
        .appendLocal(SHARD, TenantId.DEFAULT, VIEW, entity, 1.0, Timestamp.ofMillis(T0))
        .join();
  }

  static void locals(StoreFixture db, EntityId entity, int n) {
    for (int i = 0; i < n; i++) {
      local(db, entity);
    }
  }

  static void logged(StoreFixture db, EntityId entity, int n) {
    for (int i = 0; i < n; i++) {
      db.store.signal(VIEW, entity, 1.0, Timestamp.ofMillis(T0));
    }
  }

  static long count(StoreFixture db, EntityId entity) {
    return db.store.read(TenantId.DEFAULT, VIEW, entity, Timestamp.ofMillis(T0)).count();
  }

  static long localDurable(StoreFixture db) {
    return db.store.status().shards().get(SHARD).localDurablePosition();
  }

  @Test
  void shouldAcknowledgeLocalAppendsInTheLocalLogAndCountThemOnceAcrossACleanRestart() {
    StoreFixture db = open();
    logged(db, A, 1); // the DEFINE comes through the shard log
    long shardNext = db.wal.shard(SHARD).nextPosition();
    SignalAck ack = local(db, A);
    assertTrue(ack.local());
    assertEquals(Durability.LOCAL, ack.durability());
    assertEquals(1, ack.position(), "after the local log's own DEFINE at 0");
    locals(db, A, 9);
    assertEquals(11, count(db, A), "read at once after durable");
    assertEquals(
        10.0 + 1, db.store.read(TenantId.DEFAULT, VIEW, A, Timestamp.ofMillis(T0)).weightSum());
    assertEquals(shardNext, db.wal.shard(SHARD).nextPosition(), "nothing in the shard log");
    assertEquals(11, localDurable(db));
    assertEquals(
        A, db.store.top(TenantId.DEFAULT, VIEW, 1, Timestamp.ofMillis(T0)).get(0).entity());

    db.reopen();
    assertEquals(11, count(db, A));
    locals(db, A, 2); // a DEFINE again: the first since the log was opened
    assertEquals(14, localDurable(db));
    db.reopenWithoutCheckpoint();
    assertEquals(13, count(db, A));
    db.close();
  }

  @Test
  void shouldCountLocalAndLogWritesOfOneEntityInTwoEntries() {
    StoreFixture db = open();
    logged(db, A, 3);
    locals(db, A, 2);
    logged(db, A, 1);
    CrdtSignalState state = stateOf(db, A);
    assertEquals(2, state.replicaCount(), "log(0) and local(region, incarnation)");
    assertEquals(6, count(db, A));
    db.reopenWithoutCheckpoint();
    assertEquals(6, count(db, A));
    assertEquals(2, stateOf(db, A).replicaCount());
    db.close();
  }

  @Test
  void shouldRefuseASeriesTheShardDoesNotDefineYetNamingTenantTypeAndShard() {
    StoreFixture db = open();
    CompletionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            CompletionException.class, () -> local(db, A));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertFalse(u.mayBeStored());
    assertTrue(u.getMessage().contains("tenant default, type view: shard 0"), u.getMessage());
    assertTrue(u.getMessage().contains("needs the shard's leader"), u.getMessage());
    assertEquals(0, db.wal.localLog(SHARD).nextPosition(), "nothing appended");
    db.close();
  }

  @Test
  void shouldRecoverFromASnapshotTakenBetweenLocalAppends() throws IOException {
    StoreFixture db = open();
    logged(db, A, 2);
    locals(db, A, 10);
    logged(db, B, 1);
    db.store.checkpoint();
    Path snapshot = new Snapshots(dir.resolve("store"), SHARD, 2).list().get(0);
    assertEquals(11, SnapshotReader.header(snapshot, SHARD).localPosition());
    locals(db, A, 5);
    locals(db, B, 4);
    db.reopenWithoutCheckpoint(); // the snapshot, the shard log after it, the local log after 11
    assertEquals(17, count(db, A));
    assertEquals(5, count(db, B));
    db.close();
  }

  @ParameterizedTest(name = "power loss {0}")
  @ValueSource(booleans = {false, true})
  void shouldKeepEveryAcknowledgedLocalSignalOnceAfterACrash(boolean powerLoss) {
    SimulatedDisk disk = new SimulatedDisk();
    StoreFixture db =
        new StoreFixture(dir, b -> b.clock(() -> T0), b -> b.files(CatchUpRegions.on(disk)));
    logged(db, A, 1);
    locals(db, A, 20);
    db.store.checkpoint();
    locals(db, A, 7);
    logged(db, A, 2);
    // records appended but not acknowledged die with the power: only fsynced ones survive
    db.store.appendLocal(SHARD, TenantId.DEFAULT, VIEW, B, 1.0, Timestamp.ofMillis(T0));
    if (powerLoss) {
      disk.powerLoss();
    } else {
      disk.crash();
    }
    db.store.halt();
    db.wal.halt();
    db.open();
    assertEquals(30, count(db, A));
    long b = count(db, B);
    assertTrue(b == 0 || b == 1, "the unacknowledged one is there once or not at all: " + b);
    locals(db, A, 1);
    assertEquals(31, count(db, A));
    db.close();
  }

  @Test
  void shouldTrimTheLocalLogAfterCheckpointsNoFurtherThanTheOldestKeptSnapshot() {
    StoreFixture db = new StoreFixture(dir, b -> b.clock(() -> T0), b -> b.segmentBytes(1 << 10));
    logged(db, A, 1);
    for (int round = 0; round < 3; round++) {
      locals(db, A, 60);
      logged(db, B, 1); // a snapshot is named by its shard log position
      db.store.checkpoint();
    }
    long start = db.wal.localLog(SHARD).startPosition();
    assertTrue(start > 0, "local log trimmed: starts at " + start);
    long oldestKept =
        new Snapshots(dir.resolve("store"), SHARD, 2)
            .list().stream()
                .mapToLong(p -> SnapshotReader.header(p, SHARD).localPosition())
                .min()
                .orElseThrow();
    assertTrue(start <= oldestKept, start + " <= " + oldestKept);
    locals(db, A, 3);
    db.reopenWithoutCheckpoint();
    assertEquals(184, count(db, A));
    db.close();
  }

  @Test
  void shouldRetireASnapshotBeyondALostLocalLogAndBumpTheIncarnation() throws IOException {
    StoreFixture db = open();
    logged(db, A, 2);
    locals(db, A, 5);
    db.close();
    try (Stream<Path> files = Files.list(dir.resolve("wal"))) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("local-")).toList()) {
        Files.delete(f);
      }
    }
    db.open();
    assertEquals(1, db.store.status().incarnation(), "the local log lost durable records");
    assertEquals(2, count(db, A), "the shard log replayed; the lost local records are gone here");
    try (Stream<Path> files = Files.list(dir.resolve("store"))) {
      assertEquals(
          1,
          files
              .filter(f -> f.getFileName().toString().endsWith(SnapshotHistory.RETIRED_SUFFIX))
              .count());
    }
    assertEquals(
        ReplicaIds.local(0, 1), db.store.replicaId(), "new local signals go to a new entry");
    locals(db, A, 1);
    assertEquals(3, count(db, A));
    db.close();
  }

  @Test
  void shouldRefuseToOpenWhenALocalDefineBindsAnIdToOtherNames() {
    StoreFixture db = open();
    logged(db, A, 1); // shard log: series 0 = (default, view)
    db.close();
    try (WalEngine wal =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal")).shardCount(StoreFixture.SHARDS).build())) {
      long p = wal.localLog(SHARD).appendDefine(0, "default", "like");
      wal.localLog(SHARD).awaitDurable(p, 10_000_000_000L);
    }
    StorageException e = assertThrows(StorageException.class, db::open);
    assertTrue(e.getMessage().contains("local log of shard 0"), e.getMessage());
    assertTrue(e.getMessage().contains("series 0 defined as (default, like)"), e.getMessage());
    assertTrue(e.getMessage().contains("already bound to (default, view)"), e.getMessage());
    db.wal.close();
  }

  static CrdtSignalState stateOf(StoreFixture db, EntityId entity) {
    ShardState s = db.store.shardState(SHARD);
    int series = s.registry.find(TenantId.DEFAULT, VIEW);
    return s.states.get(series, entity.value());
  }
}
