package io.tidaldb.wal;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.wal.SignalPart;
import io.tidaldb.api.wal.WalRecordKind;
import java.nio.ByteBuffer;

/**
 * Layout of a {@link WalRecordKind#SIGNAL_BATCH_S} record, one shard's part of a session batch; the
 * other kinds are in {@link RecordDescriptor}. Little-endian, like them.
 *
 * <pre>
 * SIGNAL_BATCH_S (kind 6), 36 + 36 n bytes: a header, then n signal slots
 *  +------+-------+--------+---------+--------+-------------+--------------+------------+
 *  | kind | n     | origin | session | seq    | acked below | payload hash | durability |
 *  | byte | short | int    | long    | long   | long        | int          | byte       |
 *  +------+-------+--------+---------+--------+-------------+--------------+------------+
 *  0      1       3        7         15       23            31             35           36
 *
 *  slot i at 36 + 36 i:
 *  +-----------+--------+--------+---------------+--------+
 *  | series id | entity | weight | event time ms | hlc    |
 *  | int       | long   | double | long          | long   |
 *  +-----------+--------+--------+---------------+--------+
 *  0           4        12       20              28       36
 *
 *  n: unsigned, 1..65535; the record takes n positions, slot i the record's first position + i.
 *  The session fields follow SIGNAL_S's rules ({@link #problem}); the payload hash covers the
 *  whole part. A slot is a SIGNAL record's bytes 1 to 36, so a cursor reads slot i at SIGNAL's
 *  offsets from {@link #slot}{@code (offset, i) - 1}; the origin is the header's, for every slot.
 * </pre>
 */
public final class SessionPartDescriptor {
  /** Offset of the signal count (unsigned short). */
  public static final int COUNT_OFFSET = 1;

  /** Offset of the origin replica id (int). */
  public static final int ORIGIN_OFFSET = 3;

  /** Offset of the session id (long). */
  public static final int SESSION_OFFSET = 7;

  /** Offset of the seq (long). */
  public static final int SEQ_OFFSET = 15;

  /** Offset of the ackedBelow (long). */
  public static final int ACKED_BELOW_OFFSET = 23;

  /** Offset of the payload hash (int). */
  public static final int PAYLOAD_HASH_OFFSET = 31;

  /** Offset of the durability byte ({@link RecordDescriptor#durabilityCode}). */
  public static final int DURABILITY_OFFSET = 35;

  /** Length of the header; the first slot starts here. */
  public static final int HEADER_LENGTH = 36;

  /** Length of one signal slot. */
  public static final int SLOT_LENGTH = 36;

  /** The most signals one record holds. */
  public static final int MAX_SIGNALS = 0xFFFF;

  private SessionPartDescriptor() {}

  /**
   * Returns the length of a record of {@code signals} signals.
   *
   * @param signals the number of signals
   * @return the length in bytes
   */
  public static int length(int signals) {
    return HEADER_LENGTH + SLOT_LENGTH * signals;
  }

  /**
   * Returns the most signals one record may hold in a log whose batches hold {@code maxBatchBytes}
   * of records.
   *
   * @param maxBatchBytes the log's batch payload limit
   * @return the limit, at most {@link #MAX_SIGNALS}
   */
  public static int maxSignals(int maxBatchBytes) {
    return Math.min(MAX_SIGNALS, Math.max(0, (maxBatchBytes - HEADER_LENGTH) / SLOT_LENGTH));
  }

  /**
   * Checks what {@link #write} needs before anything is reserved: a session, a level, a part of 1
   * to {@code maxSignals} signals.
   *
   * @return the record's length
   * @throws InvalidArgumentException naming the value, if one is missing or out of range
   */
  static int checkedLength(SignalPart part, SessionSeq session, Durability durability, int max) {
    if (session == null) {
      throw new InvalidArgumentException("session", null, "must not be null; nothing stored");
    }
    RecordDescriptor.durabilityCode(durability); // refuses null
    if (part == null) {
      throw new InvalidArgumentException("part", null, "must not be null; nothing stored");
    }
    int n = part.size();
    if (n < 1 || n > max) {
      throw new InvalidArgumentException(
          "part",
          n + " signals",
          "must hold 1 to "
              + max
              + " signals (one record of one batch of this log); nothing stored");
    }
    return length(n);
  }

