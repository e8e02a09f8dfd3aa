package io.tidaldb.replication.leadership;

/**
 * Layout of a shard's epoch file, {@code epoch-<shard 4>.dat}: the epoch and the vote cast in it,
 * written by {@link FileEpochStore}. Little-endian, exactly {@link #LENGTH} bytes.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                      magic "TDEP" (0x50454454)                |  0
 * +-------------------------------+-------------------------------+
 * |          version (1)          |           flags (0)           |  4
 * +-------------------------------+-------------------------------+
 * |                             shard                             |  8
 * +---------------------------------------------------------------+
 * |           voted for: region id, -1 when no vote cast          | 12
 * +---------------------------------------------------------------+
 * |                        epoch (8 bytes)                        | 16
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                    CRC32C of bytes 0..23                      | 24
 * +---------------------------------------------------------------+
 * </pre>
 */
final class EpochFileDescriptor {
  static final int MAGIC = 0x50454454;
  static final short VERSION = 1;
  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int FLAGS_OFFSET = 6;
  static final int SHARD_OFFSET = 8;
  static final int VOTED_FOR_OFFSET = 12;
  static final int EPOCH_OFFSET = 16;
  static final int CRC_OFFSET = 24;
  static final int LENGTH = 28;

  /** The voted-for value of "no vote cast in this epoch". */
  static final int NO_VOTE = -1;

  private EpochFileDescriptor() {}

  /** Returns the file name of a shard's epoch file. */
  static String fileName(int shard) {
    return String.format("epoch-%04d.dat", shard);
  }
}
