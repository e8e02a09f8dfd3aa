package io.tidaldb.wal;

import static io.tidaldb.wal.RecordDescriptor.*;

import io.tidaldb.api.Durability;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalRecordKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The flyweight {@link RecordCursor} of a {@link BatchView}: walks the payload in place and reads
 * fields at the offsets of {@link RecordDescriptor}. Allocates nothing except the name strings of
 * definition records. Accessors of the other kind's fields throw {@link IllegalStateException}; a
 * SIGNAL_S record answers the SIGNAL accessors too. A compact session signal ({@link
 * WalRecordKind#SIGNAL_SC}) reads as a SIGNAL_S: {@link #kind} reports SIGNAL_S and the session
 * accessors decode either form ({@link RecordDescriptor#seqOf} and the others): a compact one's
 * variable-width seq, ackedBelow and durability are decoded once, by {@link #next} (the commit
 * thread reads each of them once or twice per record, and ackedBelow decodes the seq again).
 *
 * <p>A {@link WalRecordKind#SIGNAL_BATCH_S} reads as {@link #partSize} consecutive SIGNAL_S
 * entries, one per signal and position, each with the record's session fields (decoded once, when
 * the cursor reaches the record) and origin; {@link #partIndex} counts them.
 */
final class BatchCursor implements RecordCursor {
  private final BatchView batch;
  private ByteBuffer buffer;
  private int at;
  private int next;
  private int end;
  private int remaining;
  private long position;
  private byte kind;
  private byte stored; // the current record's kind as stored
  private int sig; // where the current signal's SIGNAL offsets start: the record, or slot - 1
  private int partIndex; // the current entry's index in its record (a SIGNAL_BATCH_S's slots)
  private int partSize; // the current record's entries
  private boolean decoded; // a SIGNAL_SC or SIGNAL_BATCH_S: the three fields below hold
  private long decodedSeq;
  private long decodedAckedBelow;
  private byte decodedDurability;

  BatchCursor(BatchView batch) {
    this.batch = batch;
  }

  void rewind() {
    buffer = batch.buffer();
    next = batch.offset() + BatchDescriptor.HEADER_LENGTH;
    end = next + batch.payloadLength();
    remaining = batch.recordCount();
    position = batch.firstPosition() - 1;
    at = -1;
    kind = 0;
    partIndex = 0;
    partSize = 0;
  }

  @Override
  public boolean next() {
    if (remaining <= 0) {
      kind = 0;
      return false;
    }
    remaining--;
    position++;
    if (++partIndex < partSize) { // the next slot of a SIGNAL_BATCH_S
      sig += SessionPartDescriptor.SLOT_LENGTH;
      return true;
    }
    int length = recordLength(buffer, next, end);
    int entries = length < 0 ? 0 : entries(buffer, next);
    if (length < 0 || next + length > end || entries - 1 > remaining) {
      throw new StorageException(
          batch.file()
              + " at offset "
              + (batch.fileOffset() + next - batch.offset())
              + ": malformed record at position "
              + position
              + " (kind "
              + buffer.get(next)
              + (entries > 1
                  ? ", " + entries + " signals, " + (remaining + 1) + " entries left"
                  : "")
              + ")");
    }
    at = next;
    next += length;
    partIndex = 0;
    partSize = entries;
    sig = at;
    stored = buffer.get(at + KIND_OFFSET);
    if (stored == WalRecordKind.SIGNAL_SC) {
      int form = buffer.get(at + SIGNAL_SC_FORM_OFFSET);
      int seqWidth = seqWidth(form);
      int seqAt = at + SIGNAL_SC_SEQ_OFFSET;
      decodedSeq = getUnsigned(buffer, seqAt, seqWidth);
      decodedAckedBelow =
          decodedSeq
              - getUnsigned(buffer, seqAt + seqWidth, (form >>> FORM_DELTA_WIDTH_SHIFT) & 0x7);
      decodedDurability = (byte) (form & FORM_DURABILITY_MASK);
      decoded = true;
      kind = WalRecordKind.SIGNAL_S;
    } else if (stored == WalRecordKind.SIGNAL_BATCH_S) {
      decodedSeq = buffer.getLong(at + SessionPartDescriptor.SEQ_OFFSET);
      decodedAckedBelow = buffer.getLong(at + SessionPartDescriptor.ACKED_BELOW_OFFSET);
      decodedDurability = buffer.get(at + SessionPartDescriptor.DURABILITY_OFFSET);
      decoded = true;
      sig = SessionPartDescriptor.slot(at, 0) - 1;
      kind = WalRecordKind.SIGNAL_S;
    } else {
      decoded = false;
      kind = stored;
    }
    return true;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public byte kind() {
    return kind;
  }

  @Override
  public int seriesId() {
    if (kind == 0) {
      throw new IllegalStateException("no current record: call next() first");
    }
    return buffer.getInt(sig + SERIES_ID_OFFSET);
  }

  @Override
  public long entity() {
    return buffer.getLong(signal() + SIGNAL_ENTITY_OFFSET);
  }

  @Override
  public double weight() {
    return buffer.getDouble(signal() + SIGNAL_WEIGHT_OFFSET);
  }

  @Override
  public long eventTimeMillis() {
    return buffer.getLong(signal() + SIGNAL_EVENT_TIME_OFFSET);
  }

  @Override
  public long hlc() {
    return buffer.getLong(signal() + SIGNAL_HLC_OFFSET);
  }

  @Override
  public int origin() {
    int offset = signal();
    return stored == WalRecordKind.SIGNAL_BATCH_S
        ? buffer.getInt(at + SessionPartDescriptor.ORIGIN_OFFSET)
        : buffer.getInt(offset + SIGNAL_ORIGIN_OFFSET);
  }

  @Override
  public String tenantName() {
    return name(define() + DEFINE_TENANT_LENGTH_OFFSET);
  }

  @Override
  public String typeName() {
    int tenantLength = Byte.toUnsignedInt(buffer.get(define() + DEFINE_TENANT_LENGTH_OFFSET));
    return name(at + DEFINE_TENANT_OFFSET + tenantLength);
  }

  @Override
  public long cutOffEpoch() {
    return buffer.getLong(compact() + COMPACT_CUT_OFF_OFFSET);
  }

  @Override
  public long closedDigest() {
    return buffer.getLong(compact() + COMPACT_DIGEST_OFFSET);
  }

  @Override
  public long session() {
    int offset = sessionSignal();
    return stored == WalRecordKind.SIGNAL_BATCH_S
        ? buffer.getLong(offset + SessionPartDescriptor.SESSION_OFFSET)
        : sessionOf(buffer, offset);
  }

  @Override
  public long seq() {
    int offset = sessionSignal();
    return decoded ? decodedSeq : seqOf(buffer, offset);
  }

  @Override
  public long ackedBelow() {
    int offset = sessionSignal();
    return decoded ? decodedAckedBelow : ackedBelowOf(buffer, offset);
  }

  @Override
  public int payloadHash() {
    int offset = sessionSignal();
    return buffer.getInt(offset + payloadHashOffset(stored));
  }

  @Override
  public Durability durability() {
    int offset = sessionSignal();
    return durabilityOf(decoded ? decodedDurability : durabilityCodeOf(buffer, offset));
  }

  @Override
  public int partIndex() {
    return partIndex;
  }

  @Override
  public int partSize() {
    return partSize;
  }

  private static int payloadHashOffset(byte stored) {
    if (stored == WalRecordKind.SIGNAL_BATCH_S) {
      return SessionPartDescriptor.PAYLOAD_HASH_OFFSET;
    }
    return stored == WalRecordKind.SIGNAL_SC
        ? SIGNAL_SC_PAYLOAD_HASH_OFFSET
        : SIGNAL_S_PAYLOAD_HASH_OFFSET;
  }

  private String name(int lengthAt) {
    byte[] bytes = new byte[Byte.toUnsignedInt(buffer.get(lengthAt))];
    buffer.get(lengthAt + 1, bytes);
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  /**
   * Where a SIGNAL's fields start: a SIGNAL_S record starts with them; a part's slot holds them.
   */
  private int signal() {
    if (kind != WalRecordKind.SIGNAL && kind != WalRecordKind.SIGNAL_S) {
      throw wrongKind(WalRecordKind.SIGNAL);
    }
    return sig;
  }

  private int sessionSignal() {
    if (kind != WalRecordKind.SIGNAL_S) {
      throw wrongKind(WalRecordKind.SIGNAL_S);
    }
    return at;
  }

  private int define() {
    if (kind != WalRecordKind.DEFINE) {
      throw wrongKind(WalRecordKind.DEFINE);
    }
    return at;
  }

  private int compact() {
    if (kind != WalRecordKind.COMPACT) {
      throw wrongKind(WalRecordKind.COMPACT);
    }
    return at;
  }

  private IllegalStateException wrongKind(byte wanted) {
    return new IllegalStateException(
        "record at position " + position + " has kind " + kind + ", not " + wanted);
  }
}
