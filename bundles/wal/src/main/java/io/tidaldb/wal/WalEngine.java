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
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log engine: one directory, two {@link ShardLog}s per shard (the shard log and the
 * {@link #localLog local log}, {@link LogKind}), each with its own segments and commit thread.
 * Plain Java, usable without OSGi; the DS component and the benchmarks build it with {@link #open}.
 *
 * <p>Opening takes an exclusive lock on {@code wal.lock} in the directory, then recovers every log
 * (see {@link ShardRecovery}) before starting any commit thread. A directory written before local
 * logs existed has no {@code local-} files: its local logs open empty at position 0. An idle log's
 * commit thread stays parked and its segment is created by its first batch. Thread-safe.
 *
 * <p>A reader ({@link ShardLog#openReader}) starts with the batch that holds the requested
 * position, which may begin below it: callers skip the records below the position they asked for.
 */
public final class WalEngine implements WriteAheadLog {
  private static final Logger LOG = LoggerFactory.getLogger(WalEngine.class);
  private static final String LOCK_FILE = "wal.lock";

  private final WalConfig config;
  private final WalMetrics metrics;
  private final WalMetrics localMetrics;
  private final ShardWal[] shards;
  private final LocalLog[] locals;
  private final FileChannel lockChannel;
  private final Object closeLock = new Object();
  private boolean closed;

  private WalEngine(
      WalConfig config,
      WalMetrics metrics,
      WalMetrics localMetrics,
      ShardWal[] logs,
      FileChannel lockChannel) {
    int n = config.shardCount();
    this.config = config;
    this.metrics = metrics;
    this.localMetrics = localMetrics;
    this.shards = Arrays.copyOf(logs, n);
    this.locals = new LocalLog[n];
    for (int i = 0; i < n; i++) {
      locals[i] = new LocalLog(logs[n + i]);
    }
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
    WalMetrics localMetrics = new WalMetrics();
    WalConfig localConfig = config.forLocalLogs();
    int n = config.shardCount();
    ShardWal[] logs = new ShardWal[2 * n]; // shard logs, then local logs
    try {
      Map<LogKind, List<List<Path>>> files = listSegments(directory, n);
      BatchScanner scanner =
          new BatchScanner(
              Math.max(8 << 20, BatchDescriptor.HEADER_LENGTH + config.maxBatchBytes()));
      for (int i = 0; i < logs.length; i++) {
        LogKind kind = i < n ? LogKind.SHARD : LogKind.LOCAL;
        int shard = i % n;
        ShardRecovery recovered =
            ShardRecovery.recover(
                kind, shard, directory, files.get(kind).get(shard), scanner, config.files());
        logs[i] =
            kind == LogKind.SHARD
                ? new ShardWal(kind, shard, config, metrics, recovered)
                : new ShardWal(kind, shard, localConfig, localMetrics, recovered);
      }
    } catch (IOException | RuntimeException e) {
      for (ShardWal log : logs) {
        if (log != null) {
          log.discard();
        }
      }
      closeQuietly(lockChannel);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new StorageException(directory + ": cannot open write-ahead log: " + e, e);
    }
    for (ShardWal log : logs) {
      log.start();
    }
    LOG.info("opened write-ahead log {}", config);
    return new WalEngine(config, metrics, localMetrics, logs, lockChannel);
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

  /** Lists every log's segments, per kind and shard, each list in position order. */
  private static Map<LogKind, List<List<Path>>> listSegments(Path directory, int shardCount)
      throws IOException {
    Map<LogKind, List<List<Path>>> files = new EnumMap<>(LogKind.class);
    for (LogKind kind : LogKind.values()) {
      List<List<Path>> perShard = new ArrayList<>();
      for (int i = 0; i < shardCount; i++) {
        perShard.add(new ArrayList<>());
      }
      files.put(kind, perShard);
    }
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory)) {
      for (Path file : stream) {
        LogKind kind = SegmentFiles.kindOf(file.getFileName().toString());
        if (kind == null) {
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
        files.get(kind).get(shard).add(file);
      }
    }
    for (List<List<Path>> perShard : files.values()) {
      for (List<Path> list : perShard) {
        list.sort(null); // zero-padded names sort in position order
      }
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
   * Returns the engine's live counters, summed over the shard logs (local logs not included).
   *
   * @return the metrics
   */
  public WalMetrics metrics() {
    return metrics;
  }

  /**
   * Returns the live counters of the local logs, summed over shards; each local log's positions are
   * its own ({@code localLog(s).durablePosition()}).
   *
   * @return the local logs' metrics
   * @since 0.4.0
   */
  public WalMetrics localMetrics() {
    return localMetrics;
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

  /**
   * {@inheritDoc}
   *
   * <p>Its segments are {@code local-SSSS-<first>.wal} in the same directory, its commit thread
   * {@code tidal-wal-local-<shard>}; its batches are at most {@link
   * WalConfig#LOCAL_MAX_BATCH_BYTES} (or {@code maxBatchBytes} if smaller), so the pending buffers
   * of logs that stay idle outside partitions cost little memory.
   */
  @Override
  public ShardLog localLog(int shard) {
    if (shard < 0 || shard >= locals.length) {
      throw new InvalidArgumentException(
          "shard", shard, "must be between 0 and " + (locals.length - 1));
    }
    return locals[shard];
  }

  /** {@inheritDoc} Waits up to 10 s per log for its commit thread to finish. */
  @Override
  public void close() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (ShardWal log : logs()) {
      log.beginClose();
    }
    for (ShardWal log : logs()) {
      log.awaitClosed();
    }
    closeQuietly(lockChannel);
    LOG.info("closed write-ahead log {}", config.directory());
  }

  /**
   * Stops the log as a crash would, for tests: every shard log and local log refuses appends and
   * fails its waiters at once, and its commit thread exits without writing or fsyncing what is
   * pending; nothing is flushed, and the channels are closed without a force (closing forces
   * nothing). A batch the commit thread is writing at the instant finishes or fails on its own: to
   * stop it mid-way, open the log on a {@code io.tidaldb.support.disk.SimulatedDisk} and crash that
   * first. Waits up to 10 s per log for its commit thread to exit, then releases the directory
   * lock, so the same directory can be opened again in this JVM. Idempotent; {@link #close()} after
   * it does nothing.
   */
  public void halt() {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (ShardWal log : logs()) {
      log.halt();
    }
    for (ShardWal log : logs()) {
      log.awaitClosed();
    }
    closeQuietly(lockChannel);
    LOG.info("halted write-ahead log {} (a simulated crash)", config.directory());
  }

  /** Every shard log, then every local log. */
  private List<ShardWal> logs() {
    List<ShardWal> all = new ArrayList<>(Arrays.asList(shards));
    for (LocalLog local : locals) {
      all.add(local.log());
    }
    return all;
  }
}
