package io.tidaldb.wal;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.wal.WalRecordKind;
import java.nio.ByteBuffer;

/**
 * Layout of the records in a batch's payload. Every record starts with its kind byte ({@link
 * WalRecordKind}); numbers are little-endian; records follow each other without padding.
 *
 * <pre>
 * SIGNAL (kind 1), 41 bytes:
 *  +------+-----------+--------+--------+---------------+--------+--------+
 *  | kind | series id | entity | weight | event time ms | hlc    | origin |
 *  | byte | int       | long   | double | long          | long   | int    |
 *  +------+-----------+--------+--------+---------------+--------+--------+
 *  0      1           5        13       21              29       37       41
 *
 * DEFINE (kind 2), 7 + t + y bytes:
 *  +------+-----------+------+--------------+------+------------+
 *  | kind | series id | t    | tenant name  | y    | type name  |
 *  | byte | int       | byte | t bytes      | byte | y bytes    |
 *  +------+-----------+------+--------------+------+------------+
 *  0      1           5      6              6+t    7+t          7+t+y
 *
 *  t, y: unsigned name lengths (1..255); names are US-ASCII
 *
 * COMPACT (kind 3), 21 bytes:
 *  +------+-----------+-----------------+---------------+
 *  | kind | series id | cut-off epoch   | closed digest |
 *  | byte | int (0)   | long            | long          |
 *  +------+-----------+-----------------+---------------+
 *  0      1           5                 13              21
 *
 * SIGNAL_S (kind 4, a signal of a client session, the full form), 70 bytes: SIGNAL's 41, then
 *  +---- SIGNAL's fields ----+---------+--------+-------------+--------------+------------+
 *  | kind (4) ... origin     | session | seq    | acked below | payload hash | durability |
 *  | 41 bytes                | long    | long   | long        | int          | byte       |
 *  +-------------------------+---------+--------+-------------+--------------+------------+
 *  0                         41        49       57            65             69           70
 *
 *  session != 0, seq >= 1, 1 <= acked below <= seq, durability 0 (LOCAL), 1 (QUORUM) or
 *  2 (ALL): the level the leader acknowledges the write at ({@link #sessionProblem})
 *
 * SIGNAL_SC (kind 5, the compact form of SIGNAL_S), 54 + s + d bytes: SIGNAL's 41, then
 *  +---- SIGNAL's fields ----+---------+--------------+------+---------+------------------+
 *  | kind (5) ... origin     | session | payload hash | form | seq     | seq - acked below |
 *  | 41 bytes                | long    | int          | byte | s bytes | d bytes          |
 *  +-------------------------+---------+--------------+------+---------+------------------+
 *  0                         41        49             53     54        54+s               54+s+d
 *
 *  form: bits 0-1 the durability (as SIGNAL_S's byte), bits 2-4 s - 1, bits 5-7 d; seq
 *  (s = 1..8 bytes) and seq - acked below (d = 0..7 bytes, 0 when acked below == seq) are
 *  unsigned little-endian in the fewest bytes that hold them. The same fields and rules as
 *  SIGNAL_S; a write whose seq - acked below needs 8 bytes is stored as SIGNAL_S. A cursor
 *  reports both forms as kind SIGNAL_S ({@link #sessionSignalLength}).
 *
 * SIGNAL_BATCH_S (kind 6, a part of a session batch, one position per signal): {@link
 *  SessionPartDescriptor}
 * </pre>
 */
public final class RecordDescriptor {
  /** Offset of the kind byte, in every record. */
  public static final int KIND_OFFSET = 0;

  /** Offset of the series id (int), in every record. */
  public static final int SERIES_ID_OFFSET = 1;

  /** Offset of a signal's entity id (long). */
  public static final int SIGNAL_ENTITY_OFFSET = 5;

  /** Offset of a signal's weight (double). */
  public static final int SIGNAL_WEIGHT_OFFSET = 13;

  /** Offset of a signal's event time in ms (long). */
  public static final int SIGNAL_EVENT_TIME_OFFSET = 21;

  /** Offset of a signal's HLC stamp (long). */
  public static final int SIGNAL_HLC_OFFSET = 29;

  /** Offset of a signal's origin replica id (int). */
  public static final int SIGNAL_ORIGIN_OFFSET = 37;

  /** Length of a signal record. */
  public static final int SIGNAL_LENGTH = 41;

