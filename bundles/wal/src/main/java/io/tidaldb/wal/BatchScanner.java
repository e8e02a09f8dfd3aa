package io.tidaldb.wal;

import static io.tidaldb.wal.BatchDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * Reads and verifies batches of one segment file through a large direct window buffer. Used by
 * recovery (limit: the file's size) and by readers (limit: the segment's durable bytes). Not
 * thread-safe; allocates only when a batch is larger than the window.
 */
final class BatchScanner {
  /** Pass as the expected position to accept any first position. */
  static final long ANY_POSITION = Long.MIN_VALUE;

  private final CRC32C crc = new CRC32C();
  private final BatchView view = new BatchView();
  private ByteBuffer window;
  private ByteBuffer scratch;
  private FileChannel channel;
  private Path file;
  private long windowStart;
  private int windowLength;
  private long checkedOffset;
  private String detail = "";

  BatchScanner(int capacity) {
    allocate(capacity);
  }

  /** Starts reading another file; the caller owns and closes the channel. */
  void open(FileChannel channel, Path file) {
    this.channel = channel;
    this.file = file;
    this.windowStart = 0;
    this.windowLength = 0;
  }

  Path file() {
    return file;
  }

  /**
   * Checks the batch at {@code offset}.
   *
   * @param limit the end of the readable bytes
   * @param shard the expected shard
   * @param expectedPosition the expected first position, or {@link #ANY_POSITION}
   * @return null if the batch is sound (then {@link #view()} shows it), else the first problem
   */
  BatchProblem check(long offset, long limit, int shard, long expectedPosition) throws IOException {
    checkedOffset = offset;
    if (!load(offset, HEADER_LENGTH, limit)) {
      return problem(BatchProblem.TRUNCATED_HEADER, (limit - offset) + " bytes left");
    }
    int at = (int) (offset - windowStart);
    ByteBuffer b = window;
    int magic = b.getInt(at + MAGIC_OFFSET);
    if (magic != MAGIC) {
      return problem(BatchProblem.BAD_MAGIC, hex(magic));
    }
    if (b.getShort(at + VERSION_OFFSET) != VERSION) {
      return problem(BatchProblem.BAD_VERSION, "version " + b.getShort(at + VERSION_OFFSET));
    }
    if (b.getShort(at + FLAGS_OFFSET) != 0) {
      return problem(BatchProblem.BAD_FLAGS, "flags " + b.getShort(at + FLAGS_OFFSET));
    }
    if (b.getInt(at + SHARD_OFFSET) != shard) {
      return problem(BatchProblem.BAD_SHARD, "shard " + b.getInt(at + SHARD_OFFSET));
    }
    long first = b.getLong(at + FIRST_POSITION_OFFSET);
    if (expectedPosition != ANY_POSITION && first != expectedPosition) {
      return problem(
          BatchProblem.BAD_POSITION, "first position " + first + " not " + expectedPosition);
    }
    int count = b.getInt(at + RECORD_COUNT_OFFSET);
    if (count < 1) {
      return problem(BatchProblem.BAD_COUNT, "record count " + count);
    }
    int payload = b.getInt(at + PAYLOAD_LENGTH_OFFSET);
    if (payload < 0 || (long) count * RecordDescriptor.MIN_RECORD_LENGTH > payload) {
      return problem(BatchProblem.BAD_LENGTH, payload + " payload bytes for " + count + " records");
    }
    return checkBody(offset, limit, payload, count);
  }