  /**
   * Writes a record at {@code offset} of a little-endian buffer; the caller has checked its
   * arguments ({@link #checkedLength}).
   *
   * @return the record's length
   */
  static int write(
      ByteBuffer buffer,
      int offset,
      SignalPart part,
      int origin,
      SessionSeq session,
      int payloadHash,
      Durability durability) {
    int n = part.size();
    buffer.put(offset + RecordDescriptor.KIND_OFFSET, WalRecordKind.SIGNAL_BATCH_S);
    buffer.putShort(offset + COUNT_OFFSET, (short) n);
    buffer.putInt(offset + ORIGIN_OFFSET, origin);
    buffer.putLong(offset + SESSION_OFFSET, session.session());
    buffer.putLong(offset + SEQ_OFFSET, session.seq());
    buffer.putLong(offset + ACKED_BELOW_OFFSET, session.ackedBelow());
    buffer.putInt(offset + PAYLOAD_HASH_OFFSET, payloadHash);
    buffer.put(offset + DURABILITY_OFFSET, RecordDescriptor.durabilityCode(durability));
    int at = offset + HEADER_LENGTH;
    for (int i = 0; i < n; i++, at += SLOT_LENGTH) {
      int base = at - 1; // SIGNAL's offsets from here
      buffer.putInt(base + RecordDescriptor.SERIES_ID_OFFSET, part.seriesId(i));
      buffer.putLong(base + RecordDescriptor.SIGNAL_ENTITY_OFFSET, part.entity(i));
      buffer.putDouble(base + RecordDescriptor.SIGNAL_WEIGHT_OFFSET, part.weight(i));
      buffer.putLong(base + RecordDescriptor.SIGNAL_EVENT_TIME_OFFSET, part.eventTimeMillis(i));
      buffer.putLong(base + RecordDescriptor.SIGNAL_HLC_OFFSET, part.hlc(i));
    }
    return at - offset;
  }

  /**
   * Returns the number of signals of the record at {@code offset}.
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return n, 0 to 65535 (0 only in a malformed record)
   */
  public static int signals(ByteBuffer buffer, int offset) {
    return Short.toUnsignedInt(buffer.getShort(offset + COUNT_OFFSET));
  }

  /**
   * Returns the length of the record at {@code offset}, or -1 if its header is cut by {@code limit}
   * or it holds no signal.
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @param limit the end of the payload (exclusive)
   * @return the length, or -1
   */
  static int recordLength(ByteBuffer buffer, int offset, int limit) {
    if (offset + HEADER_LENGTH > limit) {
      return -1;
    }
    int n = signals(buffer, offset);
    return n == 0 ? -1 : length(n);
  }

  /**
   * Returns where slot {@code i} of the record at {@code offset} starts.
   *
   * @param offset where the record starts
   * @param i the slot's index
   * @return the slot's offset
   */
  public static int slot(int offset, int i) {
    return offset + HEADER_LENGTH + SLOT_LENGTH * i;
  }

  /**
   * Checks the session fields of the record at {@code offset}, whose length {@link
   * RecordDescriptor#recordLength} accepted.
   *
   * @return null if they are in range, else the field, its value and the rule
   */
  static String problem(ByteBuffer buffer, int offset) {
    long session = buffer.getLong(offset + SESSION_OFFSET);
    long seq = buffer.getLong(offset + SEQ_OFFSET);
    long ackedBelow = buffer.getLong(offset + ACKED_BELOW_OFFSET);
    byte durability = buffer.get(offset + DURABILITY_OFFSET);
    return RecordDescriptor.sessionFieldsProblem(
        "SIGNAL_BATCH_S", session, seq, ackedBelow, durability);
  }
}