  /** Offset of a session signal's session id (long). */
  public static final int SIGNAL_S_SESSION_OFFSET = 41;

  /** Offset of a session signal's seq (long). */
  public static final int SIGNAL_S_SEQ_OFFSET = 49;

  /** Offset of a session signal's ackedBelow (long). */
  public static final int SIGNAL_S_ACKED_BELOW_OFFSET = 57;

  /** Offset of a session signal's payload hash (int). */
  public static final int SIGNAL_S_PAYLOAD_HASH_OFFSET = 65;

  /** Offset of a session signal's durability byte ({@link #durabilityCode}). */
  public static final int SIGNAL_S_DURABILITY_OFFSET = 69;

  /** Length of a session signal record. */
  public static final int SIGNAL_S_LENGTH = 70;

  /** Offset of a compact session signal's session id (long), as in SIGNAL_S. */
  public static final int SIGNAL_SC_SESSION_OFFSET = 41;

  /** Offset of a compact session signal's payload hash (int). */
  public static final int SIGNAL_SC_PAYLOAD_HASH_OFFSET = 49;

  /** Offset of a compact session signal's form byte (durability and the two widths). */
  public static final int SIGNAL_SC_FORM_OFFSET = 53;

  /** Offset of a compact session signal's seq (its width in the form byte). */
  public static final int SIGNAL_SC_SEQ_OFFSET = 54;

  /** Length of a compact session signal without its seq and seq - ackedBelow. */
  public static final int SIGNAL_SC_FIXED_LENGTH = 54;

  /** The form byte's durability bits. */
  public static final int FORM_DURABILITY_MASK = 0x3;

  /** The form byte's bits 2-4 hold the seq's width in bytes minus 1. */
  public static final int FORM_SEQ_WIDTH_SHIFT = 2;

  /** The form byte's bits 5-7 hold the width of seq - ackedBelow in bytes (0 to 7). */
  public static final int FORM_DELTA_WIDTH_SHIFT = 5;

  /** The widest seq - ackedBelow the compact form holds, in bytes. */
  public static final int MAX_DELTA_WIDTH = 7;

  /** A session signal's durability byte for {@link Durability#LOCAL}. */
  public static final byte DURABILITY_LOCAL = 0;

  /** A session signal's durability byte for {@link Durability#QUORUM}. */
  public static final byte DURABILITY_QUORUM = 1;

  /** A session signal's durability byte for {@link Durability#ALL}. */
  public static final byte DURABILITY_ALL = 2;

  /** Offset of a definition's tenant name length (unsigned byte). */
  public static final int DEFINE_TENANT_LENGTH_OFFSET = 5;

  /** Offset of a definition's first tenant name byte. */
  public static final int DEFINE_TENANT_OFFSET = 6;

  /** Length of a definition without its two names. */
  public static final int DEFINE_FIXED_LENGTH = 7;

  /** Offset of a compaction's cut-off epoch (long). */
  public static final int COMPACT_CUT_OFF_OFFSET = 5;

  /** Offset of a compaction's closed digest (long). */
  public static final int COMPACT_DIGEST_OFFSET = 13;

  /** Length of a compaction record. */
  public static final int COMPACT_LENGTH = 21;

  /** The longest name a definition can hold. */
  public static final int MAX_NAME_LENGTH = 255;

  /**
   * The longest record of any kind but {@link WalRecordKind#SIGNAL_BATCH_S}, whose length one batch
   * bounds ({@link SessionPartDescriptor#maxSignals}).
   */
  public static final int MAX_RECORD_LENGTH = DEFINE_FIXED_LENGTH + 2 * MAX_NAME_LENGTH;

  /** The shortest record of any kind. */
  public static final int MIN_RECORD_LENGTH = DEFINE_FIXED_LENGTH;

  private RecordDescriptor() {}

  /**
   * Writes a signal record at {@code offset} of a little-endian buffer.
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the record starts
   * @param seriesId the series id
   * @param entity the entity id
   * @param weight the weight
   * @param eventTimeMillis the event time
   * @param hlc the HLC stamp
   * @param origin the origin replica id
   */
  public static void writeSignal(
      ByteBuffer buffer,
      int offset,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin) {
    buffer.put(offset + KIND_OFFSET, WalRecordKind.SIGNAL);
    buffer.putInt(offset + SERIES_ID_OFFSET, seriesId);
    buffer.putLong(offset + SIGNAL_ENTITY_OFFSET, entity);
    buffer.putDouble(offset + SIGNAL_WEIGHT_OFFSET, weight);
    buffer.putLong(offset + SIGNAL_EVENT_TIME_OFFSET, eventTimeMillis);
    buffer.putLong(offset + SIGNAL_HLC_OFFSET, hlc);
    buffer.putInt(offset + SIGNAL_ORIGIN_OFFSET, origin);
  }

