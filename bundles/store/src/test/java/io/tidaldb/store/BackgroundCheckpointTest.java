package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.support.files.AtomicFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Periodic snapshots are written off the commit thread from a consistent copy: commits go on while
 * one is pending, and the snapshot holds the state exactly at its position, not the writes that
 * followed (which replay after it).
 */
class BackgroundCheckpointTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final int SHARD = 0;
  static final long[] ENTITIES =
      LongStream.range(0, 1000)
          .filter(e -> new HashShardRouter(StoreFixture.SHARDS).shardOf(TenantId.DEFAULT, e) == 0)
          .limit(2)
          .toArray();
  static final EntityId A = EntityId.of(ENTITIES[0]);
  static final EntityId B = EntityId.of(ENTITIES[1]);

  @TempDir Path dir;

  /** Snapshot tasks, run by the test when it chooses. */
  final Queue<Runnable> tasks = new ArrayDeque<>();

  StoreFixture open() {
    return new StoreFixture(
        dir, b -> b.snapshotEveryRecords(100).snapshotExecutor(tasks::add), b -> b);
  }

  static void signal(StoreFixture db, EntityId entity, int n) {
    for (int i = 0; i < n; i++) {
      db.store.signal(VIEW, entity, 1.0, Timestamp.ofMillis(T0));
    }
  }

  long count(StoreFixture db, EntityId entity) {
    return db.store.read(TenantId.DEFAULT, VIEW, entity, Timestamp.ofMillis(T0)).count();
  }

  void runTasks() {
    while (!tasks.isEmpty()) {
      tasks.poll().run();
    }
  }

  @Test
  void shouldCommitWhileASnapshotIsPendingAndSnapshotTheStateAtItsPosition() {
    StoreFixture db = open();
    signal(db, A, 120); // the DEFINE and 99 signals make the snapshot due at position 100
    assertEquals(1, tasks.size(), "one snapshot handed off");
    assertEquals(0, db.store.snapshotPosition(SHARD), "not written yet");
    signal(db, B, 30); // acknowledged while the snapshot is pending
    signal(db, A, 10);
    assertEquals(1, tasks.size(), "at most one pending per shard");
    assertEquals(130, count(db, A));

    runTasks();
    long position = db.store.snapshotPosition(SHARD);
    assertEquals(100, position);
    Path file = new Snapshots(dir.resolve("store"), SHARD, 2).list().get(0);
    SeriesRegistry registry = new SeriesRegistry(t -> DecayModel.ofHalfLife(86_400_000));
    EntityStateMap states = new EntityStateMap();
    SnapshotReader.load(file, SHARD, registry, states, 4096);
    int series = registry.find(TenantId.DEFAULT, VIEW);
    assertEquals(99, states.get(series, A.value()).count(), "A as it was at position 100");
    assertEquals(null, states.get(series, B.value()), "B came after");

    db.wal.close(); // kill -9: recovery loads the snapshot and replays after it
    db.open();
    assertEquals(100, db.store.snapshotPosition(SHARD));
    assertEquals(130, count(db, A), "nothing lost, nothing counted twice");
    assertEquals(30, count(db, B));
    runTasks();
    db.close();
    runTasks();
  }

  @Test
  void shouldShowTheFrozenEntriesExactlyOnceWhateverTheMapDoesMeanwhile() {
    EntityStateMap map = new EntityStateMap();
    DecayModel decay = DecayModel.ofHalfLife(1000);
    long next = 0;
    for (long e = 0; e < 9; e++) {
      map.getOrCreate(1, e)
          .applyAt(
              ReplicaIds.log(1), next++, 1.0, T0, 1, decay); // capacity 16: grows at 10 entries
    }
    CrdtSignalState original = map.get(1, 5);
    FrozenStates frozen = map.freeze(new ReentrantReadWriteLock().readLock());
    CrdtSignalState written = map.getOrCreate(1, 5);
    assertNotSame(original, written, "copied before its first write");
    written.applyAt(ReplicaIds.log(1), next++, 1.0, T0, 2, decay);
    assertSame(written, map.getOrCreate(1, 5), "copied once");
    map.getOrCreate(1, 100)
        .applyAt(ReplicaIds.log(1), next++, 1.0, T0, 3, decay); // new, in the frozen slots
    for (long e = 200; e < 300; e++) {
      map.getOrCreate(1, e)
          .applyAt(ReplicaIds.log(1), next++, 1.0, T0, 3, decay); // the map grows meanwhile
    }
    map.getOrCreate(1, 6)
        .applyAt(ReplicaIds.log(1), next++, 1.0, T0, 4, decay); // first write after the growth
    map.getOrCreate(1, 5).applyAt(ReplicaIds.log(1), next++, 1.0, T0, 5, decay);
    Map<Long, Long> seen = new HashMap<>();
    frozen.forEach(
        (series, entity, state) -> assertNull(seen.put(entity, state.count()), "twice: " + entity));
    Map<Long, Long> expected = new HashMap<>();
    LongStream.range(0, 9).forEach(e -> expected.put(e, 1L));
    assertEquals(expected, seen, "each frozen entry once, as it was");
    assertEquals(3, map.get(1, 5).count());
    assertEquals(2, map.get(1, 6).count());
    map.thaw();
    assertSame(map.get(1, 6), map.getOrCreate(1, 6), "no copy after the thaw");
    assertEquals(110, map.size());
    assertEquals(9, frozen.size());
  }

  @Test
  void shouldShowEachEntryOnceWhenTheMapWritesWhileTheViewIsRead() {
    // forEach visits each chunk after releasing the lock: a slot written after its chunk was
    // copied needs no pre-image, a slot written before it was copied does
    EntityStateMap map = new EntityStateMap();
    DecayModel decay = DecayModel.ofHalfLife(1000);
    int n = 10_000; // several chunks of 4,096 slots
    long[] next = {0};
    for (long e = 0; e < n; e++) {
      map.getOrCreate(1, e).applyAt(ReplicaIds.log(1), next[0]++, 1.0, T0, 1, decay);
    }
    FrozenStates frozen = map.freeze(new ReentrantReadWriteLock().readLock());
    Map<Long, Long> seen = new HashMap<>();
    frozen.forEach(
        (series, entity, state) -> {
          if (seen.isEmpty()) { // inside the first chunk: every entity written once more
            for (long e = 0; e < n; e++) {
              map.getOrCreate(1, e).applyAt(ReplicaIds.log(1), next[0]++, 1.0, T0, 2, decay);
            }
          }
          assertNull(seen.put(entity, state.count()), "twice: " + entity);
        });
    Map<Long, Long> expected = new HashMap<>();
    LongStream.range(0, n).forEach(e -> expected.put(e, 1L));
    assertEquals(expected, seen, "each frozen entry once, as it was");
    assertEquals(2, map.get(1, n - 1).count());
    assertThrows(IllegalStateException.class, () -> frozen.forEach((a, b, c) -> {}));
  }

  @Test
  void shouldDiscardAPendingSnapshotWhenTheLogIsCut() {
    FakeReplication replication = new FakeReplication();
    StoreFixture db =
        new StoreFixture(
            dir,
            b -> b.clock(() -> T0).snapshotEveryRecords(100).snapshotExecutor(tasks::add),
            b -> b,
            replication);
    signal(db, A, 60);
    long cut = db.wal.shard(SHARD).durablePosition(); // one batch per signal: a boundary
    signal(db, A, 60);
    assertEquals(1, tasks.size(), "a snapshot at 100 is pending");
    long fence = db.wal.shard(SHARD).lastEpoch() + 1;
    assertEquals(120 + 1 - cut, db.store.truncateLog(SHARD, cut, fence));
    runTasks(); // finds the log cut since its copy: discarded
    assertEquals(cut, db.store.snapshotPosition(SHARD));
    for (Path p : new Snapshots(dir.resolve("store"), SHARD, 2).list()) {
      assertTrue(Snapshots.positionOf(p) <= cut, p.toString());
    }
    assertEquals(120, count(db, A), "the cut records' state is kept");
    db.wal.shard(SHARD).advanceEpoch(fence);
    long replica = db.store.replicaId();
    signal(db, B, 5);
    db.wal.close(); // kill -9
    db.open();
    assertEquals(replica, db.store.replicaId(), "no snapshot retired: nothing lost");
    assertEquals(120, count(db, A));
    assertEquals(5, count(db, B));
    db.close();
    runTasks();
  }

  @Test
  void shouldCountAFailedBackgroundSnapshotKeepTheWalAndRetryLater() throws IOException {
    StoreFixture db = open();
    // a directory where the snapshot's temporary file goes: writing it fails
    Path blocker =
        dir.resolve("store")
            .resolve(SnapshotDescriptor.fileName(SHARD, 100) + AtomicFile.TMP_SUFFIX);
    Files.createDirectories(blocker.resolve("in-the-way"));
    signal(db, A, 120);
    runTasks();
    ShardState shard = db.store.shardState(SHARD);
    assertEquals(1, shard.checkpointFailures());
    assertEquals(0, db.store.snapshotPosition(SHARD));
    assertEquals(0, db.wal.shard(SHARD).startPosition(), "the WAL keeps everything");
    signal(db, A, 79); // the next attempt is due 100 records after the failed one
    assertEquals(1, tasks.size());
    runTasks();
    assertEquals(200, db.store.snapshotPosition(SHARD));
    assertEquals(1, shard.checkpointFailures());
    StoreRecoveryTest.deleteTree(blocker);
    db.wal.close(); // kill -9
    db.open();
    assertEquals(199, count(db, A));
    db.close();
    runTasks();
  }
}
