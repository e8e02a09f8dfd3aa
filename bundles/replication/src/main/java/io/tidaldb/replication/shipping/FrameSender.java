package io.tidaldb.replication.shipping;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The sending half of a {@link WalShipper}: holds the one WAL_BATCH frame being sent to the
 * follower until the transport takes it, and the back-off after an UNREACHABLE send (doubling from
 * {@link ShippingConfig#initialBackoffNanos()} up to {@link ShippingConfig#maxBackoffNanos()},
 * reset by the next successful send).
 *
 * <p>Not thread-safe: the shipper's owner thread calls every method.
 */
final class FrameSender {
  private final RegionId follower;
  private final TransportEndpoint endpoint;
  private final ShippingConfig config;
  private final int self;
  private final FrameEncoder encoder;
  private final ByteBuffer out;
  private long pendingEnd = -1; // end position of the frame held in out, -1 if none
  private long backoffNanos;
  private long retryAtNanos;

  FrameSender(RegionId follower, TransportEndpoint endpoint, ShippingConfig config) {
    this.follower = follower;
    this.endpoint = endpoint;
    this.config = config;
    this.self = endpoint.local().value();
    this.encoder = new FrameEncoder(config.maxBatchBytes());
    this.out =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + config.maxBatchBytes())
            .order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Tells whether a frame is held (encoded, not yet taken by the transport). */
  boolean hasPending() {
    return pendingEnd >= 0;
  }

  /** Returns the end position of the batch in the held frame. */
  long pendingEnd() {
    return pendingEnd;
  }

  /** Returns the length of the held frame in bytes. */
  int pendingLength() {
    return out.limit();
  }

  /** Encodes {@code batch} of {@code shard}, which ends at {@code end}, as the held frame. */
  void hold(int shard, WalBatch batch, long end) {
    int length = encoder.walBatch(out, 0, shard, self, batch.epoch(), batch.bytes());
    out.limit(length);
    pendingEnd = end;
  }

  /**
   * Offers the held frame to the transport. SENT drops it and ends any back-off; UNREACHABLE drops
   * it and starts (or doubles) the back-off from {@code nowNanos}; BACK_PRESSURED keeps it for a
   * retry; CLOSED changes nothing.
   */
  SendStatus send(long nowNanos) {
    SendStatus status = endpoint.send(follower, out);
    switch (status) {
      case SENT -> {
        clear();
        backoffNanos = 0;
      }
      case UNREACHABLE -> {
        clear();
        backoffNanos =
            backoffNanos == 0
                ? config.initialBackoffNanos()
                : Math.min(backoffNanos * 2, config.maxBackoffNanos());
        retryAtNanos = nowNanos + backoffNanos;
      }
      case BACK_PRESSURED, CLOSED -> {}
    }
    return status;
  }

  /** Tells whether the back-off after the last UNREACHABLE send is over at {@code nowNanos}. */
  boolean backoffOver(long nowNanos) {
    return nowNanos - retryAtNanos >= 0;
  }

  /** Drops the held frame, if any. */
  void clear() {
    pendingEnd = -1;
    out.clear();
  }
}