  /**
   * Returns the length of the session signal record {@link #writeSessionSignal} writes for a
   * write's seq and ackedBelow: a compact {@link WalRecordKind#SIGNAL_SC} unless seq - ackedBelow
   * needs 8 bytes, else {@link #SIGNAL_S_LENGTH}.
   *
   * @param seq the seq (1 or above)
   * @param ackedBelow the ackedBelow (1 to seq)
   * @return the record's length
   */
  public static int sessionSignalLength(long seq, long ackedBelow) {
    long delta = seq - ackedBelow;
    if ((delta >>> (8 * MAX_DELTA_WIDTH)) != 0) {
      return SIGNAL_S_LENGTH;
    }
    return SIGNAL_SC_FIXED_LENGTH + width(seq) + (delta == 0 ? 0 : width(delta));
  }

  /**
   * Writes a session signal record at {@code offset} of a little-endian buffer in the form {@link
   * #sessionSignalLength} chose: a compact {@link WalRecordKind#SIGNAL_SC}, or a {@link
   * WalRecordKind#SIGNAL_S} ({@link #writeFullSessionSignal}) for a seq - ackedBelow of 8 bytes.
   * The caller has checked the session fields ({@link io.tidaldb.api.SessionSeq} validates them).
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the record starts
   * @param seriesId the series id
   * @param entity the entity id
   * @param weight the weight
   * @param eventTimeMillis the event time
   * @param hlc the HLC stamp
   * @param origin the origin replica id
   * @param session the session id, seq and ackedBelow
   * @param payloadHash the payload hash
   * @param durability the level the write is acknowledged at
   * @return the record's length
   */
  public static int writeSessionSignal(
      ByteBuffer buffer,
      int offset,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin,
      io.tidaldb.api.SessionSeq session,
      int payloadHash,
      Durability durability) {
    long seq = session.seq();
    int length = sessionSignalLength(seq, session.ackedBelow());
    if (length == SIGNAL_S_LENGTH) {
      writeFullSessionSignal(
          buffer,
          offset,
          seriesId,
          entity,
          weight,
          eventTimeMillis,
          hlc,
          origin,
          session,
          payloadHash,
          durability);
      return length;
    }
    long delta = seq - session.ackedBelow();
    int seqWidth = width(seq);
    int deltaWidth = length - SIGNAL_SC_FIXED_LENGTH - seqWidth;
    writeSignal(buffer, offset, seriesId, entity, weight, eventTimeMillis, hlc, origin);
    buffer.put(offset + KIND_OFFSET, WalRecordKind.SIGNAL_SC);
    buffer.putLong(offset + SIGNAL_SC_SESSION_OFFSET, session.session());
    buffer.putInt(offset + SIGNAL_SC_PAYLOAD_HASH_OFFSET, payloadHash);
    buffer.put(
        offset + SIGNAL_SC_FORM_OFFSET,
        (byte)
            (durabilityCode(durability)
                | (seqWidth - 1) << FORM_SEQ_WIDTH_SHIFT
                | deltaWidth << FORM_DELTA_WIDTH_SHIFT));
    int at = offset + SIGNAL_SC_SEQ_OFFSET;
    putUnsigned(buffer, at, seq, seqWidth);
    putUnsigned(buffer, at + seqWidth, delta, deltaWidth);
    return length;
  }

