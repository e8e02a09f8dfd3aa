package io.tidaldb.wal;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Layout of a batch header (format version 2). A batch is this 56-byte header followed by the
 * payload: {@code recordCount} records laid out as described by {@link RecordDescriptor}. All
 * numbers are little-endian.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                    magic 0x544C4457 ("TDLW")                   |  0
 *  +-------------------------------+-------------------------------+
 *  |          version = 2          |           flags = 0           |  4
 *  +-------------------------------+-------------------------------+
 *  |                             shard                             |  8
 *  +---------------------------------------------------------------+
 *  |                         record count                          | 12
 *  +---------------------------------------------------------------+
 *  |                             epoch                             | 16
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        first position                         | 24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            hlc min                            | 32
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                            hlc max                            | 40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                        payload length                         | 48
 *  +---------------------------------------------------------------+
 *  |        crc32c (bytes 0..51, then the payload's bytes)         | 52
 *  +---------------------------------------------------------------+
 *  |                    payload (records) ...                      | 56
 * </pre>
 *
 * <p>{@code hlc min} and {@code hlc max} are the smallest and largest HLC stamps of the batch's
 * signal records, both 0 when it holds none.
 */
public final class BatchDescriptor {
  /** The magic number in a batch's first four bytes. */
  public static final int MAGIC = 0x544C4457;

  /** The header format version this code writes and reads. */
  public static final short VERSION = 2;

  /** Offset of the magic number (int). */
  public static final int MAGIC_OFFSET = 0;

  /** Offset of the format version (short). */
  public static final int VERSION_OFFSET = 4;

  /** Offset of the flags (short, always 0 in version 2). */
  public static final int FLAGS_OFFSET = 6;

  /** Offset of the shard index (int). */
  public static final int SHARD_OFFSET = 8;

  /** Offset of the record count (int). */
  public static final int RECORD_COUNT_OFFSET = 12;

  /** Offset of the epoch (long). */
  public static final int EPOCH_OFFSET = 16;

  /** Offset of the first record's position (long). */
  public static final int FIRST_POSITION_OFFSET = 24;

  /** Offset of the smallest HLC stamp (long). */
  public static final int HLC_MIN_OFFSET = 32;

  /** Offset of the largest HLC stamp (long). */
  public static final int HLC_MAX_OFFSET = 40;

  /** Offset of the payload length in bytes (int). */
  public static final int PAYLOAD_LENGTH_OFFSET = 48;

  /** Offset of the CRC32C (int). */
  public static final int CRC_OFFSET = 52;

  /** Length of the header; the payload starts here. */
  public static final int HEADER_LENGTH = 56;

  private BatchDescriptor() {}

  /**
   * Writes a header, except its CRC, at {@code offset} of a little-endian buffer.
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the header starts
   * @param shard the shard
   * @param recordCount the number of records
   * @param epoch the epoch
   * @param firstPosition the first record's position
   * @param hlcMin the smallest HLC stamp
   * @param hlcMax the largest HLC stamp
   * @param payloadLength the payload's length in bytes
   */
  public static void writeHeader(
      ByteBuffer buffer,
      int offset,
      int shard,
      int recordCount,
      long epoch,
      long firstPosition,
      long hlcMin,
      long hlcMax,
      int payloadLength) {
    buffer.putInt(offset + MAGIC_OFFSET, MAGIC);
    buffer.putShort(offset + VERSION_OFFSET, VERSION);
    buffer.putShort(offset + FLAGS_OFFSET, (short) 0);
    buffer.putInt(offset + SHARD_OFFSET, shard);
    buffer.putInt(offset + RECORD_COUNT_OFFSET, recordCount);
    buffer.putLong(offset + EPOCH_OFFSET, epoch);
    buffer.putLong(offset + FIRST_POSITION_OFFSET, firstPosition);
    buffer.putLong(offset + HLC_MIN_OFFSET, hlcMin);
    buffer.putLong(offset + HLC_MAX_OFFSET, hlcMax);
    buffer.putInt(offset + PAYLOAD_LENGTH_OFFSET, payloadLength);
  }

  /**
   * Computes a batch's CRC32C: over header bytes 0..51, then over the payload.
   *
   * @param crc a reusable checksum
   * @param scratch a view of the batch's buffer whose position and limit this method may change
   * @param offset where the batch's header starts in {@code scratch}
   * @param payloadLength the payload's length
   * @return the checksum
   */
  public static int computeCrc(CRC32C crc, ByteBuffer scratch, int offset, int payloadLength) {
    crc.reset();
    scratch.clear();
    scratch.position(offset);
    scratch.limit(offset + CRC_OFFSET);
    crc.update(scratch);
    scratch.limit(offset + HEADER_LENGTH + payloadLength);
    scratch.position(offset + HEADER_LENGTH);
    crc.update(scratch);
    return (int) crc.getValue();
  }
}
