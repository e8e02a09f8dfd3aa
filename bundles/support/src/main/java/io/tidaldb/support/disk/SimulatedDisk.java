package io.tidaldb.support.disk;

import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A disk for tests: the files a component opens through it are real files, but the disk tracks, per
 * file, what its last {@code force} made durable, and per directory which files were created since
 * its last fsync. Two faults:
 *
 * <ul>
 *   <li>{@link #crash()}: the process dies at this instant. Every channel opened so far fails every
 *       later operation with {@link java.nio.channels.ClosedChannelException} (an operation in
 *       progress completes first); the files keep everything written, fsynced or not, as the page
 *       cache of a killed process does. Channels opened later work (the next incarnation).
 *   <li>{@link #powerLoss()}: a crash, then every file is rolled back to its content at its last
 *       {@code force}, and every file created since its directory's last fsync is deleted.
 * </ul>
 *
 * Files that existed before the disk first opened them count as durable. Deletions and renames made
 * outside the disk are not undone. Writes that overwrite durable bytes (a cut, a rewrite) keep an
 * undo copy of those bytes until the next {@code force}; appends cost nothing extra. Thread-safe:
 * operations run concurrently; the two faults wait for operations in progress and exclude new ones.
 */
public final class SimulatedDisk {
  private final ReadWriteLock faults = new ReentrantReadWriteLock();
  private final Map<Path, FileState> files = new HashMap<>();
  private final Map<Path, Set<Path>> unsyncedCreations = new HashMap<>();
  private final List<DiskChannel> open = new ArrayList<>();
  private int generation;
  private int crashes;
  private int powerLosses;
  private boolean forcesStalled;
  private int stalledForces;

  /**
   * Opens a file as {@link FileChannel#open(Path, OpenOption...)} does, on this disk.
   *
   * @param file the file
   * @param options the open options
   * @return the channel; close it
   * @throws IOException if it cannot be opened
   */
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    Path path = file.toAbsolutePath().normalize();
    faults.readLock().lock();
    try {
      FileState state;
      synchronized (this) {
        boolean existed = Files.exists(path);
        FileChannel real = FileChannel.open(path, options);
        state = files.get(path);
        if (!existed || state == null) {
          state = new FileState(path, existed ? real.size() : 0);
          files.put(path, state);
        }
        if (!existed) {
          unsyncedCreations.computeIfAbsent(path.getParent(), d -> new HashSet<>()).add(path);
        }
        DiskChannel channel = new DiskChannel(this, real, state, generation);
        open.add(channel);
        return channel;
      }
    } finally {
      faults.readLock().unlock();
    }
  }

  /**
   * Fsyncs a directory: the files created in it so far are durable.
   *
   * @param directory the directory
   * @throws IOException if it cannot be opened or forced
   */
  public void syncDirectory(Path directory) throws IOException {
    Path dir = directory.toAbsolutePath().normalize();
    faults.readLock().lock();
    try {
      Fsync.directory(dir);
      synchronized (this) {
        unsyncedCreations.remove(dir);
      }
    } finally {
      faults.readLock().unlock();
    }
  }

  /**
   * Kills the process's use of the disk: see the class comment. Idempotent per incarnation.
   *
   * @return the number of channels cut off
   */
  public int crash() {
    faults.writeLock().lock();
    try {
      synchronized (this) {
        int cut = open.size();
        for (DiskChannel c : open) {
          c.kill();
        }
        open.clear();
        generation++;
        crashes++;
        notifyAll(); // stalled forces of the dead incarnation fail
        return cut;
      }
    } finally {
      faults.writeLock().unlock();
    }
  }

  /**
   * A power loss: {@link #crash()}, then every file rolled back to its last fsynced content and
   * every file whose creation was not made durable by a directory fsync deleted.
   *
   * @return the number of bytes lost over all files (truncated or rolled back)
   * @throws UncheckedIOException if a file cannot be rolled back
   */
  public long powerLoss() {
    faults.writeLock().lock();
    try {
      crash();
      synchronized (this) {
        powerLosses++;
        long lost = 0;
        for (Set<Path> created : unsyncedCreations.values()) {
          for (Path p : created) {
            lost += sizeOf(p);
            Files.deleteIfExists(p);
            files.remove(p);
          }
        }
        unsyncedCreations.clear();
        for (Iterator<Map.Entry<Path, FileState>> it = files.entrySet().iterator();
            it.hasNext(); ) {
          Map.Entry<Path, FileState> e = it.next();
          if (!Files.exists(e.getKey())) {
            it.remove(); // deleted by the process: not brought back
            continue;
          }
          lost += e.getValue().rollBack(e.getKey());
        }
        return lost;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("power loss: cannot roll a file back: " + e, e);
    } finally {
      faults.writeLock().unlock();
    }
  }

  /**
   * Returns how many crashes (power losses included) the disk has seen.
   *
   * @return the count
   */
  public synchronized int crashes() {
    return crashes;
  }

  /**
   * Returns how many power losses the disk has seen.
   *
   * @return the count
   */
  public synchronized int powerLosses() {
    return powerLosses;
  }

  /**
   * Makes every {@code force} wait (not holding anything a fault waits for) until {@code false} is
   * passed again or the disk crashes; a forced batch then sits written but not durable, the state a
   * power loss must roll back. A force released by a crash fails.
   *
   * @param stalled whether forces wait
   */
  public synchronized void stallForces(boolean stalled) {
    forcesStalled = stalled;
    notifyAll();
  }

  /**
   * Returns how many forces wait now because of {@link #stallForces}.
   *
   * @return the count
   */
  public synchronized int stalledForces() {
    return stalledForces;
  }

  /** Waits while forces are stalled and the channel's incarnation lives. */
  synchronized void awaitForceAllowed(int channelGeneration) throws InterruptedIOException {
    if (!forcesStalled || channelGeneration != generation) {
      return;
    }
    stalledForces++;
    try {
      while (forcesStalled && channelGeneration == generation) {
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("force interrupted while stalled");
    } finally {
      stalledForces--;
    }
  }

  /** Runs an operation of a live channel: excluded by a fault in progress. */
  void enter() {
    faults.readLock().lock();
  }

  void exit() {
    faults.readLock().unlock();
  }

  synchronized void closed(DiskChannel channel) {
    open.remove(channel);
  }

  private static long sizeOf(Path p) throws IOException {
    return Files.exists(p) ? Files.size(p) : 0;
  }

  @Override
  public synchronized String toString() {
    return "SimulatedDisk[" + files.size() + " files, " + crashes + " crashes]";
  }

  /** Rolls a file back: the undo copies newest first, then the durable length. */
  static long rollBackFile(Path file, long durableLength, List<FileState.Undo> undo)
      throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long size = ch.size();
      long lost = Math.max(0, size - durableLength);
      for (int i = undo.size() - 1; i >= 0; i--) {
        FileState.Undo u = undo.get(i);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(u.bytes());
        long at = u.offset();
        while (b.hasRemaining()) {
          at += ch.write(b, at);
        }
        lost += u.bytes().length;
      }
      ch.truncate(durableLength);
      ch.force(true);
      return lost;
    }
  }
}