  /**
   * Writes a session signal record in its full form at {@code offset} of a little-endian buffer: a
   * signal record with kind {@link WalRecordKind#SIGNAL_S} followed by the session fields, {@value
   * #SIGNAL_S_LENGTH} bytes (checked by the caller: {@link io.tidaldb.api.SessionSeq} validates
   * them). Logs of api wal 1.9.0 hold only this form; {@link #writeSessionSignal} writes it for a
   * seq - ackedBelow of 8 bytes.
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the record starts
   * @param seriesId the series id
   * @param entity the entity id
   * @param weight the weight
   * @param eventTimeMillis the event time
   * @param hlc the HLC stamp
   * @param origin the origin replica id
   * @param session the session id, seq and ackedBelow
   * @param payloadHash the payload hash
   * @param durability the level the write is acknowledged at
   */
  public static void writeFullSessionSignal(
      ByteBuffer buffer,
      int offset,
      int seriesId,
      long entity,
      double weight,
      long eventTimeMillis,
      long hlc,
      int origin,
      io.tidaldb.api.SessionSeq session,
      int payloadHash,
      Durability durability) {
    writeSignal(buffer, offset, seriesId, entity, weight, eventTimeMillis, hlc, origin);
    buffer.put(offset + KIND_OFFSET, WalRecordKind.SIGNAL_S);
    buffer.putLong(offset + SIGNAL_S_SESSION_OFFSET, session.session());
    buffer.putLong(offset + SIGNAL_S_SEQ_OFFSET, session.seq());
    buffer.putLong(offset + SIGNAL_S_ACKED_BELOW_OFFSET, session.ackedBelow());
    buffer.putInt(offset + SIGNAL_S_PAYLOAD_HASH_OFFSET, payloadHash);
    buffer.put(offset + SIGNAL_S_DURABILITY_OFFSET, durabilityCode(durability));
  }

  /**
   * Returns the durability byte of a level.
   *
   * @param durability the level
   * @return its byte: {@link #DURABILITY_LOCAL}, {@link #DURABILITY_QUORUM} or {@link
   *     #DURABILITY_ALL}
   * @throws InvalidArgumentException if {@code durability} is null
   */
  public static byte durabilityCode(Durability durability) {
    if (durability == null) {
      throw new InvalidArgumentException("durability", null, "must not be null; nothing stored");
    }
    return switch (durability) {
      case LOCAL -> DURABILITY_LOCAL;
      case QUORUM -> DURABILITY_QUORUM;
      case ALL -> DURABILITY_ALL;
    };
  }

  /**
   * Returns the level of a durability byte that {@link #sessionProblem} accepted.
   *
   * @param code the byte
   * @return the level
   * @throws IllegalStateException if the byte is no level (a record no check accepted)
   */
  public static Durability durabilityOf(byte code) {
    return switch (code) {
      case DURABILITY_LOCAL -> Durability.LOCAL;
      case DURABILITY_QUORUM -> Durability.QUORUM;
      case DURABILITY_ALL -> Durability.ALL;
      default -> throw new IllegalStateException("SIGNAL_S durability " + code + " (must be 0..2)");
    };
  }

  /**
   * Checks the session fields of the record at {@code offset} if it is a {@link
   * WalRecordKind#SIGNAL_S} whose length {@link #recordLength} accepted.
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return null if the record is no session signal or its fields are in range, else the field, its
   *     value and the rule
   */
  public static String sessionProblem(ByteBuffer buffer, int offset) {
    byte kind = buffer.get(offset + KIND_OFFSET);
    if (kind == WalRecordKind.SIGNAL_BATCH_S) {
      return SessionPartDescriptor.problem(buffer, offset);
    }
    if (kind != WalRecordKind.SIGNAL_S && kind != WalRecordKind.SIGNAL_SC) {
      return null;
    }
    String name = kind == WalRecordKind.SIGNAL_S ? "SIGNAL_S" : "SIGNAL_SC";
    return sessionFieldsProblem(
        name,
        sessionOf(buffer, offset),
        seqOf(buffer, offset),
        ackedBelowOf(buffer, offset),
        durabilityCodeOf(buffer, offset));
  }

  /**
   * Checks a session record's fields by the rules of {@link #sessionProblem}.
   *
   * @return null if they are in range, else the field, its value and the rule
   */
  static String sessionFieldsProblem(
      String name, long session, long seq, long ackedBelow, byte durability) {
    if (session == 0) {
      return name + " session 0 (must not be 0)";
    }
    if (seq < 1) {
      return name + " seq " + seq + " (must be >= 1)";
    }
    if (ackedBelow < 1 || ackedBelow > seq) {
      return name + " ackedBelow " + ackedBelow + " (must be 1 to the seq " + seq + ")";
    }
    if (durability < DURABILITY_LOCAL || durability > DURABILITY_ALL) {
      return name + " durability " + durability + " (must be 0 (LOCAL), 1 (QUORUM) or 2 (ALL))";
    }
    return null;
  }

