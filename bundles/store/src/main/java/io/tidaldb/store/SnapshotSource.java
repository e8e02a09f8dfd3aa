package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.ShardLog;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the snapshot a leader ships to a follower its log no longer reaches ({@link
 * SignalStoreEngine#openSnapshot}): the newest kept, unfenced snapshot at a position {@code P}
 * within the log's retained range whose last epoch is known, that is with a {@link LogAnchor} the
 * log still holds (the epoch of the batch ending at {@code P}), or at position 0 (epoch 0), or at
 * the start of a log empty there (the log's last epoch: a region that installed a snapshot itself
 * and wrote nothing since), and whose header and body CRC32C check (a corrupt one is skipped with a
 * WARN: every follower would refuse it). If none qualifies, the shard is checkpointed first.
 */
final class SnapshotSource {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSource.class);

  private SnapshotSource() {}

  /**
   * Opens the snapshot to ship, checkpointing first if none qualifies.
   *
   * @throws StorageException if none can be written or opened
   */
  static ShardSnapshotFile open(ShardState s, long timeoutNanos) {
    ShardSnapshotFile found = find(s);
    if (found != null) {
      return found;
    }
    s.checkpoint(timeoutNanos);
    found = find(s);
    if (found == null) {
      throw new StorageException(
          "shard "
              + s.shard
              + ": no snapshot to ship: none kept at a known epoch within the log "
              + s.log.startPosition()
              + ".."
              + s.log.durablePosition()
              + " (applied "
              + s.appliedPosition()
              + "), and a checkpoint wrote none");
    }
    return found;
  }

  /** Opens the newest qualifying snapshot under the checkpoint lock (no trim deletes it first). */
  private static ShardSnapshotFile find(ShardState s) {
    synchronized (s.checkpointLock) {
      ShardLog log = s.log;
      for (Path file : s.snapshots.list()) {
        long position = Snapshots.positionOf(file);
        if (position < log.startPosition() || position > log.durablePosition()) {
          continue;
        }
        long epoch = lastEpoch(s, file, position);
        if (epoch >= 0) {
          ShardSnapshotFile open = ShardSnapshotFile.open(file, s.shard, position, epoch);
          LOG.info("shard {}: shipping {}", s.shard, open);
          return open;
        }
      }
      return null;
    }
  }

  /** Returns the epoch of the record below the snapshot's position, or -1 if it is unknown. */
  private static long lastEpoch(ShardState s, Path file, long position) {
    SnapshotReader.Header header;
    try {
      header = s.snapshots.check(file); // a corrupt one would be refused by every follower
    } catch (StorageException e) {
      LOG.warn("shard {}: not shipping {}: {}", s.shard, file.getFileName(), e.getMessage());
      return -1;
    }
    ShardLog log = s.log;
    if (header.position() != position || header.fenceEpoch() != 0) {
      return -1;
    }
    if (position == 0) {
      return 0;
    }
    LogAnchor anchor = header.anchor();
    if (anchor.firstPosition() >= 0) {
      return anchor.mismatch(log, position) == null ? anchor.epoch() : -1;
    }
    boolean emptyAtStart = position == log.startPosition() && position == log.durablePosition();
    return emptyAtStart ? log.lastEpoch() : -1;
  }
}
