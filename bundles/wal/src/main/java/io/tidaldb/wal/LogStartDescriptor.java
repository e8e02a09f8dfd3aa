package io.tidaldb.wal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Layout of a shard's log start file ({@code shard-SSSS.start}, format version 1), written by
 * {@code ShardLog.resetTo} and read by recovery (see {@link LogStart}). 36 bytes, little-endian:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 0x534C4454 ("TDLS")                   |  0
 *  +-------------------------------+-------------------------------+
 *  |          version = 1          |             state             |  4
 *  +-------------------------------+-------------------------------+
 *  |                             shard                             |  8
 *  +---------------------------------------------------------------+
 *  |                         reserved = 0                          | 12
 *  +---------------------------------------------------------------+
 *  |                           position                            | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                          last epoch                           | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     crc32c (bytes 0..31)                      | 32
 *  +---------------------------------------------------------------+
 *  |                              end                              | 36
 * </pre>
 *
 * <p>{@code state} is {@link #DISCARDING} (the shard's segments on disk are the old log's: delete
 * them all) or {@link #STARTED} (the old log is gone; the segments on disk start at or after {@code
 * position}). {@code last epoch} is the epoch of the record just below {@code position}.
 */
final class LogStartDescriptor {
  /** The magic number in the file's first four bytes. */
  static final int MAGIC = 0x534C4454;

  /** The format version this code writes and reads. */
  static final short VERSION = 1;

  /** State: the reset is committed, the old log's segments are still to be deleted. */
  static final short DISCARDING = 1;

  /** State: the old log's segments are deleted; the log starts at the position. */
  static final short STARTED = 2;

  /** Offset of the magic number (int). */
  static final int MAGIC_OFFSET = 0;

  /** Offset of the format version (short). */
  static final int VERSION_OFFSET = 4;

  /** Offset of the state (short). */
  static final int STATE_OFFSET = 6;

  /** Offset of the shard index (int). */
  static final int SHARD_OFFSET = 8;

  /** Offset of the reserved int, always 0. */
  static final int RESERVED_OFFSET = 12;

  /** Offset of the position the log starts at (long). */
  static final int POSITION_OFFSET = 16;

  /** Offset of the epoch of the record just below the position (long). */
  static final int LAST_EPOCH_OFFSET = 24;

  /** Offset of the CRC32C of bytes 0..31 (int). */
  static final int CRC_OFFSET = 32;

  /** Length of the file. */
  static final int LENGTH = 36;

  private LogStartDescriptor() {}

  /**
   * Writes the whole file's content, CRC included, at 0 of a little-endian buffer.
   *
   * @param buffer a little-endian buffer of at least {@link #LENGTH} bytes
   * @param shard the shard
   * @param state {@link #DISCARDING} or {@link #STARTED}
   * @param position the position the log starts at
   * @param lastEpoch the epoch of the record just below it
   */
  static void write(ByteBuffer buffer, int shard, short state, long position, long lastEpoch) {
    buffer.putInt(MAGIC_OFFSET, MAGIC);
    buffer.putShort(VERSION_OFFSET, VERSION);
    buffer.putShort(STATE_OFFSET, state);
    buffer.putInt(SHARD_OFFSET, shard);
    buffer.putInt(RESERVED_OFFSET, 0);
    buffer.putLong(POSITION_OFFSET, position);
    buffer.putLong(LAST_EPOCH_OFFSET, lastEpoch);
    buffer.putInt(CRC_OFFSET, crc(buffer));
  }

  /**
   * Computes the CRC32C of bytes 0..31 of the buffer.
   *
   * @param buffer the file's content at 0
   * @return the checksum
   */
  static int crc(ByteBuffer buffer) {
    CRC32C crc = new CRC32C();
    crc.update(buffer.duplicate().clear().limit(CRC_OFFSET));
    return (int) crc.getValue();
  }
}
