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
  private boolean compact; // the current record is a SIGNAL_SC: the three fields below hold
  private long compactSeq;
  private long compactAckedBelow;
  private byte compactDurability;

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
  }

  @Override
  public boolean next() {
    if (remaining <= 0) {
      kind = 0;
      return false;
    }
    int length = recordLength(buffer, next, end);
    if (length < 0 || next + length > end) {
      throw new StorageException(
          batch.file()
              + " at offset "
              + (batch.fileOffset() + next - batch.offset())
              + ": malformed record at position "
              + (position + 1)
              + " (kind "
              + buffer.get(next)
              + ")");
    }
    at = next;
    next += length;
    remaining--;
    position++;
    byte stored = buffer.get(at + KIND_OFFSET);
    compact = stored == WalRecordKind.SIGNAL_SC;
    if (compact) {
      int form = buffer.get(at + SIGNAL_SC_FORM_OFFSET);
      int seqWidth = seqWidth(form);
      int seqAt = at + SIGNAL_SC_SEQ_OFFSET;
      compactSeq = getUnsigned(buffer, seqAt, seqWidth);
      compactAckedBelow =
          compactSeq
              - getUnsigned(buffer, seqAt + seqWidth, (form >>> FORM_DELTA_WIDTH_SHIFT) & 0x7);
      compactDurability = (byte) (form & FORM_DURABILITY_MASK);
      kind = WalRecordKind.SIGNAL_S;
    } else {
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
    return buffer.getInt(at + SERIES_ID_OFFSET);
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
    return buffer.getInt(signal() + SIGNAL_ORIGIN_OFFSET);
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
    return sessionOf(buffer, sessionSignal());
  }

  @Override
  public long seq() {
    int offset = sessionSignal();
    return compact ? compactSeq : seqOf(buffer, offset);
  }

  @Override
  public long ackedBelow() {
    int offset = sessionSignal();
    return compact ? compactAckedBelow : ackedBelowOf(buffer, offset);
  }

  @Override
  public int payloadHash() {
    int offset = sessionSignal();
    return buffer.getInt(
        offset + (compact ? SIGNAL_SC_PAYLOAD_HASH_OFFSET : SIGNAL_S_PAYLOAD_HASH_OFFSET));
  }

  @Override
  public Durability durability() {
    int offset = sessionSignal();
    return durabilityOf(compact ? compactDurability : durabilityCodeOf(buffer, offset));
  }

  private String name(int lengthAt) {
    byte[] bytes = new byte[Byte.toUnsignedInt(buffer.get(lengthAt))];
    buffer.get(lengthAt + 1, bytes);
    return new String(bytes, StandardCharsets.US_ASCII);
  }

  /** A SIGNAL's fields, which a SIGNAL_S record starts with. */
  private int signal() {
    if (kind != WalRecordKind.SIGNAL && kind != WalRecordKind.SIGNAL_S) {
      throw wrongKind(WalRecordKind.SIGNAL);
    }
    return at;
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
