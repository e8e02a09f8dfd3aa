package io.tidaldb.replication.shipping;

import io.tidaldb.api.InvalidArgumentException;
import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link WalShipper}.
 *
 * @param maxBytesInFlight the shipper stops reading once sent-but-unacked frame bytes reach this
 * @param maxInFlightNanos the shipper also stops reading while the oldest unacknowledged batch was
 *     sent longer ago than this: a follower that drains slower than the leader writes then queues
 *     at most about this much time of work, so its acknowledgements (which renew the leader's
 *     lease) and the heartbeats queued behind the data stay fresh; keep it below the election
 *     timeout and above the round trip to the follower
 * @param maxBatchBytes the largest WAL batch shipped, its 56-byte header included; a region's
 *     {@code ReplicationNode} sets it from its own log ({@link #walBatchBytes}), so that every
 *     batch the log writes can be encoded; frames are this plus the frame header
 * @param initialBackoffNanos the first pause after an UNREACHABLE send
 * @param maxBackoffNanos the cap of the doubling pause
 * @param ackTimeoutNanos with bytes in flight and no ack progress for this long, rewind to the HWM
 * @param maxBatchesPerWork the most batches one {@code doWork} sends
 * @param maxRetainedRecords how far behind its durable position a leader keeps its log for a
 *     follower that lags or has not been heard from (see {@code Replication#retainFrom}); a
 *     follower further behind cannot be shipped from the log
 * @param snapshotChunkBytes the most snapshot bytes one SNAPSHOT_CHUNK frame carries (snapshot
 *     catch-up of a follower behind the log); a {@code ReplicationNode} lowers it to what its
 *     transport's frames carry
 */
public record ShippingConfig(
    long maxBytesInFlight,
    long maxInFlightNanos,
    int maxBatchBytes,
    long initialBackoffNanos,
    long maxBackoffNanos,
    long ackTimeoutNanos,
    int maxBatchesPerWork,
    long maxRetainedRecords,
    int snapshotChunkBytes) {
  /** The default most snapshot bytes per SNAPSHOT_CHUNK frame: 256 KiB. */
  public static final int DEFAULT_SNAPSHOT_CHUNK_BYTES = 256 << 10;

  /**
   * 1 MiB and 100 ms in flight, 4 MiB batches (a {@code ReplicationNode} replaces this with its
   * WAL's batch size), 10 ms..1 s backoff, 2 s ack timeout, 64 batches per work, the log kept
   * 20,000,000 records back for lagging followers, snapshots shipped in chunks of 256 KiB.
   */
  public static final ShippingConfig DEFAULTS =
      new ShippingConfig(
          1L << 20,
          TimeUnit.MILLISECONDS.toNanos(100),
          4 << 20,
          TimeUnit.MILLISECONDS.toNanos(10),
          TimeUnit.SECONDS.toNanos(1),
          TimeUnit.SECONDS.toNanos(2),
          64,
          20_000_000L,
          DEFAULT_SNAPSHOT_CHUNK_BYTES);

  /** Checks every value. */
  public ShippingConfig {
    positive("maxBytesInFlight", maxBytesInFlight);
    positive("maxInFlightNanos", maxInFlightNanos);
    positive("maxBatchBytes", maxBatchBytes);
    positive("initialBackoffNanos", initialBackoffNanos);
    positive("ackTimeoutNanos", ackTimeoutNanos);
    positive("maxBatchesPerWork", maxBatchesPerWork);
    positive("snapshotChunkBytes", snapshotChunkBytes);
    if (maxRetainedRecords < 0) {
      throw new InvalidArgumentException("maxRetainedRecords", maxRetainedRecords, "must be >= 0");
    }
    if (maxBackoffNanos < initialBackoffNanos) {
      throw new InvalidArgumentException(
          "maxBackoffNanos",
          maxBackoffNanos,
          "must be >= initialBackoffNanos " + initialBackoffNanos);
    }
  }

  /**
   * Returns a copy with another in-flight bound.
   *
   * @param bytes the bound
   * @return the copy
   */
  public ShippingConfig withMaxBytesInFlight(long bytes) {
    return new ShippingConfig(
        bytes,
        maxInFlightNanos,
        maxBatchBytes,
        initialBackoffNanos,
        maxBackoffNanos,
        ackTimeoutNanos,
        maxBatchesPerWork,
        maxRetainedRecords,
        snapshotChunkBytes);
  }

  /**
   * Returns the size of a WAL batch whose payload has {@code payloadBytes}: the payload plus the
   * 56-byte batch header.
   *
   * @param payloadBytes a payload size, such as a log's {@code maxBatchBytes}
   * @return the batch size in bytes
   */
  public static long walBatchBytes(int payloadBytes) {
    return BatchHeader.LENGTH + (long) payloadBytes;
  }

  /**
   * Returns a copy with another batch bound.
   *
   * @param bytes the largest batch shipped, header included
   * @return the copy
   */
  public ShippingConfig withMaxBatchBytes(int bytes) {
    return new ShippingConfig(
        maxBytesInFlight,
        maxInFlightNanos,
        bytes,
        initialBackoffNanos,
        maxBackoffNanos,
        ackTimeoutNanos,
        maxBatchesPerWork,
        maxRetainedRecords,
        snapshotChunkBytes);
  }

  /**
   * Returns a copy with another retention bound.
   *
   * @param records how many records behind its durable position a leader keeps its log at most
   * @return the copy
   */
  public ShippingConfig withMaxRetainedRecords(long records) {
    return new ShippingConfig(
        maxBytesInFlight,
        maxInFlightNanos,
        maxBatchBytes,
        initialBackoffNanos,
        maxBackoffNanos,
        ackTimeoutNanos,
        maxBatchesPerWork,
        records,
        snapshotChunkBytes);
  }

  /**
   * Returns a copy with another in-flight age bound.
   *
   * @param nanos the bound
   * @return the copy
   */
  public ShippingConfig withMaxInFlightNanos(long nanos) {
    return new ShippingConfig(
        maxBytesInFlight,
        nanos,
        maxBatchBytes,
        initialBackoffNanos,
        maxBackoffNanos,
        ackTimeoutNanos,
        maxBatchesPerWork,
        maxRetainedRecords,
        snapshotChunkBytes);
  }

  /**
   * Returns a copy with another snapshot chunk bound.
   *
   * @param bytes the most snapshot bytes per SNAPSHOT_CHUNK frame
   * @return the copy
   */
  public ShippingConfig withSnapshotChunkBytes(int bytes) {
    return new ShippingConfig(
        maxBytesInFlight,
        maxInFlightNanos,
        maxBatchBytes,
        initialBackoffNanos,
        maxBackoffNanos,
        ackTimeoutNanos,
        maxBatchesPerWork,
        maxRetainedRecords,
        bytes);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new InvalidArgumentException(name, value, "must be > 0");
    }
  }
}
