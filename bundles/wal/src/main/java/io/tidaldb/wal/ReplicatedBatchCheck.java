package io.tidaldb.wal;

import static io.tidaldb.wal.BatchDescriptor.*;

import io.tidaldb.api.InvalidArgumentException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Verifies a batch handed to {@link io.tidaldb.api.wal.ShardLog#appendReplicated} before the shard
 * takes it: header (magic, version, flags, shard, record count, payload length against the buffer
 * and the batch limit), CRC32C, and a payload of exactly {@code recordCount} well-formed records.
 * Stateless checks of the batch alone; position, epoch and feed rules are the {@link FeedGuard}'s.
 * Runs on the caller's thread, outside the shard's lock. Allocates per batch, never per record.
 */
final class ReplicatedBatchCheck {
  private ReplicatedBatchCheck() {}

  /**
   * Checks the batch in the buffer's remaining bytes.
   *
   * @param batch the caller's buffer (not changed)
   * @param shard the shard the batch must belong to
   * @param maxBatchBytes the largest payload this log's buffers take
   * @return a little-endian view whose position and limit bound the checked batch
   * @throws InvalidArgumentException naming what is wrong and the values involved
   */
  static ByteBuffer check(ByteBuffer batch, int shard, int maxBatchBytes) {
    if (batch == null) {
      throw new InvalidArgumentException("batch", null, "must not be null");
    }
    ByteBuffer b = batch.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int at = b.position();
    int length = b.remaining();
    if (length < HEADER_LENGTH) {
      throw refuse(
          length + " bytes",
          "truncated: shorter than the " + HEADER_LENGTH + "-byte header",
          shard);
    }
    int magic = b.getInt(at + MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw refuse(hex(magic), "bad magic, expected " + hex(MAGIC), shard);
    }
    short version = b.getShort(at + VERSION_OFFSET);
    if (version != VERSION) {
      throw refuse("version " + version, "unsupported format version, expected " + VERSION, shard);
    }
    short flags = b.getShort(at + FLAGS_OFFSET);
    if (flags != 0) {
      throw refuse("flags " + flags, "version " + VERSION + " defines no flags", shard);
    }
    int batchShard = b.getInt(at + SHARD_OFFSET);
    if (batchShard != shard) {
      throw refuse(describe(b, at), "belongs to shard " + batchShard + ", not " + shard, shard);
    }
    int count = b.getInt(at + RECORD_COUNT_OFFSET);
    if (count < 1) {
      throw refuse(describe(b, at), "record count " + count + " must be at least 1", shard);
    }
    checkLength(b, at, length, count, shard, maxBatchBytes);
    int payload = length - HEADER_LENGTH;
    int stored = b.getInt(at + CRC_OFFSET);
    int actual = BatchDescriptor.computeCrc(new CRC32C(), b.duplicate(), at, payload);
    if (stored != actual) {
      throw refuse(
          describe(b, at),
          "CRC32C mismatch: stored " + hex(stored) + ", computed " + hex(actual),
          shard);
    }
    checkRecords(b, at, payload, count, shard);
    b.limit(at + length);
    return b;
  }

  private static void checkLength(
      ByteBuffer b, int at, int length, int count, int shard, int maxBatchBytes) {
    int payload = b.getInt(at + PAYLOAD_LENGTH_OFFSET);
    if (payload < 0 || HEADER_LENGTH + (long) payload != length) {
      throw refuse(
          describe(b, at),
          "header claims "
              + payload
              + " payload bytes but the buffer holds "
              + (length - HEADER_LENGTH)
              + " after the header (truncated or not exactly one batch)",
          shard);
    }
    if ((long) count * RecordDescriptor.MIN_RECORD_LENGTH > payload) {
      throw refuse(
          describe(b, at), payload + " payload bytes cannot hold " + count + " records", shard);
    }
    if (payload > maxBatchBytes) {
      throw refuse(
          describe(b, at),
          "payload of " + payload + " bytes exceeds this log's maxBatchBytes " + maxBatchBytes,
          shard);
    }
  }

  private static void checkRecords(ByteBuffer b, int at, int payload, int count, int shard) {
    int record = at + HEADER_LENGTH;
    int end = record + payload;
    for (int i = 0; i < count; ) { // i counts entries: a SIGNAL_BATCH_S takes one per signal
      int length = record < end ? RecordDescriptor.recordLength(b, record, end) : -1;
      int entries = length < 0 ? 0 : RecordDescriptor.entries(b, record);
      if (length < 0 || record + length > end || entries > count - i) {
        throw refuse(
            describe(b, at),
            "record "
                + i
                + " of "
                + count
                + " at payload offset "
                + (record - at - HEADER_LENGTH)
                + " is malformed"
                + (entries > count - i ? " (" + entries + " signals, beyond the count)" : ""),
            shard);
      }
      String session = RecordDescriptor.sessionProblem(b, record);
      if (session != null) {
        throw refuse(
            describe(b, at),
            "record "
                + i
                + " of "
                + count
                + " at payload offset "
                + (record - at - HEADER_LENGTH)
                + ": "
                + session,
            shard);
      }
      record += length;
      i += entries;
    }
    if (record != end) {
      throw refuse(
          describe(b, at),
          count
              + " records end at payload offset "
              + (record - at - HEADER_LENGTH)
              + " of "
              + payload,
          shard);
    }
  }

  private static InvalidArgumentException refuse(String value, String rule, int shard) {
    return new InvalidArgumentException(
        "batch", value, rule + "; refused by shard " + shard + ", log unchanged");
  }

  private static String describe(ByteBuffer b, int at) {
    return "shard "
        + b.getInt(at + SHARD_OFFSET)
        + " epoch "
        + b.getLong(at + EPOCH_OFFSET)
        + " first position "
        + b.getLong(at + FIRST_POSITION_OFFSET)
        + " records "
        + b.getInt(at + RECORD_COUNT_OFFSET);
  }

  private static String hex(int value) {
    return String.format("0x%08X", value);
  }
}
