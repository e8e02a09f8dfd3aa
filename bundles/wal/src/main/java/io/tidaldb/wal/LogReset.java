package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discards a shard's whole log and continues it empty at a position ({@link
 * io.tidaldb.api.wal.ShardLog#resetTo}: a follower that installed its leader's snapshot). Runs
 * inside {@link BatchHandoff#resetTo}, holding the handoff's monitor with every appended record
 * durable, so the commit thread is idle and no batch is written meanwhile.
 *
 * <p>The order makes it crash-safe (a crash at any step opens as the old log or as the new empty
 * one, never a mix): announce the cut to readers; write the {@link LogStart} file saying {@code
 * DISCARDING} (tmp file, fsync, rename, directory fsync: the rename is the commit point); close the
 * active segment; delete every segment newest first and fsync the directory; rewrite the start file
 * saying {@code STARTED}; and only then move the durable position and reset the {@link
 * EpochHistory}. Recovery finishes a reset it finds {@code DISCARDING} ({@link ShardRecovery}). No
 * new segment exists before {@code STARTED} is durable: the first batch after the reset rolls one.
 */
final class LogReset {
  private static final Logger LOG = LoggerFactory.getLogger(LogReset.class);

  private final int shard;
  private final Path startFile;
  private final SegmentList segments;
  private final SegmentWriter writer;
  private final DurabilityTracker durability;
  private final EpochHistory epochs;
  private final WalMetrics metrics;
  private final WalFiles files;

  LogReset(
      LogKind kind,
      int shard,
      WalConfig config,
      SegmentList segments,
      SegmentWriter writer,
      DurabilityTracker durability,
      EpochHistory epochs,
      WalMetrics metrics) {
    this.shard = shard;
    this.startFile = config.directory().resolve(kind.startName(shard));
    this.files = config.files();
    this.segments = segments;
    this.writer = writer;
    this.durability = durability;
    this.epochs = epochs;
    this.metrics = metrics;
  }

  /**
   * Resets the log. Any failure must stop the log: the files and the in-memory state may disagree
   * afterwards (the files are the old log or the new one, as recovery will tell).
   *
   * @param position where the log continues
   * @param lastEpoch the epoch of the record just below {@code position}
   * @return how many records were discarded
   * @throws StorageException naming the file that could not be written, fsynced or deleted
   */
  long apply(long position, long lastEpoch) {
    long oldStart = segments.startPosition();
    long oldEnd = durability.durable();
    LogStart start = new LogStart(position, lastEpoch, true);
    segments.beginCut(position);
    start.write(startFile, shard, files);
    Path active = writer.file();
    try {
      writer.detach();
    } catch (IOException e) {
      throw new StorageException(active + ": cannot close the active segment to reset: " + e, e);
    }
    int deleted = segments.deleteAll(position, files);
    metrics.segmentsDeleted(deleted);
    start.started().write(startFile, shard, files);
    durability.rewind(position);
    epochs.reset(position, lastEpoch);
    long discarded = oldEnd - oldStart;
    metrics.reset(discarded);
    LOG.info(
        "shard {}: reset to position {} (last epoch {}): discarded {} records of the old log"
            + " (positions {} to {}), deleted {} segments",
        shard,
        position,
        lastEpoch,
        discarded,
        oldStart,
        oldEnd,
        deleted);
    return discarded;
  }
}
