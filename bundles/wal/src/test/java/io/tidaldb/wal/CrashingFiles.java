package io.tidaldb.wal;

import io.tidaldb.support.disk.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * The WAL's files on a {@link SimulatedDisk} that can die before its k-th durable operation (a
 * write, force or truncate of a channel, an open that creates, a rename, a delete, a directory
 * fsync): {@link #arm} names k and the fault. A crash ({@link SimulatedDisk#crash}) keeps every
 * byte written; a power loss ({@link SimulatedDisk#powerLoss}) also loses what was not forced and,
 * beyond what the disk simulates, undoes every rename, deletion and creation made since the last
 * directory fsync (newest first: a deleted file comes back, a renamed one goes back under its old
 * name and the file it replaced returns). After the fault every operation fails, as in a dead
 * process; open a new instance over the same disk to restart.
 */
final class CrashingFiles implements WalFiles {
  /** The fault struck before the k-th operation. */
  enum Fault {
    CRASH,
    POWER_LOSS
  }

  private final SimulatedDisk disk;
  private final Path stash;
  private final Deque<Runnable> undo = new ArrayDeque<>(); // directory operations not yet synced
  private final List<String> done = new ArrayList<>();
  private int crashAt = -1;
  private Fault fault;
  private boolean armed;
  private boolean dead;
  private int stashed;

  /**
   * @param disk the disk
   * @param stash an empty directory outside the WAL's, where deleted and replaced files wait until
   *     a directory fsync makes their deletion durable
   */
  CrashingFiles(SimulatedDisk disk, Path stash) {
    this.disk = disk;
    this.stash = stash;
  }

  /**
   * Counts operations from now on and strikes {@code fault} before operation {@code k} (0-based).
   */
  synchronized void arm(int k, Fault fault) {
    this.crashAt = k;
    this.fault = fault;
    this.armed = true;
    done.clear();
  }

  /** The operations counted since {@link #arm} (all of them if no fault struck). */
  synchronized List<String> done() {
    return List.copyOf(done);
  }

  synchronized boolean struck() {
    return dead;
  }

  private synchronized void alive(String what) throws IOException {
    if (dead) {
      throw new IOException("the process died (simulated) before " + what);
    }
  }

  private synchronized void step(String what) throws IOException {
    alive(what);
    if (!armed) {
      return;
    }
    if (done.size() == crashAt) {
      dead = true;
      if (fault == Fault.POWER_LOSS) {
        disk.powerLoss();
        while (!undo.isEmpty()) {
          undo.pop().run();
        }
      } else {
        disk.crash();
      }
      throw new IOException("simulated " + fault + " before operation " + crashAt + ": " + what);
    }
    done.add(what);
  }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    List<OpenOption> opts = Arrays.asList(options);
    boolean creates =
        !Files.exists(file)
            && (opts.contains(StandardOpenOption.CREATE)
                || opts.contains(StandardOpenOption.CREATE_NEW));
    if (creates) {
      step("create " + file.getFileName());
    } else {
      alive("open " + file.getFileName());
    }
    FileChannel channel = disk.open(file, options);
    if (creates) {
      synchronized (this) {
        undo.push(() -> quietly(() -> Files.deleteIfExists(file)));
      }
    }
    return new Channel(channel, file.getFileName().toString());
  }

  @Override
  public void syncDirectory(Path directory) throws IOException {
    step("fsync directory");
    disk.syncDirectory(directory);
    synchronized (this) {
      undo.clear();
    }
  }

  @Override
  public void move(Path source, Path target) throws IOException {
    step("rename " + source.getFileName() + " to " + target.getFileName());
    Path replaced = keep(target);
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    synchronized (this) {
      undo.push(
          () ->
              quietly(
                  () -> {
                    Files.move(target, source, StandardCopyOption.REPLACE_EXISTING);
                    if (replaced != null) {
                      Files.move(replaced, target);
                    }
                  }));
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    alive("delete " + file.getFileName());
    if (!Files.exists(file)) {
      return;
    }
    step("delete " + file.getFileName());
    Path kept = keep(file);
    Files.delete(file);
    synchronized (this) {
      undo.push(() -> quietly(() -> Files.move(kept, file)));
    }
  }

  /** Copies {@code file} to the stash (if it exists), for a power loss to bring back. */
  private Path keep(Path file) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    Path copy;
    synchronized (this) {
      copy = stash.resolve(stashed++ + "-" + file.getFileName());
    }
    Files.copy(file, copy);
    return copy;
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static void quietly(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new AssertionError("cannot undo a directory operation for a power loss: " + e, e);
    }
  }

  /** A channel whose writes, truncations and forces count as operations. */
  private final class Channel extends FileChannel {
    private final FileChannel real;
    private final String name;

    Channel(FileChannel real, String name) {
      this.real = real;
      this.name = name;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return real.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return real.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      step("write " + name);
      return real.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      step("write " + name);
      return real.write(srcs, offset, length);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      step("write " + name + " at " + position);
      return real.write(src, position);
    }

    @Override
    public long position() throws IOException {
      return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      real.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return real.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      step("truncate " + name + " to " + size);
      real.truncate(size);
      return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      step("force " + name);
      real.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return real.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count)
        throws IOException {
      return real.transferFrom(src, position, count);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return real.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      real.close();
    }
  }
}
