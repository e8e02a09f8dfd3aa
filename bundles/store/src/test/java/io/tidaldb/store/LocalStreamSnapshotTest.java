package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stream beside the shard log's other writers: a background snapshot taken while local
 * writes apply, a snapshot install from the leader, and a cut of the shard log each keep this
 * region's local entries, and recovery counts every local signal once.
 */
class LocalStreamSnapshotTest {
  static final long T0 = LocalStreamTest.T0;
  static final SignalType VIEW = LocalStreamTest.VIEW;
  static final int SHARD = 0;
  static final long[] ENTITIES =
      LongStream.range(0, 1000)
          .filter(
              e -> new HashShardRouter(StoreFixture.SHARDS).shardOf(TenantId.DEFAULT, e) == SHARD)
          .limit(3)
          .toArray();
  static final EntityId A = EntityId.of(ENTITIES[0]);
  static final EntityId B = EntityId.of(ENTITIES[1]);
  static final EntityId C = EntityId.of(ENTITIES[2]);

  @TempDir Path dir;

  /** Snapshot tasks, run by the test when it chooses. */
  final Queue<Runnable> tasks = new ArrayDeque<>();

  static long count(SignalStoreEngine store, TenantId tenant, SignalType type, long entity) {
    return store.read(tenant, type, EntityId.of(entity), Timestamp.ofMillis(T0)).count();
  }

  @Test
  void shouldWriteABackgroundSnapshotWhoseLocalPositionMatchesItsViewWhileLocalWritesApply() {
    StoreFixture db =
        new StoreFixture(
            dir,
            b -> b.clock(() -> T0).snapshotEveryRecords(100).snapshotExecutor(tasks::add),
            b -> b);
    LocalStreamTest.logged(db, A, 1);
    LocalStreamTest.locals(db, A, 10); // local 0..10: the DEFINE and 10 signals
    LocalStreamTest.logged(db, B, 120); // the snapshot falls due at 100: frozen with local 11
    assertEquals(1, tasks.size(), "one snapshot handed off");
    LocalStreamTest.locals(db, A, 5); // copies A's state the view shares
    LocalStreamTest.locals(db, C, 3); // a new slot the view skips
    tasks.poll().run();
    assertEquals(100, db.store.snapshotPosition(SHARD));
    Path file = new Snapshots(dir.resolve("store"), SHARD, 2).list().get(0);
    assertEquals(11, SnapshotReader.header(file, SHARD).localPosition());
    SeriesRegistry registry = new SeriesRegistry(t -> DecayModel.ofHalfLife(3_600_000));
    EntityStateMap states = new EntityStateMap();
    SnapshotReader.load(file, SHARD, registry, states, 4096);
    int series = registry.find(TenantId.DEFAULT, VIEW);
    assertEquals(11, states.get(series, A.value()).count(), "A as it was at the freeze");
    assertEquals(null, states.get(series, C.value()), "C came after the freeze");

    db.reopenWithoutCheckpoint(); // the snapshot, then both logs after its two positions
    assertEquals(16, LocalStreamTest.count(db, A));
    assertEquals(120, LocalStreamTest.count(db, B));
    assertEquals(3, LocalStreamTest.count(db, C));
    db.close();
  }

  @Test
  void shouldKeepTheLocalEntriesAndTheLocalLogThroughASnapshotInstall() {
    try (CatchUpRegions regions = new CatchUpRegions(dir, 11L)) {
      regions.writeAtA(2_000);
      regions.feedB();
      long entity = definedEntityOfB(regions);
      int shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(TenantId.DEFAULT, entity);
      SignalStoreEngine b = regions.b.store;
      for (int i = 0; i < 5; i++) {
        b.appendLocal(shard, TenantId.DEFAULT, VIEW, EntityId.of(entity), 1.0, ts()).join();
      }
      long localEnd = regions.b.wal.localLog(shard).durablePosition();
      regions.writeAtA(2_000); // B falls behind
      regions.a.store.checkpoint();
      regions.catchUp(shard);
      long atA = count(regions.a.store, TenantId.DEFAULT, VIEW, entity);
      assertEquals(atA + 5, count(b, TenantId.DEFAULT, VIEW, entity), "the install joined them");
      assertEquals(localEnd, regions.b.wal.localLog(shard).durablePosition(), "untouched");
      Path installed = new Snapshots(regions.b.dir.resolve("store"), shard, 2).list().get(0);
      assertEquals(localEnd, SnapshotReader.header(installed, shard).localPosition(), "ours");

      regions.crashB(true);
      regions.restartB();
      b = regions.b.store;
      assertEquals(atA + 5, count(b, TenantId.DEFAULT, VIEW, entity), "once after a restart");
      b.appendLocal(shard, TenantId.DEFAULT, VIEW, EntityId.of(entity), 1.0, ts()).join();
      assertEquals(atA + 6, count(b, TenantId.DEFAULT, VIEW, entity));
    }
  }

  @Test
  void shouldKeepTheLocalEntriesAndTheLocalLogThroughACut() {
    StoreFixture db = new StoreFixture(dir, b -> b.clock(() -> T0), b -> b);
    LocalStreamTest.logged(db, A, 3); // shard log 0..3
    LocalStreamTest.locals(db, A, 4); // local log 0..4
    LocalStreamTest.logged(db, A, 2); // shard log 4, 5
    assertEquals(2, db.store.truncateLog(SHARD, 4, 1), "the last two shard log records cut");
    assertEquals(9, LocalStreamTest.count(db, A), "every effect kept");
    assertEquals(5, db.wal.localLog(SHARD).durablePosition(), "the local log untouched");
    LocalStreamTest.locals(db, A, 1);
    assertEquals(10, LocalStreamTest.count(db, A));
    db.reopenWithoutCheckpoint();
    assertEquals(10, LocalStreamTest.count(db, A));
    db.close();
  }

  /** An entity of the default tenant whose shard defines (default, view) at B. */
  private static long definedEntityOfB(CatchUpRegions regions) {
    HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
    for (long e = 0; ; e++) {
      ShardState s = regions.b.store.shardState(router.shardOf(TenantId.DEFAULT, e));
      if (s.registry.find(TenantId.DEFAULT, VIEW) >= 0) {
        assertTrue(e < CatchUpRegions.ENTITIES);
        return e;
      }
    }
  }

  private static Timestamp ts() {
    return Timestamp.ofMillis(T0);
  }
}
