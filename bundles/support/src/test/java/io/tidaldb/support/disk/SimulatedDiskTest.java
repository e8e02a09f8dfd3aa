package io.tidaldb.support.disk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulated disk keeps what a crash keeps and rolls back what a power loss loses. */
class SimulatedDiskTest {
  @TempDir Path dir;

  private final SimulatedDisk disk = new SimulatedDisk();

  @Test
  void shouldRollBackAppendsOverwritesAndCutsMadeAfterTheLastForce() throws Exception {
    Path file = dir.resolve("a");
    disk.syncDirectory(dir);
    try (FileChannel ch = create(file)) {
      disk.syncDirectory(dir);
      write(ch, 0, "hello world");
      ch.force(false);
      write(ch, 11, " and more");
      write(ch, 0, "HELLO");
      ch.truncate(8);
      write(ch, 8, "xyzxyzxyzxyz");
      assertEquals("HELLO woxyzxyzxyzxyz", read(file));
      long lost = disk.powerLoss();
      assertTrue(lost > 0, "lost " + lost);
      assertThrows(ClosedChannelException.class, () -> ch.size());
    }
    assertEquals("hello world", read(file));
  }

  @Test
  void shouldKeepEverythingWrittenOnACrashButCutTheChannelsOff() throws Exception {
    Path file = dir.resolve("b");
    FileChannel ch = create(file);
    disk.syncDirectory(dir);
    write(ch, 0, "durable");
    ch.force(false);
    write(ch, 7, "+cached");
    assertEquals(1, disk.crash());
    assertThrows(ClosedChannelException.class, () -> write(ch, 0, "late"));
    assertThrows(ClosedChannelException.class, () -> ch.force(true));
    ch.close();
    assertEquals("durable+cached", read(file));
    // The page cache kept the unsynced bytes, but a later power loss still loses them.
    disk.powerLoss();
    assertEquals("durable", read(file));
  }

  @Test
  void shouldLoseAFileWhoseCreationNoDirectoryFsyncMadeDurable() throws Exception {
    Path kept = dir.resolve("kept");
    Path lost = dir.resolve("lost");
    try (FileChannel ch = create(kept)) {
      write(ch, 0, "x");
      ch.force(true);
    }
    disk.syncDirectory(dir);
    try (FileChannel ch = create(lost)) {
      write(ch, 0, "y");
      ch.force(true);
    }
    disk.powerLoss();
    assertTrue(Files.exists(kept));
    assertFalse(Files.exists(lost));
  }

  @Test
  void shouldHoldStalledForcesUntilReleasedAndFailThemOnACrash() throws Exception {
    Path file = dir.resolve("c");
    FileChannel ch = create(file);
    disk.syncDirectory(dir);
    write(ch, 0, "first");
    disk.stallForces(true);
    CompletableFuture<Void> force = CompletableFuture.runAsync(() -> force(ch));
    awaitStalled(1);
    assertFalse(force.isDone());
    disk.stallForces(false);
    force.get(10, TimeUnit.SECONDS);
    write(ch, 5, "second");
    disk.stallForces(true);
    CompletableFuture<Void> stalled = CompletableFuture.runAsync(() -> force(ch));
    awaitStalled(1);
    disk.powerLoss();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> stalled.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getCause() instanceof ClosedChannelException, e.toString());
    assertEquals("first", read(file));
  }

  @Test
  void shouldTreatFilesThatExistedBeforeTheDiskOpenedThemAsDurable() throws Exception {
    Path file = dir.resolve("old");
    Files.writeString(file, "before");
    try (FileChannel ch = disk.open(file, StandardOpenOption.WRITE)) {
      write(ch, 6, " after");
    }
    disk.powerLoss();
    assertEquals("before", read(file));
  }

  @Test
  void shouldUndoACutMadeThroughAWriteOnlyChannel() throws Exception {
    Path file = dir.resolve("w");
    Files.writeString(file, "0123456789");
    try (FileChannel ch = disk.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(4); // the WAL cuts a suffix through its write-only segment channel
      write(ch, 4, "ab");
    }
    assertEquals("0123ab", read(file));
    disk.powerLoss();
    assertEquals("0123456789", read(file));
  }

  private void awaitStalled(int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (disk.stalledForces() != n) {
      assertTrue(System.nanoTime() < deadline, "stalled forces " + disk.stalledForces());
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  private FileChannel create(Path file) throws Exception {
    return disk.open(
        file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
  }

  private static void force(FileChannel ch) {
    try {
      ch.force(false);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void write(FileChannel ch, long at, String s) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    while (b.hasRemaining()) {
      ch.write(b, at + b.position());
    }
  }

  private static String read(Path file) throws Exception {
    return new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
  }
}
