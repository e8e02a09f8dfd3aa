package io.tidaldb.wal;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log engine: one directory, one {@link ShardLog} per shard, each with its own
 * segments and commit thread. Plain Java, usable without OSGi; the DS component and the benchmarks
 * build it with {@link #open}.
 *
 * <p>Opening takes an exclusive lock on {@code wal.lock} in the directory, then recovers every
 * shard (see {@link ShardRecovery}) before starting any commit thread. Thread-safe.
 *
 * <p>A reader ({@link ShardLog#openReader}) starts with the batch that holds the requested
 * position, which may begin below it: callers skip the records below the position they asked for.
 */
public final class WalEngine implements WriteAheadLog {
  private static final Logger LOG = LoggerFactory.getLogger(WalEngine.class);
  private static final String LOCK_FILE = "wal.lock";

  private final WalConfig config;
  private final WalMetrics metrics;
  private final ShardWal[] shards;
  private final FileChannel lockChannel;
  private final Object closeLock = new Object();
  private boolean closed;

  private WalEngine(
      WalConfig config, WalMetrics metrics, ShardWal[] shards, FileChannel lockChannel) {
    this.config = config;
    this.metrics = metrics;
    this.shards = shards;
    this.lockChannel = lockChannel;
  }

  /**
   * Opens (creating if needed) and recovers the log in {@code config.directory()}.
   *
   * @param config the configuration
   * @return the open engine; close it when done
   * @throws StorageException if the directory cannot be used or a segment is corrupt before its
   *     tail (the message names the file and offset)
   */
  public static WalEngine open(WalConfig config) {
    if (config == null) {
      throw new InvalidArgumentException("config", null, "must not be null");
    }
    Path directory = config.directory();
    FileChannel lockChannel = lock(directory);
    WalMetrics metrics = new WalMetrics();
    ShardWal[] shards = new ShardWal[config.shardCount()];
    try {
      List<List<Path>> files = listSegments(directory, config.shardCount());
      BatchScanner scanner =
          new BatchScanner(
              Math.max(8 << 20, BatchDescriptor.HEADER_LENGTH + config.maxBatchBytes()));
      for (int i = 0; i < shards.length; i++) {
        ShardRecovery recovered =
            ShardRecovery.recover(i, directory, files.get(i), scanner, config.files());
        shards[i] = new ShardWal(i, config, metrics, recovered);
      }
    } catch (IOException | RuntimeException e) {
      for (ShardWal shard : shards) {
        if (shard != null) {
          shard.discard();
        }
      }
      closeQuietly(lockChannel);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException(directory + ": cannot open write-ahead log: " + e, e);
    }
    for (ShardWal shard : shards) {
      shard.start();
    }
    LOG.info("opened write-ahead log {}", config);
    return new WalEngine(config, metrics, shards, lockChannel);
  }

  private static FileChannel lock(Path directory) {
    FileChannel channel = null;
    try {
      Files.createDirectories(directory);
      channel =
          FileChannel.open(
              directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        throw new StorageException(directory + ": write-ahead log is open in another process");
      }
      return channel;
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel);
      throw new StorageException(directory + ": write-ahead log is already open in this JVM", e);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new StorageException(directory + ": cannot lock write-ahead log directory: " + e, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  private static List<List<Path>> listSegments(Path directory, int shardCount) throws IOException {
    List<List<Path>> files = new ArrayList<>();
    for (int i = 0; i < shardCount; i++) {
      files.add(new ArrayList<>());
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        if (!SegmentFiles.looksLikeSegment(file.getFileName().toString())) {
          continue;
        }
        int shard = (int) SegmentFiles.parse(file)[0];
        if (shard >= shardCount) {
          throw new StorageException(
              file
                  + ": segment of shard "
                  + shard
                  + " but the log is configured with "
                  + shardCount
                  + " shards; refusing to open rather than ignore it");
        }
        files.get(shard).add(file);
      }
    }
    for (List<Path> list : files) {
      list.sort(null); // zero-padded names sort in position order
    }
    return files;
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("cannot close {}: {}", LOCK_FILE, e.toString());
      }
    }
  }

  /**
   * Returns the configuration the engine was opened with.
   *
   * @return the configuration
   */
  public WalConfig config() {
    return config;
  }

  /**
   * Returns the engine's live counters, summed over shards.
   *
   * @return the metrics
   */
  public WalMetrics metrics() {
    return metrics;
  }

  @Override
  public int shardCount() {
    return shards.length;
  }

  @Override
  public ShardLog shard(int shard) {
    if (shard < 0 || shard >= shards.length) {
      throw new InvalidArgumentException(
          "shard", shard, "must be between 0 and " + (shards.length - 1));
    }
    return shards[shard];
  }

  /** {@inheritDoc} Waits up to 10 s per shard for its commit thread to finish. */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (ShardWal shard : shards) {
      shard.beginClose();
    }
    for (ShardWal shard : shards) {
      shard.awaitClosed();
    }
    closeQuietly(lockChannel);
    LOG.info("closed write-ahead log {}", config.directory());
  }

  /**
   * Stops the log as a crash would, for tests: every shard refuses appends and fails its waiters at
   * once, and its commit thread exits without writing or fsyncing what is pending; nothing is
   * flushed, and the channels are closed without a force (closing forces nothing). A batch the
   * commit thread is writing at the instant finishes or fails on its own: to stop it mid-way, open
   * the log on a {@code io.tidaldb.support.disk.SimulatedDisk} and crash that first. Waits up to 10
   * s per shard for its commit thread to exit, then releases the directory lock, so the same
   * directory can be opened again in this JVM. Idempotent; {@link #close()} after it does nothing.
   */
  public void halt() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (ShardWal shard : shards) {
      shard.halt();
    }
    for (ShardWal shard : shards) {
      shard.awaitClosed();
    }
    closeQuietly(lockChannel);
    LOG.info("halted write-ahead log {} (a simulated crash)", config.directory());
  }
}
