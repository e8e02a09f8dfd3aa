package io.tidaldb.wal;

import static io.tidaldb.wal.BatchDescriptor.*;

import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A reusable flyweight {@link WalBatch} over a batch held in a little-endian buffer: header fields
 * are read in place; {@link #records()} returns the view's one cursor, rewound.
 */
final class BatchView implements WalBatch {
  private final BatchCursor cursor = new BatchCursor(this);
  private ByteBuffer buffer;
  private ByteBuffer readOnly;
  private int offset;
  private Path file;
  private long fileOffset;

  /** Points the view at the batch starting at {@code offset} of {@code buffer}. */
  BatchView wrap(ByteBuffer buffer, int offset, Path file, long fileOffset) {
    if (this.buffer != buffer) {
      this.buffer = buffer;
      this.readOnly = buffer.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }
    this.offset = offset;
    this.file = file;
    this.fileOffset = fileOffset;
    return this;
  }

  ByteBuffer buffer() {
    return buffer;
  }

  int offset() {
    return offset;
  }

  Path file() {
    return file;
  }

  long fileOffset() {
    return fileOffset;
  }

  int payloadLength() {
    return buffer.getInt(offset + PAYLOAD_LENGTH_OFFSET);
  }

  int length() {
    return HEADER_LENGTH + payloadLength();
  }

  long endPosition() {
    return firstPosition() + recordCount();
  }

  @Override
  public int shard() {
    return buffer.getInt(offset + SHARD_OFFSET);
  }

  @Override
  public long epoch() {
    return buffer.getLong(offset + EPOCH_OFFSET);
  }

  @Override
  public long firstPosition() {
    return buffer.getLong(offset + FIRST_POSITION_OFFSET);
  }

  @Override
  public int recordCount() {
    return buffer.getInt(offset + RECORD_COUNT_OFFSET);
  }

  @Override
  public long hlcMin() {
    return buffer.getLong(offset + HLC_MIN_OFFSET);
  }

  @Override
  public long hlcMax() {
    return buffer.getLong(offset + HLC_MAX_OFFSET);
  }

  /** {@inheritDoc} The buffer is a new read-only slice: index 0 is the header's first byte. */
  @Override
  public ByteBuffer bytes() {
    readOnly.clear(); // the underlying window's limit may have grown since readOnly was made
    return readOnly.slice(offset, length()).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public RecordCursor records() {
    cursor.rewind();
    return cursor;
  }

  @Override
  public String toString() {
    return "WalBatch[shard="
        + shard()
        + ", epoch="
        + epoch()
        + ", firstPosition="
        + firstPosition()
        + ", recordCount="
        + recordCount()
        + ", file="
        + file
        + ", offset="
        + fileOffset
        + "]";
  }
}
