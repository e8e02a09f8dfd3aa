package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.wal.BatchDescriptor;
import io.tidaldb.wal.RecordDescriptor;
import io.tidaldb.wal.SessionPartDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * One batch of a {@link SimLog} in the real WAL batch format ({@link BatchDescriptor}, records of
 * {@link RecordDescriptor} and {@link SessionPartDescriptor}), immutable. The simulation's signals
 * are signal records ({@code SIGNAL}, or {@code SIGNAL_SC}/{@code SIGNAL_S} for a client session's
 * write, or a slot of a {@code SIGNAL_BATCH_S}, a session batch's part) whose HLC is the signal's
 * unique id, on an entity shared with other signals, with a weight of its own, and whose origin is
 * the region that accepted it. Its accessors take an <em>entry</em> index: the header's record
 * count counts entries, one per position, and a part takes one per signal (as the WAL's cursor
 * reads it: n {@code SIGNAL_S} entries with {@link #partIndex} and {@link #partSize}).
 */
final class SimBatch implements WalBatch {
  private final byte[] bytes;
  private final int shard;
  private final long epoch;
  private final long first;
  private final int count;
  private final int[] records; // of each entry's record, from the batch's start
  private final int[] signals; // where each entry's SIGNAL offsets start (a part's slot - 1)
  private final int[] partIndex; // each entry's index in its record (0 but in a part)
  private final int[] partSize; // its record's entries (1 but for a part)

  private SimBatch(byte[] bytes) {
    this.bytes = bytes;
    ByteBuffer b = buffer();
    this.shard = b.getInt(BatchDescriptor.SHARD_OFFSET);
    this.epoch = b.getLong(BatchDescriptor.EPOCH_OFFSET);
    this.first = b.getLong(BatchDescriptor.FIRST_POSITION_OFFSET);
    this.count = b.getInt(BatchDescriptor.RECORD_COUNT_OFFSET);
    this.records = new int[count];
    this.signals = new int[count];
    this.partIndex = new int[count];
    this.partSize = new int[count];
    int at = BatchDescriptor.HEADER_LENGTH;
    for (int i = 0; i < count; ) {
      int n = RecordDescriptor.entries(b, at);
      boolean part = b.get(at + RecordDescriptor.KIND_OFFSET) == WalRecordKind.SIGNAL_BATCH_S;
      for (int k = 0; k < n; k++, i++) {
        records[i] = at;
        signals[i] = part ? SessionPartDescriptor.slot(at, k) - 1 : at;
        partIndex[i] = k;
        partSize[i] = n;
      }
      at += RecordDescriptor.recordLength(b, at, bytes.length);
    }
  }

  /**
   * Seals the records of {@code payload} (its bytes 0..length), {@code count} entries, into a
   * batch.
   */
  static SimBatch seal(
      int shard, long epoch, long first, int count, ByteBuffer payload, int length) {
    ByteBuffer b =
        ByteBuffer.allocate(BatchDescriptor.HEADER_LENGTH + length).order(ByteOrder.LITTLE_ENDIAN);
    long hlcMin = Long.MAX_VALUE;
    long hlcMax = 0;
    for (int at = 0; at < length; at += RecordDescriptor.recordLength(payload, at, length)) {
      boolean part = payload.get(at + RecordDescriptor.KIND_OFFSET) == WalRecordKind.SIGNAL_BATCH_S;
      for (int k = 0; k < RecordDescriptor.entries(payload, at); k++) { // every slot's, as the WAL
        int sig = part ? SessionPartDescriptor.slot(at, k) - 1 : at;
        long hlc = payload.getLong(sig + RecordDescriptor.SIGNAL_HLC_OFFSET);
        hlcMin = Math.min(hlcMin, hlc);
        hlcMax = Math.max(hlcMax, hlc);
      }
    }
    BatchDescriptor.writeHeader(b, 0, shard, count, epoch, first, hlcMin, hlcMax, length);
    for (int i = 0; i < length; i++) {
      b.put(BatchDescriptor.HEADER_LENGTH + i, payload.get(i));
    }
    b.putInt(
        BatchDescriptor.CRC_OFFSET,
        BatchDescriptor.computeCrc(new CRC32C(), b.duplicate(), 0, length));
    return new SimBatch(b.array());
  }

  /**
   * Checks a received batch as the WAL's replicated-batch check does (header, CRC, records: the
   * count counts entries, a part one per signal, none beyond the count) and copies it.
   *
   * @return the copy, or null with the reason in {@code why[0]}
   */
  static SimBatch check(ByteBuffer batch, String[] why) {
    ByteBuffer b = batch.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (b.remaining() < BatchDescriptor.HEADER_LENGTH
        || b.getInt(BatchDescriptor.MAGIC_OFFSET) != BatchDescriptor.MAGIC
        || b.getShort(BatchDescriptor.VERSION_OFFSET) != BatchDescriptor.VERSION) {
      why[0] = "bad header";
      return null;
    }
    int length = b.getInt(BatchDescriptor.PAYLOAD_LENGTH_OFFSET);
    int count = b.getInt(BatchDescriptor.RECORD_COUNT_OFFSET);
    if (length < 0 || BatchDescriptor.HEADER_LENGTH + length != b.remaining() || count < 1) {
      why[0] = "length " + length + " or count " + count + " unlike the batch of " + b.remaining();
      return null;
    }
    int crc = BatchDescriptor.computeCrc(new CRC32C(), b.duplicate(), 0, length);
    if (crc != b.getInt(BatchDescriptor.CRC_OFFSET)) {
      why[0] = "CRC mismatch";
      return null;
    }
    int entries = 0;
    int end = BatchDescriptor.HEADER_LENGTH + length;
    for (int at = BatchDescriptor.HEADER_LENGTH; at < end; ) {
      int n = RecordDescriptor.recordLength(b, at, end);
      int e = n <= 0 ? 0 : RecordDescriptor.entries(b, at);
      if (n <= 0 || at + n > end || e > count - entries) {
        why[0] =
            "malformed record at "
                + at
                + (e > count - entries ? " (" + e + " signals, beyond the count)" : "");
        return null;
      }
      String session = RecordDescriptor.sessionProblem(b, at);
      if (session != null) {
        why[0] = "record at " + at + ": " + session;
        return null;
      }
      at += n;
      entries += e;
    }
    if (entries != count) {
      why[0] = entries + " entries, header says " + count;
      return null;
    }
    byte[] copy = new byte[b.remaining()];
    b.duplicate().get(copy);
    return new SimBatch(copy);
  }

  /** Returns the signal ids (the HLC fields) of this batch's entries, in log order. */
  long[] signalIds() {
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = field(i, RecordDescriptor.SIGNAL_HLC_OFFSET);
    }
    return ids;
  }

  /**
   * Whether entry {@code i} is a session signal ({@code SIGNAL_S}, {@code SIGNAL_SC} or a part's
   * signal; else a {@code SIGNAL}).
   */
  boolean isSession(int i) {
    byte kind = kind(i);
    return kind == WalRecordKind.SIGNAL_S
        || kind == WalRecordKind.SIGNAL_SC
        || kind == WalRecordKind.SIGNAL_BATCH_S;
  }

  /** Whether entry {@code i} is a signal of a session batch's part ({@code SIGNAL_BATCH_S}). */
  boolean inPart(int i) {
    return kind(i) == WalRecordKind.SIGNAL_BATCH_S;
  }

  /** Entry {@code i}'s index in its record: 0 but for a part's signal ({@code 0..partSize-1}). */
  int partIndex(int i) {
    return partIndex[i];
  }

  /** The entries of entry {@code i}'s record: 1 but for a part (its signals). */
  int partSize(int i) {
    return partSize[i];
  }

  /** The session, seq and ackedBelow of session entry {@code i} (any form, a part's included). */
  SessionSeq session(int i) {
    ByteBuffer b = buffer();
    int at = records[i];
    if (inPart(i)) {
      return new SessionSeq(
          b.getLong(at + SessionPartDescriptor.SESSION_OFFSET),
          b.getLong(at + SessionPartDescriptor.SEQ_OFFSET),
          b.getLong(at + SessionPartDescriptor.ACKED_BELOW_OFFSET));
    }
    return new SessionSeq(
        RecordDescriptor.sessionOf(b, at),
        RecordDescriptor.seqOf(b, at),
        RecordDescriptor.ackedBelowOf(b, at));
  }

  /** The payload hash of session entry {@code i} (a part's: the whole part's). */
  int payloadHash(int i) {
    return inPart(i)
        ? buffer().getInt(records[i] + SessionPartDescriptor.PAYLOAD_HASH_OFFSET)
        : RecordDescriptor.payloadHashOf(buffer(), records[i]);
  }

  /** The durability of session entry {@code i}: the level its write is acknowledged at. */
  Durability durability(int i) {
    byte code =
        inPart(i)
            ? bytes[records[i] + SessionPartDescriptor.DURABILITY_OFFSET]
            : RecordDescriptor.durabilityCodeOf(buffer(), records[i]);
    return RecordDescriptor.durabilityOf(code);
  }

  /** The entity of entry {@code i} (all entries are signals, with or without a session). */
  long entity(int i) {
    return field(i, RecordDescriptor.SIGNAL_ENTITY_OFFSET);
  }

  /** The weight of entry {@code i}. */
  double weight(int i) {
    return Double.longBitsToDouble(field(i, RecordDescriptor.SIGNAL_WEIGHT_OFFSET));
  }

  /** The event time of entry {@code i}. */
  long eventTime(int i) {
    return field(i, RecordDescriptor.SIGNAL_EVENT_TIME_OFFSET);
  }

  /** Returns the origin of entry {@code i} (a part's: its header's, for every signal). */
  int origin(int i) {
    return inPart(i)
        ? buffer().getInt(records[i] + SessionPartDescriptor.ORIGIN_OFFSET)
        : buffer().getInt(records[i] + RecordDescriptor.SIGNAL_ORIGIN_OFFSET);
  }

  private byte kind(int i) {
    return bytes[records[i] + RecordDescriptor.KIND_OFFSET];
  }

  private long field(int i, int offset) {
    return buffer().getLong(signals[i] + offset);
  }

  long end() {
    return first + count;
  }

  boolean sameBytes(SimBatch other) {
    return Arrays.equals(bytes, other.bytes);
  }

  int bytesHash() {
    return Arrays.hashCode(bytes);
  }

  private ByteBuffer buffer() {
    return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public int shard() {
    return shard;
  }

  @Override
  public long epoch() {
    return epoch;
  }

  @Override
  public long firstPosition() {
    return first;
  }

  @Override
  public int recordCount() {
    return count;
  }

  @Override
  public long hlcMin() {
    return buffer().getLong(BatchDescriptor.HLC_MIN_OFFSET);
  }

  @Override
  public long hlcMax() {
    return buffer().getLong(BatchDescriptor.HLC_MAX_OFFSET);
  }

  @Override
  public ByteBuffer bytes() {
    return buffer().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public RecordCursor records() {
    throw new UnsupportedOperationException("the simulation reads its batches as bytes");
  }

  @Override
  public String toString() {
    return "batch[shard " + shard + ", epoch " + epoch + ", " + first + ".." + end() + ")";
  }
}
