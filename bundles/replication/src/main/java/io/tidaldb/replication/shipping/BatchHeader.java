package io.tidaldb.replication.shipping;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the few header fields of a WAL batch ({@link io.tidaldb.api.wal.WalBatch#bytes()}, format
 * version 2, little-endian) that a follower needs before handing the batch to {@link
 * io.tidaldb.api.wal.ShardLog#appendReplicated}, which checks everything else. The offsets mirror
 * the WAL's private batch descriptor; a test pins them against it.
 */
final class BatchHeader {
  /** The batch magic number, "TDLW". */
  static final int MAGIC = 0x544C4457;

  /** The batch header version read here. */
  static final short VERSION = 2;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = 4;
  static final int SHARD_OFFSET = 8;
  static final int RECORD_COUNT_OFFSET = 12;
  static final int EPOCH_OFFSET = 16;
  static final int FIRST_POSITION_OFFSET = 24;
  static final int LENGTH = 56;

  private BatchHeader() {}

  /**
   * Checks that {@code batch}'s remaining bytes start with a plausible header.
   *
   * @param batch the batch bytes (position unchanged)
   * @throws InvalidArgumentException naming the field if the header is short or foreign
   */
  static void check(ByteBuffer batch) {
    if (batch.remaining() < LENGTH) {
      throw new InvalidArgumentException(
          "batch length", batch.remaining(), "must be at least the header's " + LENGTH);
    }
    ByteBuffer b = batch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int magic = b.getInt(b.position() + MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw new InvalidArgumentException(
          "batch magic", String.format("0x%08X", magic), "must be 0x544C4457");
    }
    short version = b.getShort(b.position() + VERSION_OFFSET);
    if (version != VERSION) {
      throw new InvalidArgumentException("batch version", version, "must be " + VERSION);
    }
    if (recordCount(batch) < 1) {
      throw new InvalidArgumentException("batch record count", recordCount(batch), "must be >= 1");
    }
  }

  static int shard(ByteBuffer batch) {
    return intAt(batch, SHARD_OFFSET);
  }

  static int recordCount(ByteBuffer batch) {
    return intAt(batch, RECORD_COUNT_OFFSET);
  }

  static long epoch(ByteBuffer batch) {
    return longAt(batch, EPOCH_OFFSET);
  }

  static long firstPosition(ByteBuffer batch) {
    return longAt(batch, FIRST_POSITION_OFFSET);
  }

  private static int intAt(ByteBuffer batch, int offset) {
    int i = batch.position() + offset;
    return batch.order() == ByteOrder.LITTLE_ENDIAN
        ? batch.getInt(i)
        : Integer.reverseBytes(batch.getInt(i));
  }

  private static long longAt(ByteBuffer batch, int offset) {
    int i = batch.position() + offset;
    return batch.order() == ByteOrder.LITTLE_ENDIAN
        ? batch.getLong(i)
        : Long.reverseBytes(batch.getLong(i));
  }
}
