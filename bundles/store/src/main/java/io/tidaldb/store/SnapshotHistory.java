package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.support.files.AtomicFile;
import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ties a shard's snapshots to the log history beside them when the store opens, before recovery and
 * before the node identity is read: deletes temporary files a crash left, refuses a lost WAL, and
 * retires (renames to {@code <name>.retired}, one WARN) every snapshot of another log history,
 * reporting what the WAL lost so the replica incarnation can be bumped.
 */
final class SnapshotHistory {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotHistory.class);

  /** The suffix a snapshot that no longer matches the log is renamed with. */
  static final String RETIRED_SUFFIX = ".retired";

  private final Snapshots snapshots;
  private final Path directory;
  private final int shard;
  private final ShardLog log;

  /** The shard's local log, or null if the WAL keeps none. */
  private final ShardLog localLog;

  SnapshotHistory(Snapshots snapshots) {
    this(snapshots, null);
  }

  SnapshotHistory(Snapshots snapshots, ShardLog localLog) {
    this.snapshots = snapshots;
    this.directory = snapshots.directory();
    this.shard = snapshots.shard();
    this.log = snapshots.log();
    this.localLog = localLog;
  }

  /**
   * Prepares every shard's snapshots for recovery, before the node identity is opened (see {@link
   * #retireOtherHistories()}).
   *
   * @return what the retired snapshots of all shards held that the logs lost (empty if nothing)
   */
  static List<String> retireOtherHistories(StoreConfig config, WriteAheadLog wal) {
    List<String> lost = new ArrayList<>();
    for (int i = 0; i < wal.shardCount(); i++) {
      lost.addAll(
          new SnapshotHistory(
                  new Snapshots(
                      config.directory(),
                      i,
                      config.snapshotsToKeep(),
                      config.snapshotBufferBytes(),
                      wal.shard(i)),
                  localLogOf(wal, i))
              .retireOtherHistories());
    }
    return lost;
  }

  private static ShardLog localLogOf(WriteAheadLog wal, int shard) {
    try {
      return wal.localLog(shard);
    } catch (io.tidaldb.api.UnavailableException e) {
      return null;
    }
  }

  /**
   * Deletes temporary files a crash left, finishes or undoes an install of a leader's snapshot a
   * crash interrupted ({@link SnapshotInstall#finishInterrupted}), refuses a lost WAL, and retires
   * every snapshot of another log history: beyond the WAL's durable end (the WAL dropped a torn
   * tail below it), or whose {@link LogAnchor} the WAL no longer holds (truncated below it and
   * written again), or whose local position lies beyond the local log's durable end (the local log
   * lost records the snapshot proves durable).
   *
   * @return one line per retired snapshot: records the WAL lost although the snapshot proves they
   *     were durable
   * @throws StorageException if the WAL is empty while snapshots beyond 0 exist (the WAL was lost)
   */
  List<String> retireOtherHistories() {
    deleteTemporaryFiles();
    SnapshotInstall.finishInterrupted(snapshots);
    List<Path> files = snapshots.list();
    refuseWithoutWal(files);
    List<String> retired = new ArrayList<>();
    for (Path file : files) {
      String reason = otherHistory(file);
      if (reason != null) {
        retire(file, reason);
        retired.add("shard " + shard + " " + file.getFileName() + ": " + reason);
      }
    }
    return retired;
  }

  /** Returns why {@code file} belongs to another log history, or null. */
  private String otherHistory(Path file) {
    long position = Snapshots.positionOf(file);
    if (position > log.durablePosition()) {
      return "it covers the log up to position "
          + position
          + " but the WAL ends at "
          + log.durablePosition()
          + ": the log was truncated below it (a torn tail dropped at open)";
    }
    if (position < log.startPosition()) {
      return null;
    }
    SnapshotReader.Header header;
    try {
      header = SnapshotReader.header(file, shard);
    } catch (StorageException corrupt) {
      return null; // reported, and skipped, by loadLatest
    }
    if (header.position() != position) {
      return null; // reported, and skipped, by loadLatest
    }
    String mismatch = header.anchor().mismatch(log, position);
    if (mismatch != null) {
      return mismatch;
    }
    long localEnd = localLog == null ? 0 : localLog.durablePosition();
    if (header.localPosition() > localEnd) {
      return "it holds the local log up to position "
          + header.localPosition()
          + " but the local log ends at "
          + localEnd
          + ": the local log lost records that were durable";
    }
    return null;
  }

  /**
   * Deletes the temporary files of snapshots a crash interrupted (one INFO each): of a checkpoint,
   * of a snapshot received from the leader ({@link SnapshotDescriptor#receivedName}), and of the
   * joined state an install was writing.
   */
  private void deleteTemporaryFiles() {
    String prefix = SnapshotDescriptor.prefix(shard);
    String suffix = SnapshotDescriptor.SUFFIX + AtomicFile.TMP_SUFFIX;
    String installTmp =
        SnapshotDescriptor.SUFFIX + SnapshotDescriptor.INSTALL_SUFFIX + AtomicFile.TMP_SUFFIX;
    try (Stream<Path> files = Files.list(directory)) {
      for (Path tmp :
          files
              .filter(f -> f.getFileName().toString().startsWith(prefix))
              .filter(
                  f ->
                      f.getFileName().toString().endsWith(suffix)
                          || f.getFileName().toString().endsWith(installTmp))
              .toList()) {
        Files.deleteIfExists(tmp);
        LOG.info("shard {}: deleted {}, left by an interrupted snapshot", shard, tmp);
      }
    } catch (IOException e) {
      throw new StorageException("cannot delete temporary snapshots in " + directory + ": " + e, e);
    }
  }

  /**
   * Refuses to open a shard whose WAL holds nothing while snapshots beyond position 0 exist: the
   * WAL was deleted or replaced, and serving the empty log would lose every acknowledged signal and
   * later let the old snapshots fit the new log's positions.
   */
  private void refuseWithoutWal(List<Path> files) {
    if (log.durablePosition() > 0 || files.isEmpty() || Snapshots.positionOf(files.get(0)) <= 0) {
      return;
    }
    throw new StorageException(
        "shard "
            + shard
            + ": the WAL holds no records but "
            + directory
            + " holds snapshots up to position "
            + Snapshots.positionOf(files.get(0))
            + " ("
            + files.get(0).getFileName()
            + "): the WAL was deleted or replaced, and opening would lose every acknowledged"
            + " signal. Restore the WAL directory; or, accepting that this node's data is lost"
            + " (other regions still hold what they replicated), move the WAL directory and every"
            + " snapshot-*.snap in "
            + directory
            + " aside, keeping "
            + NodeIdentity.FILE
            + ", and start again: the node opens empty under a new replica incarnation");
  }

  /**
   * Renames a snapshot of another log history to {@code <name>.retired} (one WARN), so that it is
   * never loaded, also not once the log grows past its position again.
   *
   * @throws StorageException if it cannot be renamed
   */
  private void retire(Path file, String reason) {
    Path aside = file.resolveSibling(file.getFileName() + RETIRED_SUFFIX);
    try {
      Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      Fsync.directory(directory);
    } catch (IOException e) {
      throw new StorageException("cannot retire snapshot " + file + " (" + reason + "): " + e, e);
    }
    LOG.warn("shard {}: snapshot {} retired to {}: {}", shard, file, aside.getFileName(), reason);
  }
}
