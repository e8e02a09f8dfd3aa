package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.wal.BatchDescriptor;
import io.tidaldb.wal.RecordDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * One batch of a {@link SimLog} in the real WAL batch format ({@link BatchDescriptor}, records of
 * {@link RecordDescriptor}), immutable. The simulation's signals are signal records ({@code
 * SIGNAL}, or {@code SIGNAL_SC}/{@code SIGNAL_S} for a client session's write) whose HLC is the
 * signal's unique id, on an entity shared with other signals, with a weight of its own, and whose
 * origin is the region that accepted it.
 */
final class SimBatch implements WalBatch {
  private final byte[] bytes;
  private final int shard;
  private final long epoch;
  private final long first;
  private final int count;
  private final int[] offsets; // of each record, from the batch's start

  private SimBatch(byte[] bytes) {
    this.bytes = bytes;
    ByteBuffer b = buffer();
    this.shard = b.getInt(BatchDescriptor.SHARD_OFFSET);
    this.epoch = b.getLong(BatchDescriptor.EPOCH_OFFSET);
    this.first = b.getLong(BatchDescriptor.FIRST_POSITION_OFFSET);
    this.count = b.getInt(BatchDescriptor.RECORD_COUNT_OFFSET);
    this.offsets = new int[count];
    int at = BatchDescriptor.HEADER_LENGTH;
    for (int i = 0; i < count; i++) {
      offsets[i] = at;
      at += RecordDescriptor.recordLength(b, at, bytes.length);
    }
  }

  /**
   * Seals the signal and session signal records of {@code payload} (its bytes 0..length) into a
   * batch.
   */
  static SimBatch seal(
      int shard, long epoch, long first, int count, ByteBuffer payload, int length) {
    ByteBuffer b =
        ByteBuffer.allocate(BatchDescriptor.HEADER_LENGTH + length).order(ByteOrder.LITTLE_ENDIAN);
    long hlcMin = Long.MAX_VALUE;
    long hlcMax = 0;
    for (int at = 0; at < length; at += RecordDescriptor.recordLength(payload, at, length)) {
      long hlc = payload.getLong(at + RecordDescriptor.SIGNAL_HLC_OFFSET);
      hlcMin = Math.min(hlcMin, hlc);
      hlcMax = Math.max(hlcMax, hlc);
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
   * Checks a received batch as the WAL's replicated-batch check does (header, CRC, records) and
   * copies it.
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
    int records = 0;
    int end = BatchDescriptor.HEADER_LENGTH + length;
    for (int at = BatchDescriptor.HEADER_LENGTH; at < end; records++) {
      int n = RecordDescriptor.recordLength(b, at, end);
      if (n <= 0 || at + n > end) {
        why[0] = "malformed record at " + at;
        return null;
      }
      String session = RecordDescriptor.sessionProblem(b, at);
      if (session != null) {
        why[0] = "record at " + at + ": " + session;
        return null;
      }
      at += n;
    }
    if (records != count) {
      why[0] = records + " records, header says " + count;
      return null;
    }
    byte[] copy = new byte[b.remaining()];
    b.duplicate().get(copy);
    return new SimBatch(copy);
  }

  /** Returns the signal ids (the HLC fields) of this batch's records, in log order. */
  long[] signalIds() {
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      ids[i] = field(i, RecordDescriptor.SIGNAL_HLC_OFFSET);
    }
    return ids;
  }

  /** Whether record {@code i} is a session signal ({@code SIGNAL_S}; else a {@code SIGNAL}). */
  boolean isSession(int i) {
    byte kind = bytes[offsets[i] + RecordDescriptor.KIND_OFFSET];
    return kind == WalRecordKind.SIGNAL_S || kind == WalRecordKind.SIGNAL_SC;
  }

  /** The session, seq and ackedBelow of session record {@code i} (either form). */
  SessionSeq session(int i) {
    ByteBuffer b = buffer();
    return new SessionSeq(
        RecordDescriptor.sessionOf(b, offsets[i]),
        RecordDescriptor.seqOf(b, offsets[i]),
        RecordDescriptor.ackedBelowOf(b, offsets[i]));
  }

  /** The payload hash of session record {@code i}. */
  int payloadHash(int i) {
    return RecordDescriptor.payloadHashOf(buffer(), offsets[i]);
  }

  /** The durability of session record {@code i}: the level its write is acknowledged at. */
  Durability durability(int i) {
    return RecordDescriptor.durabilityOf(RecordDescriptor.durabilityCodeOf(buffer(), offsets[i]));
  }

  /** The entity of record {@code i} (all records are signals, with or without a session). */
  long entity(int i) {
    return field(i, RecordDescriptor.SIGNAL_ENTITY_OFFSET);
  }

  /** The weight of record {@code i}. */
  double weight(int i) {
    return Double.longBitsToDouble(field(i, RecordDescriptor.SIGNAL_WEIGHT_OFFSET));
  }

  /** The event time of record {@code i}. */
  long eventTime(int i) {
    return field(i, RecordDescriptor.SIGNAL_EVENT_TIME_OFFSET);
  }

  /** Returns the origin of the signal record with index {@code i} (all records are signals). */
  int origin(int i) {
    return buffer().getInt(offsets[i] + RecordDescriptor.SIGNAL_ORIGIN_OFFSET);
  }

  private long field(int i, int offset) {
    return buffer().getLong(offsets[i] + offset);
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
