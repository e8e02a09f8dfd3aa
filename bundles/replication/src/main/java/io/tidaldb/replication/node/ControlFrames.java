package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The small frames one shard's replica sends itself (the epoch sync and its ack), encoded into one
 * reused buffer. Sends never block; a lost frame is retried by the protocol. Not thread-safe: the
 * region's replication thread, which owns the shard, sends them.
 */
final class ControlFrames {
  private final int shard;
  private final int self;
  private final TransportEndpoint endpoint;
  private final FrameEncoder encoder = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  private final ByteBuffer out =
      ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH)
          .order(ByteOrder.LITTLE_ENDIAN);

  ControlFrames(int shard, TransportEndpoint endpoint) {
    this.shard = shard;
    this.self = endpoint.local().value();
    this.endpoint = endpoint;
  }

  /** An EPOCH_END_REQUEST sent and not yet answered: to whom, in which epoch, for which epoch. */
  record Asked(RegionId to, long epoch, long lastEpoch) {}

  private Asked asked;

  /** A follower asks its leader of {@code epoch} where {@code lastEpoch} ends in its log. */
  void epochEndRequest(RegionId to, long epoch, long lastEpoch) {
    Asked a = asked;
    if (a == null || !a.to().equals(to) || a.epoch() != epoch || a.lastEpoch() != lastEpoch) {
      asked = new Asked(to, epoch, lastEpoch);
    }
    send(to, encoder.epochEndRequest(out, 0, shard, self, epoch, lastEpoch));
  }

  /** Returns the EPOCH_END_REQUEST outstanding, or null. */
  Asked asked() {
    return asked;
  }

  /**
   * Marks the outstanding EPOCH_END_REQUEST done: the sync finished (a later answer is
   * unsolicited).
   */
  void answered() {
    asked = null;
  }

  /** The leader of {@code epoch} answers: {@code foundEpoch} ends at {@code end} in its log. */
  void epochEnd(RegionId to, long epoch, long foundEpoch, long end) {
    send(to, encoder.epochEnd(out, 0, shard, self, epoch, foundEpoch, end));
  }

  /** A follower acknowledges its durable HWM to its leader of {@code epoch}. */
  void ack(RegionId to, long epoch, long hwm) {
    send(to, encoder.ack(out, 0, shard, self, epoch, hwm));
  }

  /** Tells {@code to} the batch sizes this region's log of the shard takes and writes. */
  void limits(RegionId to, long epoch, long acceptBatchBytes, long writeBatchBytes) {
    send(to, encoder.limits(out, 0, shard, self, epoch, acceptBatchBytes, writeBatchBytes));
  }

  private void send(RegionId to, int length) {
    out.limit(length);
    endpoint.send(to, out);
    out.clear();
  }
}
