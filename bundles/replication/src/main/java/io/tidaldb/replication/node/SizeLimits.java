package io.tidaldb.replication.node;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.replication.shipping.ShippingConfig;
import io.tidaldb.replication.wire.FrameDescriptor;

/**
 * The sizes a region's replication depends on, checked against each other when the node starts (a
 * refusal names both values): a WAL batch (its payload limit, {@code ShardLog#maxBatchBytes}, plus
 * the 56-byte batch header) must fit one frame of the transport with the 32-byte frame header and
 * the bytes of received batches a region holds ({@link FrameInbox#MAX_BATCH_BYTES}); the largest
 * FORWARD and FORWARD_REPLY frames (names, reply message) must fit a frame too. The in-flight
 * window needs no check: a shipper sends one batch larger than it while nothing else is in flight.
 *
 * <p>Across regions, which may be configured differently, what a region {@link #acceptBatchBytes
 * accepts} must cover what its leader {@link #writeBatchBytes writes}.
 *
 * @param writeBatchBytes the largest WAL batch, header included, this region's log writes (the
 *     largest payload limit of its shards plus the header)
 * @param acceptBatchBytes the largest WAL batch, header included, this region takes as a follower:
 *     what its smallest shard log, its transport's frames and its inbox can all hold
 */
record SizeLimits(long writeBatchBytes, long acceptBatchBytes) {

  /**
   * Checks the sizes of one region.
   *
   * @throws InvalidArgumentException naming both values of the first pair that does not fit
   */
  static SizeLimits check(WriteAheadLog wal, Transport transport) {
    int largest = 0;
    int smallest = Integer.MAX_VALUE;
    for (int i = 0; i < wal.shardCount(); i++) {
      int payload = wal.shard(i).maxBatchBytes();
      largest = Math.max(largest, payload);
      smallest = Math.min(smallest, payload);
    }
    long batch = ShippingConfig.walBatchBytes(largest);
    long frameBody = (long) transport.maxFrameBytes() - FrameDescriptor.HEADER_LENGTH;
    if (frameBody < batch) {
      throw new InvalidArgumentException(
          "maxFrameBytes of transport " + transport.name(),
          transport.maxFrameBytes(),
          "must be at least "
              + (FrameDescriptor.HEADER_LENGTH + batch)
              + ": a WAL batch of up to "
              + batch
              + " bytes (the WAL's maxBatchBytes "
              + largest
              + " plus its header) plus the "
              + FrameDescriptor.HEADER_LENGTH
              + "-byte frame header");
    }
    if (FrameInbox.MAX_BATCH_BYTES < batch) {
      throw new InvalidArgumentException(
          "maxBatchBytes of the WAL",
          largest,
          "makes batches of up to "
              + batch
              + " bytes, above the bound on received batches of "
              + FrameInbox.MAX_BATCH_BYTES
              + " bytes: followers would drop every full batch");
    }
    int control =
        Math.max(
            FrameDescriptor.MAX_FORWARD_FRAME_LENGTH,
            FrameDescriptor.HEADER_LENGTH
                + FrameDescriptor.FORWARD_FIXED_BODY_LENGTH
                + 2 * FrameDescriptor.FORWARD_NAME_MAX_BYTES);
    if (transport.maxFrameBytes() < control) {
      throw new InvalidArgumentException(
          "maxFrameBytes of transport " + transport.name(),
          transport.maxFrameBytes(),
          "must be at least "
              + control
              + ": the largest FORWARD or FORWARD_REPLY frame (names of up to "
              + FrameDescriptor.FORWARD_NAME_MAX_BYTES
              + " bytes, a reply's three fields of up to "
              + FrameDescriptor.FORWARD_FIELD_MAX_BYTES
              + " bytes each)");
    }
    long accept =
        Math.min(
            ShippingConfig.walBatchBytes(smallest),
            Math.min(frameBody, FrameInbox.MAX_BATCH_BYTES));
    return new SizeLimits(batch, accept);
  }
}