  private BatchProblem checkBody(long offset, long limit, int payload, int count)
      throws IOException {
    long end = offset + HEADER_LENGTH + payload;
    if (end > limit) {
      return problem(BatchProblem.BEYOND_END, "batch ends at " + end + ", beyond " + limit);
    }
    load(offset, HEADER_LENGTH + payload, limit);
    int at = (int) (offset - windowStart);
    int stored = window.getInt(at + CRC_OFFSET);
    int actual = BatchDescriptor.computeCrc(crc, scratch, at, payload);
    if (stored != actual) {
      return problem(BatchProblem.BAD_CRC, "stored " + hex(stored) + ", computed " + hex(actual));
    }
    int record = at + HEADER_LENGTH;
    int payloadEnd = record + payload;
    for (int i = 0; i < count; ) { // i counts entries: a SIGNAL_BATCH_S takes one per signal
      int length =
          record < payloadEnd ? RecordDescriptor.recordLength(window, record, payloadEnd) : -1;
      if (length < 0) {
        return problem(BatchProblem.BAD_RECORDS, "record " + i + " of " + count + " is malformed");
      }
      int entries = RecordDescriptor.entries(window, record);
      if (entries > count - i) {
        return problem(
            BatchProblem.BAD_RECORDS,
            "record " + i + " of " + count + " holds " + entries + " signals, beyond the count");
      }
      String session =
          record + length <= payloadEnd ? RecordDescriptor.sessionProblem(window, record) : null;
      if (session != null) {
        return problem(
            BatchProblem.BAD_RECORDS,
            "record " + i + " of " + count + " at batch offset " + (record - at) + ": " + session);
      }
      record += length;
      i += entries;
    }
    if (record != payloadEnd) {
      return problem(
          BatchProblem.BAD_RECORDS,
          "records end at " + (record - at) + " of " + (HEADER_LENGTH + payload));
    }
    view.wrap(window, at, file, offset);
    return null;
  }

  /** Returns the sound batch found by the last {@link #check}. */
  BatchView view() {
    return view;
  }

  /** Describes the last problem found, with the values involved. */
  String detail() {
    return detail;
  }

  /** Returns the end the last checked batch claims, if its header was sound. */
  long claimedEnd() throws IOException {
    load(checkedOffset, HEADER_LENGTH, Long.MAX_VALUE);
    return checkedOffset
        + HEADER_LENGTH
        + window.getInt((int) (checkedOffset - windowStart) + PAYLOAD_LENGTH_OFFSET);
  }

  /** Returns the offset of the last non-zero byte in [from, limit), or -1 if all are zero. */
  long lastNonZero(long from, long limit) throws IOException {
    long found = -1;
    for (long pos = from; pos < limit; ) {
      int n = (int) Math.min(window.capacity(), limit - pos);
      if (!load(pos, n, limit)) {
        return limit - 1; // file shorter than expected: treat as non-zero
      }
      int at = (int) (pos - windowStart);
      for (int i = n - 1; i >= 0; i--) {
        if (window.get(at + i) != 0) {
          found = pos + i;
          break;
        }
      }
      pos += n;
    }
    return found;
  }

  /** Returns the offset of the first sound batch (any position) in [from, limit), or -1. */
  long findSoundBatch(long from, long limit, int shard) throws IOException {
    for (long candidate = from; candidate + HEADER_LENGTH <= limit; candidate++) {
      if (!load(candidate, Integer.BYTES, limit)) {
        return -1;
      }
      if (window.getInt((int) (candidate - windowStart)) == MAGIC
          && check(candidate, limit, shard, ANY_POSITION) == null) {
        return candidate;
      }
    }
    return -1;
  }

  private boolean load(long offset, int length, long limit) throws IOException {
    if (offset + length > limit) {
      return false;
    }
    if (offset >= windowStart && offset + length <= windowStart + windowLength) {
      return true;
    }
    if (length > window.capacity()) {
      allocate(Math.max(length, window.capacity() * 2));
    }
    window.clear();
    window.limit((int) Math.min(window.capacity(), limit - offset));
    while (window.position() < length) {
      if (channel.read(window, offset + window.position()) < 0) {
        break;
      }
    }
    windowStart = offset;
    windowLength = window.position();
    return windowLength >= length;
  }

  private void allocate(int capacity) {
    window = ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
    scratch = window.duplicate();
    windowStart = 0;
    windowLength = 0;
  }

  private BatchProblem problem(BatchProblem problem, String what) {
    detail = problem + ": " + what;
    return problem;
  }

  private static String hex(int value) {
    return String.format("0x%08X", value);
  }
}