  /**
   * Returns the session id of the session signal at {@code offset} (either form).
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return the session id
   */
  public static long sessionOf(ByteBuffer buffer, int offset) {
    return buffer.getLong(offset + SIGNAL_S_SESSION_OFFSET); // the same offset in both forms
  }

  /**
   * Returns the seq of the session signal at {@code offset} (either form).
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return the seq
   */
  public static long seqOf(ByteBuffer buffer, int offset) {
    if (buffer.get(offset + KIND_OFFSET) == WalRecordKind.SIGNAL_S) {
      return buffer.getLong(offset + SIGNAL_S_SEQ_OFFSET);
    }
    int form = buffer.get(offset + SIGNAL_SC_FORM_OFFSET);
    return getUnsigned(buffer, offset + SIGNAL_SC_SEQ_OFFSET, seqWidth(form));
  }

  /**
   * Returns the ackedBelow of the session signal at {@code offset} (either form).
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return the ackedBelow
   */
  public static long ackedBelowOf(ByteBuffer buffer, int offset) {
    if (buffer.get(offset + KIND_OFFSET) == WalRecordKind.SIGNAL_S) {
      return buffer.getLong(offset + SIGNAL_S_ACKED_BELOW_OFFSET);
    }
    int form = buffer.get(offset + SIGNAL_SC_FORM_OFFSET);
    int seqWidth = seqWidth(form);
    int at = offset + SIGNAL_SC_SEQ_OFFSET;
    return getUnsigned(buffer, at, seqWidth)
        - getUnsigned(buffer, at + seqWidth, (form >>> FORM_DELTA_WIDTH_SHIFT) & 0x7);
  }

  /**
   * Returns the payload hash of the session signal at {@code offset} (either form).
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return the payload hash
   */
  public static int payloadHashOf(ByteBuffer buffer, int offset) {
    return buffer.getInt(
        offset
            + (buffer.get(offset + KIND_OFFSET) == WalRecordKind.SIGNAL_S
                ? SIGNAL_S_PAYLOAD_HASH_OFFSET
                : SIGNAL_SC_PAYLOAD_HASH_OFFSET));
  }

  /**
   * Returns the durability byte of the session signal at {@code offset} (either form), unchecked.
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return the byte ({@link #durabilityOf} reads a checked one)
   */
  public static byte durabilityCodeOf(ByteBuffer buffer, int offset) {
    if (buffer.get(offset + KIND_OFFSET) == WalRecordKind.SIGNAL_S) {
      return buffer.get(offset + SIGNAL_S_DURABILITY_OFFSET);
    }
    return (byte) (buffer.get(offset + SIGNAL_SC_FORM_OFFSET) & FORM_DURABILITY_MASK);
  }

  /**
   * Returns the length of a definition record, checking both names.
   *
   * @param tenant the tenant's name
   * @param type the type's name
   * @return the record's length
   * @throws InvalidArgumentException if a name is null, empty, too long or not US-ASCII
   */
  public static int defineLength(String tenant, String type) {
    checkName("tenant", tenant);
    checkName("type", type);
    return DEFINE_FIXED_LENGTH + tenant.length() + type.length();
  }

  /**
   * Writes a definition record at {@code offset}; the names must have passed {@link #defineLength}.
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the record starts
   * @param seriesId the series id
   * @param tenant the tenant's name
   * @param type the type's name
   * @return the record's length
   */
  public static int writeDefine(
      ByteBuffer buffer, int offset, int seriesId, String tenant, String type) {
    buffer.put(offset + KIND_OFFSET, WalRecordKind.DEFINE);
    buffer.putInt(offset + SERIES_ID_OFFSET, seriesId);
    int at = putName(buffer, offset + DEFINE_TENANT_LENGTH_OFFSET, tenant);
    at = putName(buffer, at, type);
    return at - offset;
  }

  /**
   * Writes a compaction record at {@code offset} of a little-endian buffer.
   *
   * @param buffer the buffer (little-endian)
   * @param offset where the record starts
   * @param cutOffEpoch the cut-off epoch
   * @param closedDigest the leader's closed digest through the cut-off
   */
  public static void writeCompact(
      ByteBuffer buffer, int offset, long cutOffEpoch, long closedDigest) {
    buffer.put(offset + KIND_OFFSET, WalRecordKind.COMPACT);
    buffer.putInt(offset + SERIES_ID_OFFSET, 0);
    buffer.putLong(offset + COMPACT_CUT_OFF_OFFSET, cutOffEpoch);
    buffer.putLong(offset + COMPACT_DIGEST_OFFSET, closedDigest);
  }

