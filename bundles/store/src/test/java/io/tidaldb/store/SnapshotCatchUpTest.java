package io.tidaldb.store;

import static io.tidaldb.store.CatchUpRegions.EPOCH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.wal.ShardLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot catch-up (issue 10 item 2): a region whose log is behind what its leader retains, or
 * whose data directory was wiped, installs the leader's snapshot and continues with the leader's
 * log from its position; every read then equals the leader's, also after a restart.
 */
class SnapshotCatchUpTest {
  @TempDir Path dir;
  CatchUpRegions regions;

  @AfterEach
  void close() {
    if (regions != null) {
      regions.close();
    }
  }

  /** A writes and trims its log beyond B's end on every shard. */
  void leaderTrimsBeyond(long bEnd) {
    regions.writeAtA(25_000);
    regions.a.store.checkpoint();
    regions.writeAtA(15_000);
    regions.a.store.checkpoint(); // two kept: the WAL is trimmed up to the first
    regions.writeAtA(10_000); // and a tail after the newest snapshot
    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      long start = regions.a.wal.shard(shard).startPosition();
      assertTrue(start > bEnd, "shard " + shard + ": A's log starts at " + start);
    }
  }

  @Test
  void shouldCatchUpARegionBehindTheLeadersTrimmedLogAndMatchEveryReadAlsoAfterRestarts() {
    regions = new CatchUpRegions(dir, 1001);
    regions.writeAtA(2_000);
    regions.feedB(); // B follows for a while, then is down
    long bEnd = regions.b.wal.shard(0).durablePosition();
    assertTrue(bEnd > 0);
    leaderTrimsBeyond(bEnd);

    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      long before = regions.b.wal.shard(shard).durablePosition();
      assertEquals(before, regions.catchUp(shard), "the former log's records are discarded");
      ShardLog log = regions.b.wal.shard(shard);
      long p = log.startPosition();
      assertEquals(p, log.durablePosition());
      assertEquals(EPOCH, log.lastEpoch());
      assertEquals(regions.a.store.snapshotPosition(shard), p);
      ShardStatus status = regions.b.store.status().shards().get(shard);
      assertEquals(p, status.appliedPosition());
      assertEquals(p, status.snapshotPosition());
    }
    regions.feedB(); // A's batches from each snapshot's position on
    List<Object> leader = CatchUpRegions.reads(regions.a.store);
    assertEquals(leader, CatchUpRegions.reads(regions.b.store));

    regions.b.reopenWithoutCheckpoint(); // the installed snapshot plus the replicated batches
    assertEquals(leader, CatchUpRegions.reads(regions.b.store));
    regions.b.reopen(); // a checkpoint of its own on top
    assertEquals(leader, CatchUpRegions.reads(regions.b.store));
    regions.writeAtA(3_000);
    regions.feedB();
    assertEquals(CatchUpRegions.reads(regions.a.store), CatchUpRegions.reads(regions.b.store));
  }

  @Test
  void shouldCatchUpAWipedRegionUnderItsNewIncarnationAndKeepIt() throws IOException {
    regions = new CatchUpRegions(dir, 1002);
    regions.writeAtA(1_000);
    regions.feedB();
    long first = regions.b.store.replicaId();
    regions.b.close(); // the data directory is wiped, node.id kept (operations.md)
    wipe(dir.resolve("b").resolve("wal"));
    try (Stream<Path> files = Files.list(dir.resolve("b").resolve("store"))) {
      for (Path f : files.filter(f -> f.toString().endsWith(".snap")).toList()) {
        Files.delete(f);
      }
    }
    regions.b.open();
    long second = regions.b.store.replicaId();
    assertNotEquals(first, second, "a wiped region counts under a new incarnation");
    leaderTrimsBeyond(0);

    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      assertEquals(0, regions.catchUp(shard));
    }
    regions.feedB();
    List<Object> leader = CatchUpRegions.reads(regions.a.store);
    assertEquals(leader, CatchUpRegions.reads(regions.b.store));
    regions.crashB(true); // power loss right after
    regions.restartB();
    assertEquals(leader, CatchUpRegions.reads(regions.b.store));
    assertEquals(second, regions.b.store.replicaId(), "installing lost nothing: no new bump");
  }

  @Test
  void shouldShipTheNewestAnchoredSnapshotReadableAfterItsFileIsDeleted() {
    regions = new CatchUpRegions(dir, 1003);
    regions.writeAtA(4_000);
    int shard = 2;
    ShardLog log = regions.a.wal.shard(shard);
    try (ShardSnapshot none = regions.a.store.openSnapshot(shard).orElseThrow()) {
      assertEquals(log.durablePosition(), none.position(), "no snapshot yet: one is written");
      assertEquals(EPOCH, none.lastEpoch());
    }
    regions.writeAtA(4_000);
    regions.a.store.checkpoint();
    long newest = regions.a.store.snapshotPosition(shard);
    regions.writeAtA(2_000);
    ShardSnapshot snapshot = regions.a.store.openSnapshot(shard).orElseThrow();
    assertEquals(newest, snapshot.position(), "the newest kept one, not a new checkpoint");
    assertEquals(shard, snapshot.shard());
    byte[] whole = new byte[(int) snapshot.size()];
    assertEquals(whole.length, snapshot.read(0, ByteBuffer.wrap(whole)));
    regions.a.store.checkpoint();
    regions.writeAtA(2_000);
    regions.a.store.checkpoint(); // two newer ones: the shipped file is deleted
    assertFalse(Files.exists(snapshotFile(dir.resolve("a"), shard, newest)));
    byte[] again = new byte[whole.length];
    assertEquals(whole.length, snapshot.read(0, ByteBuffer.wrap(again)));
    assertEquals(-1, snapshot.read(whole.length, ByteBuffer.allocate(8)));
    snapshot.close();
    assertTrue(java.util.Arrays.equals(whole, again));
  }

  @Test
  void shouldNotShipACorruptSnapshotButAnOlderOne() throws IOException {
    regions = new CatchUpRegions(dir, 1005);
    int shard = 1;
    regions.writeAtA(3_000);
    regions.a.store.checkpoint();
    long older = regions.a.store.snapshotPosition(shard);
    regions.writeAtA(3_000);
    regions.a.store.checkpoint();
    Path newest = snapshotFile(dir.resolve("a"), shard, regions.a.store.snapshotPosition(shard));
    StoreRecoveryTest.flipByte(newest, Files.size(newest) - 10);
    try (ShardSnapshot snapshot = regions.a.store.openSnapshot(shard).orElseThrow()) {
      assertEquals(older, snapshot.position(), "every follower would refuse the corrupt one");
    }
  }

  @Test
  void shouldKeepThisRegionsOwnRecordsTheLeaderLacksByJoiningItsOwnEntries() {
    regions = new CatchUpRegions(dir, 1004);
    int shard = 0;
    long entity = entityOf(shard);
    ShardLog logB = regions.b.wal.shard(shard);
    // B leads epoch 1: 6 own signals reach A, 4 more do not (acknowledged at LOCAL).
    regions.followerB.notLeading.remove(shard);
    regions.followerB.leaderEpoch = 1;
    logB.startLeading(1);
    signalAtB(entity, 6);
    CatchUpRegions.feed(logB, regions.a.wal.shard(shard), 0);
    signalAtB(entity, 4);
    logB.stopLeading();
    regions.followerB.notLeading.add(shard);
    leaderTrimsBeyond(logB.durablePosition()); // A, in epoch 3, goes on without them

    for (int s = 0; s < StoreFixture.SHARDS; s++) {
      regions.catchUp(s);
    }
    regions.feedB();
    io.tidaldb.api.SignalAggregate atA = view(regions.a.store, entity);
    io.tidaldb.api.SignalAggregate atB = view(regions.b.store, entity);
    assertEquals(atA.count() + 4, atB.count(), "B's 4 own records the leader lacks are kept");
    assertEquals(atA.weightSum() + 4 * 2.0, atB.weightSum(), 1e-9);
    regions.crashB(true);
    regions.restartB(); // the joined state is what was installed
    assertEquals(atB, view(regions.b.store, entity));
    assertEquals(atA, view(regions.a.store, entity), "A never counted them");
  }

  void signalAtB(long entity, int n) {
    for (int i = 0; i < n; i++) {
      regions.b.store.signal(
          io.tidaldb.api.TenantId.DEFAULT,
          CatchUpRegions.VIEW,
          io.tidaldb.api.EntityId.of(entity),
          2.0,
          io.tidaldb.api.Timestamp.ofMillis(CatchUpRegions.T0 - 5),
          io.tidaldb.api.Durability.LOCAL);
    }
  }

  static io.tidaldb.api.SignalAggregate view(SignalStoreEngine store, long entity) {
    return store.read(
        io.tidaldb.api.TenantId.DEFAULT,
        CatchUpRegions.VIEW,
        io.tidaldb.api.EntityId.of(entity),
        io.tidaldb.api.Timestamp.ofMillis(CatchUpRegions.T0));
  }

  static long entityOf(int shard) {
    io.tidaldb.router.HashShardRouter router =
        new io.tidaldb.router.HashShardRouter(StoreFixture.SHARDS);
    long e = 0;
    while (router.shardOf(io.tidaldb.api.TenantId.DEFAULT, e) != shard) {
      e++;
    }
    return e;
  }

  static Path snapshotFile(Path db, int shard, long position) {
    return db.resolve("store").resolve(SnapshotDescriptor.fileName(shard, position));
  }

  static void wipe(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
