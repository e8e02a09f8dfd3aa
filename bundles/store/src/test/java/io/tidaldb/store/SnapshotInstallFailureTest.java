package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.replication.SnapshotSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot that does not verify changes nothing at the receiving region, which keeps serving and
 * following; a transfer abandoned halfway, or left by a crash, leaves no file behind.
 */
class SnapshotInstallFailureTest {
  static final int SHARD = 1;

  @TempDir Path dir;
  CatchUpRegions regions;
  byte[] shipped;
  ShardSnapshot snapshot;
  List<Object> before;

  @BeforeEach
  void open() {
    regions = new CatchUpRegions(dir, 2001);
    regions.writeAtA(3_000);
    regions.feedB();
    regions.writeAtA(3_000);
    regions.a.store.checkpoint();
    snapshot = regions.a.store.openSnapshot(SHARD).orElseThrow();
    shipped = new byte[(int) snapshot.size()];
    snapshot.read(0, ByteBuffer.wrap(shipped));
    before = CatchUpRegions.reads(regions.b.store);
  }

  @AfterEach
  void close() {
    snapshot.close();
    regions.close();
  }

  /** Sends {@code bytes} announced as (position, last epoch, size), installs, expects a refusal. */
  InvalidArgumentException refused(byte[] bytes, int shard, long position, long size) {
    SnapshotSink sink =
        regions.b.store.receiveSnapshot(shard, position, snapshot.lastEpoch(), size);
    sink.write(0, ByteBuffer.wrap(bytes));
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, sink::install);
    System.out.println(e.getMessage());
    assertBUnchangedAndServing();
    return e;
  }

  void assertBUnchangedAndServing() {
    assertEquals(before, CatchUpRegions.reads(regions.b.store));
    assertEquals(List.of(), leftovers(), "nothing of the transfer is left");
    assertEquals(
        0, regions.b.wal.shard(SHARD).startPosition(), "the log is untouched (it starts at 0)");
  }

  List<Path> leftovers() {
    try (Stream<Path> files = Files.list(dir.resolve("b").resolve("store"))) {
      return files
          .filter(
              f ->
                  f.getFileName().toString().contains(".received")
                      || f.toString().endsWith(".install"))
          .toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  byte[] with(Consumer<byte[]> change) {
    byte[] copy = shipped.clone();
    change.accept(copy);
    return copy;
  }

  @Test
  void shouldRefuseACorruptByteATruncatedFileAWrongShardOrPositionAndKeepServing() {
    long p = snapshot.position();
    InvalidArgumentException e =
        refused(with(b -> b[b.length - 3] ^= 0x10), SHARD, p, shipped.length);
    assertTrue(e.getMessage().contains("body CRC32C mismatch"), e.getMessage());
    e = refused(with(b -> b[20] ^= 0x01), SHARD, p, shipped.length);
    assertTrue(e.getMessage().contains("header CRC32C mismatch"), e.getMessage());
    byte[] truncated = java.util.Arrays.copyOf(shipped, shipped.length - 100);
    e = refused(truncated, SHARD, p, truncated.length);
    assertTrue(e.getMessage().contains("body length"), e.getMessage());
    e = refused(shipped, SHARD + 1, p, shipped.length);
    assertTrue(
        e.getMessage().contains("shard " + SHARD + ", expected " + (SHARD + 1)), e.getMessage());
    e = refused(shipped, SHARD, p + 1, shipped.length);
    assertTrue(e.getMessage().contains("invalid position: " + p), e.getMessage());

    SnapshotSink incomplete = regions.b.store.receiveSnapshot(SHARD, p, 3, shipped.length);
    incomplete.write(0, ByteBuffer.wrap(shipped, 0, 1000));
    e = assertThrows(InvalidArgumentException.class, incomplete::install);
    assertTrue(e.getMessage().contains("incomplete: 1000 of " + shipped.length), e.getMessage());
    SnapshotSink wrongEpoch = regions.b.store.receiveSnapshot(SHARD, p, 2, shipped.length);
    wrongEpoch.write(0, ByteBuffer.wrap(shipped));
    e = assertThrows(InvalidArgumentException.class, wrongEpoch::install);
    assertTrue(e.getMessage().contains("batch of epoch 3"), e.getMessage());
    assertBUnchangedAndServing();

    regions.feedB(); // B still follows: takes A's batches and serves them
    assertEquals(CatchUpRegions.reads(regions.a.store), CatchUpRegions.reads(regions.b.store));
  }

  @Test
  void shouldRefuseToInstallBelowItsOwnLogsEndOrWhileLeadingAndChangeNothing() {
    regions.writeAtA(500);
    regions.feedB(); // B's log now ends beyond the snapshot's position
    before = CatchUpRegions.reads(regions.b.store);
    SnapshotSink behind =
        regions.b.store.receiveSnapshot(
            SHARD, snapshot.position(), snapshot.lastEpoch(), shipped.length);
    behind.write(0, ByteBuffer.wrap(shipped));
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, behind::install);
    assertTrue(e.getMessage().contains("beyond the snapshot"), e.getMessage());
    assertBUnchangedAndServing();

    regions.a.store.checkpoint();
    try (ShardSnapshot newer = regions.a.store.openSnapshot(SHARD).orElseThrow()) {
      regions.b.wal.shard(SHARD).startLeading(CatchUpRegions.EPOCH + 1);
      SnapshotSink leading = CatchUpRegions.transfer(newer, regions.b.store, 4096);
      e = assertThrows(InvalidArgumentException.class, leading::install);
      System.out.println(e.getMessage());
      assertBUnchangedAndServing();
      regions.b.wal.shard(SHARD).stopLeading();
      long former = regions.b.wal.shard(SHARD).durablePosition();
      assertEquals(newer.position(), former, "at the end of B's log: allowed");
      assertEquals(former, CatchUpRegions.transfer(newer, regions.b.store, 4096).install());
      assertEquals(newer.position(), regions.b.wal.shard(SHARD).startPosition());
    }
  }

  @Test
  void shouldRefuseToInstallWhileAReplicatedBatchIsPendingSoThatNoWaiterIsLeftHanging() {
    io.tidaldb.api.wal.ShardLog logB = regions.b.wal.shard(SHARD);
    java.nio.ByteBuffer batch =
        CatchUpRegions.batches(regions.a.wal.shard(SHARD), logB.nextPosition()).get(0);
    regions.disk.stallForces(true); // the batch is written, not yet durable
    long end = logB.appendReplicated(batch);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> regions.disk.stalledForces() > 0);
    SnapshotSink sink =
        regions.b.store.receiveSnapshot(
            SHARD, snapshot.position(), snapshot.lastEpoch(), shipped.length);
    sink.write(0, ByteBuffer.wrap(shipped));
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, sink::install);
    assertTrue(e.getMessage().contains("has pending records"), e.getMessage());
    assertEquals(List.of(), leftovers());
    regions.disk.stallForces(false);
    logB.awaitDurable(end - 1, CatchUpRegions.TIMEOUT); // the waiter completes as usual
    assertEquals(0, logB.startPosition());
    regions.feedB();
    assertEquals(CatchUpRegions.reads(regions.a.store), CatchUpRegions.reads(regions.b.store));
  }

  @Test
  void shouldRefuseWritesOutOfOrderOrBeyondTheAnnouncedSize() {
    SnapshotSink sink =
        regions.b.store.receiveSnapshot(SHARD, snapshot.position(), 3, shipped.length);
    sink.write(0, ByteBuffer.wrap(shipped, 0, 10));
    assertThrows(
        InvalidArgumentException.class, () -> sink.write(11, ByteBuffer.wrap(shipped, 11, 5)));
    assertThrows(InvalidArgumentException.class, () -> sink.write(10, ByteBuffer.wrap(shipped)));
    assertEquals(10, sink.written());
    sink.close();
    assertEquals(List.of(), leftovers());
  }

  @Test
  void shouldDeleteWhatATransferClosedHalfwayOrReplacedReceived() {
    SnapshotSink first =
        regions.b.store.receiveSnapshot(SHARD, snapshot.position(), 3, shipped.length);
    first.write(0, ByteBuffer.wrap(shipped, 0, 4096));
    assertEquals(1, leftovers().size());
    SnapshotSink second =
        regions.b.store.receiveSnapshot(SHARD, snapshot.position(), 3, shipped.length);
    assertThrows(UnavailableException.class, () -> first.write(4096, ByteBuffer.allocate(1)));
    assertEquals(1, leftovers().size(), "the second transfer's file only");
    second.write(0, ByteBuffer.wrap(shipped, 0, 100));
    second.close();
    second.close(); // idempotent
    assertBUnchangedAndServing();
  }

  @Test
  void shouldDeleteAReceivedFileACrashLeftWhenTheStoreOpens() {
    SnapshotSink sink =
        regions.b.store.receiveSnapshot(SHARD, snapshot.position(), 3, shipped.length);
    sink.write(0, ByteBuffer.wrap(shipped, 0, 5000));
    Path left = leftovers().get(0);
    regions.crashB(false);
    assertTrue(Files.exists(left));
    regions.restartB();
    assertBUnchangedAndServing();
  }
}