  /**
   * Returns the length of the record at {@code offset}, or -1 if its kind is unknown.
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @param limit the end of the payload (exclusive), to bound a definition's length bytes
   * @return the length, or -1 for an unknown kind or a definition cut by {@code limit}
   */
  public static int recordLength(ByteBuffer buffer, int offset, int limit) {
    byte kind = buffer.get(offset + KIND_OFFSET);
    if (kind == WalRecordKind.SIGNAL) {
      return SIGNAL_LENGTH;
    }
    if (kind == WalRecordKind.COMPACT) {
      return COMPACT_LENGTH;
    }
    if (kind == WalRecordKind.SIGNAL_S) {
      return SIGNAL_S_LENGTH;
    }
    if (kind == WalRecordKind.SIGNAL_SC) {
      if (offset + SIGNAL_SC_FIXED_LENGTH > limit) {
        return -1;
      }
      int form = buffer.get(offset + SIGNAL_SC_FORM_OFFSET);
      return SIGNAL_SC_FIXED_LENGTH + seqWidth(form) + ((form >>> FORM_DELTA_WIDTH_SHIFT) & 0x7);
    }
    if (kind == WalRecordKind.SIGNAL_BATCH_S) {
      return SessionPartDescriptor.recordLength(buffer, offset, limit);
    }
    if (kind != WalRecordKind.DEFINE || offset + DEFINE_FIXED_LENGTH > limit) {
      return -1;
    }
    int tenantLength = Byte.toUnsignedInt(buffer.get(offset + DEFINE_TENANT_LENGTH_OFFSET));
    int typeLengthAt = offset + DEFINE_TENANT_OFFSET + tenantLength;
    if (typeLengthAt >= limit) {
      return -1;
    }
    return DEFINE_FIXED_LENGTH + tenantLength + Byte.toUnsignedInt(buffer.get(typeLengthAt));
  }

  /**
   * Returns how many positions the record at {@code offset}, whose length {@link #recordLength}
   * accepted, takes: the signals of a {@link WalRecordKind#SIGNAL_BATCH_S}, 1 for the others.
   *
   * @param buffer the buffer holding the record
   * @param offset where the record starts
   * @return 1 or more
   */
  public static int entries(ByteBuffer buffer, int offset) {
    return buffer.get(offset + KIND_OFFSET) == WalRecordKind.SIGNAL_BATCH_S
        ? SessionPartDescriptor.signals(buffer, offset)
        : 1;
  }

  /** The bytes an unsigned {@code value} takes, 1 to 8 (1 for 0). */
  private static int width(long value) {
    return Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 7) >>> 3);
  }

  static int seqWidth(int form) {
    return ((form >>> FORM_SEQ_WIDTH_SHIFT) & 0x7) + 1;
  }

  private static void putUnsigned(ByteBuffer buffer, int at, long value, int width) {
    for (int i = 0; i < width; i++) {
      buffer.put(at + i, (byte) (value >>> (8 * i)));
    }
  }

  static long getUnsigned(ByteBuffer buffer, int at, int width) {
    long value = 0;
    for (int i = 0; i < width; i++) {
      value |= (buffer.get(at + i) & 0xFFL) << (8 * i);
    }
    return value;
  }

  private static int putName(ByteBuffer buffer, int at, String name) {
    int length = name.length();
    buffer.put(at++, (byte) length);
    for (int i = 0; i < length; i++) {
      buffer.put(at++, (byte) name.charAt(i));
    }
    return at;
  }

  private static void checkName(String what, String name) {
    if (name == null) {
      throw new InvalidArgumentException(what, null, "must not be null");
    }
    int length = name.length();
    if (length == 0 || length > MAX_NAME_LENGTH) {
      throw new InvalidArgumentException(
          what, name, "is " + length + " characters, must be 1 to " + MAX_NAME_LENGTH);
    }
    for (int i = 0; i < length; i++) {
      if (name.charAt(i) > 0x7F) {
        throw new InvalidArgumentException(
            what, name, "must be US-ASCII, character " + i + " is not");
      }
    }
  }
}
