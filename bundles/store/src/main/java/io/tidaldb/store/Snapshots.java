package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot files of one shard (all shards share one directory): choosing the newest valid one
 * on recovery, writing new ones and keeping the newest {@code keep}. The WAL is trimmed only up to
 * the oldest kept snapshot, so a corrupt newest snapshot can fall back to the previous one plus the
 * WAL.
 */
final class Snapshots {
  private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);

  private final Path directory;
  private final int shard;
  private final int keep;
  private final ShardLog log;
  private final int bufferBytes;
  private SnapshotWriter writer;
  private LongSupplier foldedThrough = () -> -1;

  /**
   * The snapshots of a shard whose log is {@code log} (null only to {@link #list} them), written
   * and read through buffers of {@code bufferBytes}.
   */
  Snapshots(Path directory, int shard, int keep, int bufferBytes, ShardLog log) {
    this.directory = directory;
    this.shard = shard;
    this.keep = keep;
    this.bufferBytes = bufferBytes;
    this.log = log;
  }

  Snapshots(Path directory, int shard, int keep) {
    this(directory, shard, keep, 4096, null);
  }

  /**
   * Sets where snapshots read the shard's folded-through epoch they record (at the time of the
   * write: a COMPACT applied after a background snapshot's freeze may make it high; it only steers
   * compaction, and replay applies that COMPACT again).
   */
  void foldedThrough(LongSupplier supplier) {
    this.foldedThrough = supplier;
  }

  /** Returns whether any snapshot file of any shard exists in {@code directory}. */
  static boolean any(Path directory) {
    try (Stream<Path> files = Files.list(directory)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(SnapshotDescriptor.SUFFIX));
    } catch (IOException e) {
      throw new StorageException("cannot list " + directory + ": " + e, e);
    }
  }

  /**
   * Loads the newest snapshot of the shard that is valid and that the WAL continues, falling back
   * to older ones (each rejection logged at ERROR with its reason). Snapshots of other log
   * histories are gone already ({@link SnapshotHistory#retireOtherHistories}).
   *
   * @return the position to replay the WAL from and the snapshot's fence epoch ({@code (0, 0)}
   *     without a snapshot)
   * @throws StorageException if no usable snapshot exists but the WAL no longer starts at 0
   */
  SnapshotReader.Loaded loadLatest(
      SeriesRegistry registry, EntityStateMap states, ShardSessions sessions) {
    List<String> rejected = new ArrayList<>();
    for (Path file : list()) {
      long position = positionOf(file);
      if (position < log.startPosition() || position > log.durablePosition()) {
        rejected.add(
            file + " (WAL holds " + log.startPosition() + ".." + log.durablePosition() + ")");
        LOG.error(
            "snapshot {} at position {} does not fit the WAL {}..{}; trying an older one",
            file,
            position,
            log.startPosition(),
            log.durablePosition());
        continue;
      }
      try {
        SnapshotReader.Header header = SnapshotReader.header(file, shard);
        if (header.position() != position) {
          throw new StorageException(
              "corrupt snapshot "
                  + file
                  + ": header position "
                  + header.position()
                  + " != name "
                  + position);
        }
        return SnapshotReader.load(file, shard, registry, states, sessions, bufferBytes);
      } catch (StorageException e) {
        rejected.add(e.getMessage());
        LOG.error("{}; falling back to an older snapshot", e.getMessage());
        registry.clear();
        states.clear();
        sessions.clear();
      }
    }
    if (log.startPosition() > 0) {
      throw new StorageException(
          "shard "
              + shard
              + ": no usable snapshot and the WAL starts at position "
              + log.startPosition()
              + ", so records below it are lost; rejected: "
              + rejected);
    }
    sessions.clear();
    return new SnapshotReader.Loaded(0, 0);
  }

  /**
   * Loads {@code file} (one of this shard's, of the current log history) into {@code registry},
   * {@code states} and {@code sessions}.
   *
   * @throws StorageException naming the file and offset of a defect
   */
  SnapshotReader.Loaded load(
      Path file, SeriesRegistry registry, EntityStateMap states, ShardSessions sessions) {
    return SnapshotReader.load(file, shard, registry, states, sessions, bufferBytes);
  }

  /**
   * Reads only the session table of {@code file} ({@link SnapshotReader#loadSessions}).
   *
   * @throws StorageException naming the file and offset of a defect
   */
  SnapshotReader.SessionsAt loadSessions(Path file, SessionConfig config) {
    return SnapshotReader.loadSessions(file, shard, config, bufferBytes);
  }

  /**
   * Checks {@code file}'s header and body CRC32C (a snapshot about to be shipped).
   *
   * @throws StorageException naming the file and offset of a defect
   */
  SnapshotReader.Header check(Path file) {
    return SnapshotReader.check(file, shard, bufferBytes);
  }

  /**
   * Writes a snapshot of the shard at {@code position} (the end of a durable batch of the log),
   * fenced by {@code fenceEpoch} (0 for an ordinary checkpoint), holding the local log's records
   * below {@code localPosition} and the session table encoded in {@code sessions}.
   */
  void write(
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      long localPosition,
      ByteBuffer sessions) {
    write(
        position, series, states, fenceEpoch, LogAnchor.of(log, position), localPosition, sessions);
  }

  /** As the 6-argument {@code write}, with the anchor of the batch ending at {@code position}. */
  void write(
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      long fenceEpoch,
      LogAnchor anchor,
      long localPosition,
      ByteBuffer sessions) {
    long started = System.nanoTime();
    if (writer == null) {
      writer = new SnapshotWriter(bufferBytes);
    }
    Path file =
        writer.write(
            directory,
            shard,
            position,
            series,
            states,
            fenceEpoch,
            anchor,
            localPosition,
            foldedThrough.getAsLong(),
            sessions);
    LOG.info(
        "shard {}: snapshot {} of {} entities written in {} ms ({} intermediate flushes)",
        shard,
        file.getFileName(),
        states.size(),
        (System.nanoTime() - started) / 1_000_000,
        writer.forces());
  }

  /**
   * Writes a snapshot of the shard at {@code position} into {@code target} (not a name recovery
   * loads: an install in progress, see {@link SnapshotInstall}), unfenced, with {@code anchor}.
   */
  void writeTo(
      Path target,
      long position,
      SeriesRegistry.Series[] series,
      StateEntries states,
      LogAnchor anchor,
      long localPosition,
      ByteBuffer sessions) {
    if (writer == null) {
      writer = new SnapshotWriter(bufferBytes);
    }
    writer.writeFile(
        target,
        shard,
        position,
        series,
        states,
        0,
        anchor,
        localPosition,
        foldedThrough.getAsLong(),
        sessions);
  }

  /**
   * Deletes all but the newest {@code keep} snapshots of the shard.
   *
   * @return the position of the oldest kept snapshot (the WAL must stay readable from there)
   */
  long trim() {
    List<Path> files = list();
    for (Path old : files.subList(Math.min(keep, files.size()), files.size())) {
      try {
        Files.deleteIfExists(old);
      } catch (IOException e) {
        LOG.warn("cannot delete old snapshot {}: {}", old, e.toString());
      }
    }
    List<Path> kept = files.subList(0, Math.min(keep, files.size()));
    // Only a full set of kept snapshots lets the WAL go: a single one may be the corrupt one.
    return kept.size() < keep ? 0 : positionOf(kept.get(kept.size() - 1));
  }

  /**
   * Returns the lowest local position of the shard's snapshots ({@code Long.MAX_VALUE} if none, 0
   * if fewer than {@code keep} exist or one cannot be read): the local log must stay readable from
   * there. Call after {@link #trim}.
   */
  long localKeepFrom() {
    List<Path> files = list();
    if (files.size() < keep) {
      return 0; // as trim: a single snapshot may be the corrupt one
    }
    long from = Long.MAX_VALUE;
    for (Path file : files) {
      try {
        from = Math.min(from, SnapshotReader.header(file, shard).localPosition());
      } catch (StorageException e) {
        return 0;
      }
    }
    return from;
  }

  /**
   * Deletes every snapshot of the shard labelled above {@code position}, then fsyncs the directory.
   *
   * @return how many were deleted
   * @throws StorageException if one cannot be deleted
   */
  int deleteAbove(long position) {
    int deleted = 0;
    for (Path file : list()) {
      if (positionOf(file) > position) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          throw new StorageException("cannot delete snapshot " + file + ": " + e, e);
        }
        deleted++;
      }
    }
    if (deleted > 0) {
      try {
        Fsync.directory(directory);
      } catch (IOException e) {
        throw new StorageException("cannot fsync " + directory + ": " + e, e);
      }
    }
    return deleted;
  }

  Path directory() {
    return directory;
  }

  int shard() {
    return shard;
  }

  ShardLog log() {
    return log;
  }

  /** Returns the shard's snapshot files, newest (highest position) first. */
  List<Path> list() {
    String prefix = SnapshotDescriptor.prefix(shard);
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .filter(
              f -> {
                String n = f.getFileName().toString();
                return n.startsWith(prefix) && n.endsWith(SnapshotDescriptor.SUFFIX);
              })
          .sorted(Comparator.comparingLong(Snapshots::positionOf).reversed())
          .toList();
    } catch (IOException e) {
      throw new StorageException("cannot list " + directory + ": " + e, e);
    }
  }

  static long positionOf(Path file) {
    String n = file.getFileName().toString();
    String digits =
        n.substring(n.lastIndexOf('-') + 1, n.length() - SnapshotDescriptor.SUFFIX.length());
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
