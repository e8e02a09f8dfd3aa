package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The frames a {@link SnapshotShipper} sends one follower, encoded into buffers allocated once per
 * transfer (a chunk's bytes and its frame), and the chunk reads from the {@link ShardSnapshot}.
 * Sends never block. Not thread-safe: the replication thread uses it.
 */
final class SnapshotFrames {
  private final int shard;
  private final int self;
  private final RegionId follower;
  private final long epoch;
  private final TransportEndpoint endpoint;
  private final FrameEncoder encoder;
  private final ByteBuffer out;
  private final ByteBuffer chunk;

  SnapshotFrames(
      int shard, RegionId follower, long epoch, TransportEndpoint endpoint, int chunkBytes) {
    this.shard = shard;
    this.self = endpoint.local().value();
    this.follower = follower;
    this.epoch = epoch;
    this.endpoint = endpoint;
    int body = FrameDescriptor.SNAPSHOT_CHUNK_FIXED_BODY_LENGTH + chunkBytes;
    this.encoder = new FrameEncoder(body);
    this.out =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + body).order(ByteOrder.LITTLE_ENDIAN);
    this.chunk = ByteBuffer.allocate(chunkBytes);
  }

  /** Returns the most bytes one chunk carries. */
  int chunkBytes() {
    return chunk.capacity();
  }

  /** Sends a SNAPSHOT_OFFER of {@code s}. */
  SendStatus offer(ShardSnapshot s) {
    return send(
        encoder.snapshotOffer(out, 0, shard, self, epoch, s.position(), s.lastEpoch(), s.size()));
  }

  /**
   * Reads the chunk of {@code s} at {@code offset} (a full chunk, or the rest of the snapshot).
   *
   * @return its length
   * @throws RuntimeException if the snapshot cannot be read or ends before its size
   */
  int read(ShardSnapshot s, long offset) {
    chunk.clear().limit((int) Math.min(chunk.capacity(), s.size() - offset));
    while (chunk.hasRemaining()) {
      if (s.read(offset + chunk.position(), chunk) < 0) {
        throw new IllegalStateException(
            "the snapshot ends at " + (offset + chunk.position()) + " of " + s.size());
      }
    }
    chunk.flip();
    return chunk.remaining();
  }

  /** Sends the chunk {@link #read} last, as the bytes of {@code s} at {@code offset}. */
  SendStatus sendChunk(ShardSnapshot s, long offset) {
    return send(encoder.snapshotChunk(out, 0, shard, self, epoch, s.position(), offset, chunk));
  }

  private SendStatus send(int length) {
    out.limit(length);
    SendStatus status = endpoint.send(follower, out);
    out.clear();
    return status;
  }
}
