package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.replication.SnapshotSink;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.support.disk.SimulatedDisk;
import io.tidaldb.wal.WalFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Two regions for snapshot catch-up tests: A, a single-region store whose log is in epoch 3 and
 * gets trimmed, and B (region 1, following every shard through a {@link FakeReplication}) whose WAL
 * runs on a {@link SimulatedDisk}, so a test can crash it or cut its power.
 */
final class CatchUpRegions implements AutoCloseable {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final SignalType LIKE = SignalType.of("like");
  static final TenantId ACME = TenantId.of("acme");
  static final int ENTITIES = 5_000;
  static final long EPOCH = 3;
  static final long TIMEOUT = TimeUnit.SECONDS.toNanos(30);

  final SimulatedDisk disk = new SimulatedDisk();
  final FakeReplication followerB = new FakeReplication();
  final StoreFixture a;
  StoreFixture b;
  private final Random random;

  CatchUpRegions(Path dir, long seed) {
    System.out.println("seed " + seed);
    this.random = new Random(seed);
    a =
        new StoreFixture(
            dir.resolve("a"),
            s -> s.clock(() -> T0).snapshotEveryRecords(1L << 40),
            w -> w.segmentBytes(64 << 10));
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      a.wal.shard(i).advanceEpoch(EPOCH);
      followerB.notLeading.add(i);
    }
    b =
        new StoreFixture(
            dir.resolve("b"),
            s -> s.clock(() -> T0).region(RegionId.of(1)),
            w -> w.files(on(disk)),
            followerB);
  }

  /** Writes {@code n} seeded signals at A (both tenants, two types, retractions) and waits. */
  void writeAtA(int n) {
    long[] last = new long[StoreFixture.SHARDS];
    java.util.Arrays.fill(last, -1);
    for (int i = 0; i < n; i++) {
      TenantId tenant = random.nextBoolean() ? TenantId.DEFAULT : ACME;
      SignalType type = random.nextInt(4) == 0 ? LIKE : VIEW;
      double weight = random.nextInt(10) == 0 ? -1.5 : random.nextInt(5) + 0.25;
      long ticket =
          a.store.submit(
              tenant, type, random.nextInt(ENTITIES), weight, T0 - random.nextInt(3_600_000));
      last[SignalTickets.shard(ticket)] = ticket;
      if (i % 1_000 == 999 || i == n - 1) {
        for (long t : last) {
          if (t >= 0) {
            a.store.awaitDurable(t, Duration.ofSeconds(30));
          }
        }
      }
    }
  }

  /** Ships A's durable batches of every shard from B's next position, as a leader would. */
  void feedB() {
    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      feed(a.wal.shard(shard), b.wal.shard(shard), b.wal.shard(shard).nextPosition());
    }
  }

  /** Ships {@code from}'s durable batches from {@code position} into {@code to}. */
  static void feed(ShardLog from, ShardLog to, long position) {
    for (ByteBuffer batch : batches(from, position)) {
      to.awaitDurable(to.appendReplicated(batch) - 1, TIMEOUT);
    }
  }

  static List<ByteBuffer> batches(ShardLog log, long from) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        ByteBuffer src = batch.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src.duplicate()).flip();
        out.add(copy);
      }
    }
    return out;
  }

  /** Copies {@code snapshot} into a new sink of {@code to} in chunks of {@code chunk} bytes. */
  static SnapshotSink transfer(ShardSnapshot snapshot, SignalStoreEngine to, int chunk) {
    SnapshotSink sink =
        to.receiveSnapshot(
            snapshot.shard(), snapshot.position(), snapshot.lastEpoch(), snapshot.size());
    ByteBuffer buffer = ByteBuffer.allocate(chunk);
    for (long offset = 0; ; ) {
      buffer.clear();
      int n = snapshot.read(offset, buffer);
      if (n < 0) {
        break;
      }
      buffer.flip();
      sink.write(offset, buffer);
      offset += n;
    }
    assertEquals(snapshot.size(), sink.written());
    return sink;
  }

  /** Opens A's snapshot of {@code shard} and installs it at B; returns the records B discarded. */
  long catchUp(int shard) {
    try (ShardSnapshot snapshot = a.store.openSnapshot(shard).orElseThrow()) {
      return transfer(snapshot, b.store, 8_191).install();
    }
  }

  /** Everything a client can read: every entity of both tenants and types, and their top 25. */
  static List<Object> reads(SignalStoreEngine store) {
    Timestamp at = Timestamp.ofMillis(T0);
    List<Object> all = new ArrayList<>();
    for (TenantId tenant : List.of(TenantId.DEFAULT, ACME)) {
      for (SignalType type : List.of(VIEW, LIKE)) {
        for (long e = 0; e < ENTITIES; e++) {
          all.add(store.read(tenant, type, EntityId.of(e), at));
        }
        all.add(store.top(tenant, type, 25, at));
      }
    }
    return all;
  }

  /** Kills B: its WAL's disk dies at this instant, WAL and store halt (no checkpoint). */
  void crashB(boolean powerLoss) {
    if (powerLoss) {
      disk.powerLoss();
    } else {
      disk.crash();
    }
    b.store.halt();
    b.wal.halt();
  }

  /** Opens B again after {@link #crashB}. */
  void restartB() {
    b.open();
  }

  static WalFiles on(SimulatedDisk disk) {
    return new WalFiles() {
      @Override
      public FileChannel open(Path file, OpenOption... options) throws IOException {
        return disk.open(file, options);
      }

      @Override
      public void syncDirectory(Path directory) throws IOException {
        disk.syncDirectory(directory);
      }
    };
  }

  @Override
  public void close() {
    a.close();
    b.close();
  }
}
