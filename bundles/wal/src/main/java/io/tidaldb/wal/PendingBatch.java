package io.tidaldb.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * One of a shard's two batch buffers. Appenders encode records into the pending one under the
 * shard's lock, with absolute puts after a header-sized gap; the commit thread, after swapping it
 * out, fills in the header in place and writes header and payload as one contiguous buffer. A
 * replicated batch instead arrives whole (header included) and is written as it came.
 */
final class PendingBatch {
  final ByteBuffer buffer;

  /** A view whose position and limit the commit thread uses for the CRC and the write. */
  final ByteBuffer io;

  /** The commit listener's view of this buffer once it holds a committed batch. */
  final BatchView view = new BatchView();

  /** Why the commit thread closed this batch; set when it is swapped out. */
  CommitTrigger trigger = CommitTrigger.NONE;

  int writeOffset;
  int count;
  long firstPosition;
  long hlcMin;
  long hlcMax;
  long firstAppendNanos;
  long epoch;

  /** True if the buffer holds one replicated batch, header and all, that must not be resealed. */
  boolean replicated;

  /**
   * True if a {@code tryAppendReplicated} was refused ({@code BUSY}) while this batch was pending:
   * set when it is swapped out, so the commit thread runs the durability listener as the refused
   * caller's wake-up.
   */
  boolean roomWanted;

  PendingBatch(int maxBatchBytes) {
    buffer =
        ByteBuffer.allocateDirect(BatchDescriptor.HEADER_LENGTH + maxBatchBytes)
            .order(ByteOrder.LITTLE_ENDIAN);
    io = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    reset(0);
  }

  void reset(long firstPosition) {
    this.writeOffset = BatchDescriptor.HEADER_LENGTH;
    this.count = 0;
    this.firstPosition = firstPosition;
    this.hlcMin = Long.MAX_VALUE;
    this.hlcMax = Long.MIN_VALUE;
    this.firstAppendNanos = 0;
    this.replicated = false;
    this.roomWanted = false;
  }

  /**
   * Copies a checked replicated batch in verbatim; the buffer must be empty.
   *
   * @param batch a little-endian view bounding exactly one batch
   */
  void fillReplicated(ByteBuffer batch) {
    int at = batch.position();
    int length = batch.remaining();
    buffer.put(0, batch, at, length);
    writeOffset = length;
    count = batch.getInt(at + BatchDescriptor.RECORD_COUNT_OFFSET);
    firstPosition = batch.getLong(at + BatchDescriptor.FIRST_POSITION_OFFSET);
    epoch = batch.getLong(at + BatchDescriptor.EPOCH_OFFSET);
    replicated = true;
  }

  /**
   * Makes {@link #io} bound the batch to write: seals a local batch's header, keeps a replicated
   * one as it came.
   *
   * @return the batch's length in bytes
   */
  int prepare(int shard, CRC32C crc) {
    if (!replicated) {
      return seal(shard, crc);
    }
    io.clear();
    io.limit(writeOffset);
    return writeOffset;
  }

  int payloadBytes() {
    return writeOffset - BatchDescriptor.HEADER_LENGTH;
  }

  int remaining() {
    return buffer.capacity() - writeOffset;
  }

  void stamp(long hlc) {
    if (hlc < hlcMin) {
      hlcMin = hlc;
    }
    if (hlc > hlcMax) {
      hlcMax = hlc;
    }
  }

  /**
   * Writes the header (with its CRC) in front of the payload.
   *
   * @return the batch's length in bytes
   */
  int seal(int shard, CRC32C crc) {
    boolean stamped = hlcMin <= hlcMax;
    int payload = payloadBytes();
    BatchDescriptor.writeHeader(
        buffer,
        0,
        shard,
        count,
        epoch,
        firstPosition,
        stamped ? hlcMin : 0,
        stamped ? hlcMax : 0,
        payload);
    buffer.putInt(BatchDescriptor.CRC_OFFSET, BatchDescriptor.computeCrc(crc, io, 0, payload));
    io.clear();
    io.limit(BatchDescriptor.HEADER_LENGTH + payload);
    return BatchDescriptor.HEADER_LENGTH + payload;
  }
}
