package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.util.zip.CRC32C;

/**
 * Ties a snapshot at {@code position} to the log history it covers: the first position, epoch and
 * CRC32C (over the raw bytes, header included) of the log batch that ends at {@code position}. A
 * log truncated below {@code position} and written again holds a different batch there (other
 * stamps, epoch or boundaries), so recovery refuses the snapshot instead of hiding the new records.
 *
 * <p>A snapshot at the log's start position (or at 0) has no anchor: its covered batch may already
 * be trimmed, and no truncation can reach below the start, so it needs none.
 *
 * @param firstPosition the covered batch's first position, or {@code -1} for no anchor
 * @param epoch the covered batch's epoch
 * @param crc the CRC32C of the covered batch's bytes
 */
record LogAnchor(long firstPosition, long epoch, int crc) {
  /** No anchor: a snapshot at the log's start, or written before anchors existed (version < 3). */
  static final LogAnchor NONE = new LogAnchor(-1, 0, 0);

  /**
   * Returns the anchor of a snapshot at {@code position} of {@code log}.
   *
   * @throws StorageException if {@code position} is not the end of a durable batch
   */
  static LogAnchor of(ShardLog log, long position) {
    if (position <= log.startPosition()) {
      return NONE;
    }
    LogAnchor anchor = read(log, position);
    if (anchor == null) {
      throw new StorageException(
          "shard " + log.shard() + ": no durable batch ends at position " + position);
    }
    return anchor;
  }

  /**
   * Returns the anchor of a snapshot at {@code position} of {@code log}, or null if the batch
   * ending there is not yet readable (applied, but its durability not yet published).
   */
  static LogAnchor durable(ShardLog log, long position) {
    return position <= log.startPosition() ? NONE : read(log, position);
  }

  /** Returns the anchor of a snapshot at the end of {@code batch}. */
  static LogAnchor of(WalBatch batch) {
    CRC32C crc = new CRC32C();
    crc.update(batch.bytes());
    return new LogAnchor(batch.firstPosition(), batch.epoch(), (int) crc.getValue());
  }

  /**
   * Checks that {@code log} still holds the covered batch.
   *
   * @return null if it does (or nothing can be checked), else what differs
   */
  String mismatch(ShardLog log, long position) {
    if (firstPosition < 0 || position <= log.startPosition()) {
      return null;
    }
    LogAnchor now = read(log, position);
    if (equals(now)) {
      return null;
    }
    return "it covers the batch of positions "
        + firstPosition
        + ".."
        + (position - 1)
        + " (epoch "
        + epoch
        + ", CRC32C "
        + Integer.toHexString(crc)
        + ") but the WAL now holds "
        + (now == null
            ? "no batch ending at " + position
            : "positions "
                + now.firstPosition
                + ".."
                + (position - 1)
                + " (epoch "
                + now.epoch
                + ", CRC32C "
                + Integer.toHexString(now.crc)
                + ")")
        + ": the log was truncated below the snapshot and written again";
  }

  /** Reads the batch that holds {@code position - 1}; null unless it ends at {@code position}. */
  private static LogAnchor read(ShardLog log, long position) {
    try (WalReader reader = log.openReader(position - 1)) {
      WalBatch batch = reader.next();
      if (batch == null || batch.firstPosition() + batch.recordCount() != position) {
        return null;
      }
      return of(batch);
    }
  }
}
