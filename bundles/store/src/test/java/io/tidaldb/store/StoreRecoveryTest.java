package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreRecoveryTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final SignalType LIKE = SignalType.of("like");
  static final TenantId ACME = TenantId.of("acme");

  @TempDir Path dir;

  /** Writes a seeded mix of signals and returns the reads of every touched entity. */
  static List<SignalAggregate> writeAndRead(StoreFixture db, long seed, int signals) {
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    long[] last = {-1, -1, -1, -1};
    for (int i = 0; i < signals; i++) {
      TenantId tenant = random.nextBoolean() ? TenantId.DEFAULT : ACME;
      SignalType type = random.nextInt(4) == 0 ? LIKE : VIEW;
      double weight = random.nextInt(10) == 0 ? -1.0 : random.nextInt(5);
      long ticket =
          db.store.submit(tenant, type, random.nextInt(500), weight, T0 - random.nextInt(100_000));
      last[SignalTickets.shard(ticket)] = ticket;
      if (i % 500 == 499) {
        // bounded batches, so segments roll and snapshots happen whatever the machine's speed
        for (long t : last) {
          if (t >= 0) {
            db.store.awaitDurable(t, Duration.ofSeconds(30));
          }
        }
      }
    }
    db.store.checkpoint(); // waits for everything pending; also writes snapshots
    return readAll(db);
  }

  static List<SignalAggregate> readAll(StoreFixture db) {
    Timestamp at = Timestamp.ofMillis(T0);
    return Stream.of(TenantId.DEFAULT, ACME)
        .flatMap(
            t ->
                Stream.of(VIEW, LIKE)
                    .flatMap(
                        type ->
                            java.util.stream.LongStream.range(0, 500)
                                .mapToObj(e -> db.store.read(t, type, EntityId.of(e), at))))
        .toList();
  }

  @Test
  void shouldRecoverSameStateAfterCleanReopen() {
    try (StoreFixture db = new StoreFixture(dir)) {
      List<SignalAggregate> before = writeAndRead(db, 11, 20_000);
      db.reopen();
      assertEquals(before, readAll(db));
    }
  }

  @Test
  void shouldReplayWalWhenStoreWasNotCheckpointed() {
    try (StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(1_000_000_000L), b -> b)) {
      Random random = new Random(12);
      for (int i = 0; i < 5_000; i++) {
        db.store.signal(VIEW, EntityId.of(random.nextInt(50)), 1.0, Timestamp.ofMillis(T0));
      }
      List<SignalAggregate> before = readAll(db);
      db.reopenWithoutCheckpoint();
      for (int s = 0; s < StoreFixture.SHARDS; s++) {
        assertEquals(0, db.store.snapshotPosition(s));
      }
      assertEquals(before, readAll(db));
    }
  }

  @Test
  void shouldSnapshotAndDeleteCoveredWalSegments() throws IOException {
    try (StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(2_000), b -> b.segmentBytes(64 * 1024))) {
      List<SignalAggregate> before = writeAndRead(db, 13, 60_000);
      db.reopen();
      assertEquals(before, readAll(db));
      for (int s = 0; s < StoreFixture.SHARDS; s++) {
        assertTrue(db.wal.shard(s).startPosition() > 0, "shard " + s + " WAL was trimmed");
        assertTrue(db.store.snapshotPosition(s) > 0);
      }
      try (Stream<Path> snaps = Files.list(dir.resolve("store"))) {
        assertEquals(
            2 * StoreFixture.SHARDS, snaps.filter(p -> p.toString().endsWith(".snap")).count());
      }
    }
  }

  @Test
  void shouldKeepTheWalReplicationStillNeeds() {
    FakeReplication replication = new FakeReplication();
    replication.retain.put(1, 1_000L); // shard 1's slowest follower is at position 1,000
    try (StoreFixture db =
        new StoreFixture(
            dir, b -> b.snapshotEveryRecords(2_000), b -> b.segmentBytes(64 * 1024), replication)) {
      List<SignalAggregate> before = writeAndRead(db, 16, 60_000);
      db.reopen();
      assertEquals(before, readAll(db));
      assertTrue(db.store.snapshotPosition(1) > 1_000, "shard 1 has snapshots past the follower");
      long start = db.wal.shard(1).startPosition();
      assertTrue(start <= 1_000, "shard 1 WAL kept from " + start + " for the follower at 1,000");
      for (int s : new int[] {0, 2, 3}) {
        assertTrue(db.wal.shard(s).startPosition() > 0, "shard " + s + " WAL was trimmed");
      }
    }
  }

  @Test
  void shouldFallBackToOlderSnapshotWhenNewestIsCorrupt() throws IOException {
    List<SignalAggregate> before;
    try (StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(2_000), b -> b.segmentBytes(64 * 1024))) {
      before = writeAndRead(db, 14, 40_000);
    }
    Path newest = new Snapshots(dir.resolve("store"), 0, 2).list().get(0);
    flipByte(newest, Files.size(newest) - 10);
    try (StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(2_000), b -> b.segmentBytes(64 * 1024))) {
      assertEquals(before, readAll(db));
    }
  }

  @Test
  void shouldRefuseToOpenWhenNoSnapshotCoversTrimmedWal() throws IOException {
    try (StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(2_000), b -> b.segmentBytes(64 * 1024))) {
      writeAndRead(db, 15, 40_000);
      assertTrue(db.wal.shard(1).startPosition() > 0, "WAL of shard 1 was trimmed");
    }
    for (Path p : new Snapshots(dir.resolve("store"), 1, 2).list()) {
      flipByte(p, 20);
    }
    StorageException e = assertThrows(StorageException.class, () -> new StoreFixture(dir));
    assertTrue(e.getMessage().contains("snapshot-0001-"), e.getMessage());
    assertTrue(e.getMessage().contains("offset"), e.getMessage());
  }

  @Test
  void shouldBumpIncarnationWhenDataIsLost() throws IOException {
    long first;
    try (StoreFixture db = new StoreFixture(dir)) {
      db.store.signal(VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T0));
      first = db.store.replicaId();
    }
    deleteTree(dir.resolve("wal"));
    try (Stream<Path> files = Files.list(dir.resolve("store"))) {
      for (Path p : files.filter(p -> p.toString().endsWith(".snap")).toList()) {
        Files.delete(p);
      }
    }
    try (StoreFixture db = new StoreFixture(dir)) {
      assertNotEquals(first, db.store.replicaId());
      assertEquals(first + 1, db.store.replicaId());
      assertEquals(0, db.store.read(VIEW, EntityId.of(1)).count());
    }
  }

  @Test
  void shouldKeepIncarnationAcrossRestarts() {
    long first;
    try (StoreFixture db = new StoreFixture(dir)) {
      db.store.signal(VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T0));
      first = db.store.replicaId();
      db.reopenWithoutCheckpoint();
      assertEquals(first, db.store.replicaId());
    }
  }

  @Test
  void shouldRefuseDataWithoutNodeIdentity() throws IOException {
    try (StoreFixture db = new StoreFixture(dir)) {
      db.store.signal(VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T0));
    }
    Files.delete(dir.resolve("store").resolve(NodeIdentity.FILE));
    StorageException e = assertThrows(StorageException.class, () -> new StoreFixture(dir));
    assertTrue(e.getMessage().contains("node.id is missing"), e.getMessage());
  }

  static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0xFF);
    }
  }

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void shouldReplayTheWholeWalInsteadOfASnapshotWrittenBeforeTheEntryScheme() throws IOException {
    List<SignalAggregate> before;
    try (StoreFixture db = new StoreFixture(dir)) {
      before = writeAndRead(db, 17, 5_000);
    }
    for (int s = 0; s < StoreFixture.SHARDS; s++) {
      for (Path p : new Snapshots(dir.resolve("store"), s, 2).list()) {
        SnapshotFormatTest.setVersion(p, 4);
      }
    }
    try (StoreFixture db = new StoreFixture(dir)) {
      for (int s = 0; s < StoreFixture.SHARDS; s++) {
        assertEquals(0, db.store.snapshotPosition(s), "shard " + s + " replayed from 0");
      }
      assertEquals(before, readAll(db));
    }
  }

  @Test
  void shouldRefuseToOpenWhenOnlySnapshotsBeforeTheEntrySchemeCoverTheTrimmedWal()
      throws IOException {
    try (StoreFixture db =
        new StoreFixture(dir, b -> b.snapshotEveryRecords(2_000), b -> b.segmentBytes(64 * 1024))) {
      writeAndRead(db, 18, 40_000);
      assertTrue(db.wal.shard(1).startPosition() > 0, "WAL of shard 1 was trimmed");
    }
    for (Path p : new Snapshots(dir.resolve("store"), 1, 2).list()) {
      SnapshotFormatTest.setVersion(p, 4);
    }
    StorageException e = assertThrows(StorageException.class, () -> new StoreFixture(dir));
    assertTrue(e.getMessage().contains("snapshot-0001-"), e.getMessage());
    assertTrue(e.getMessage().contains("version 4"), e.getMessage());
    assertTrue(e.getMessage().contains("written before the issue-11 entry scheme"), e.getMessage());
  }

  @Test
  void shouldDeleteTemporarySnapshotsACrashLeftWhenTheStoreOpens() throws IOException {
    Path store = Files.createDirectories(dir.resolve("db").resolve("store"));
    Path left = store.resolve("snapshot-0002-00000000000000000040.snap.tmp");
    Files.writeString(left, "torn");
    try (StoreFixture db = new StoreFixture(dir.resolve("db"))) {
      assertFalse(Files.exists(left));
      assertEquals(0, db.store.snapshotPosition(2));
    }
  }
}
