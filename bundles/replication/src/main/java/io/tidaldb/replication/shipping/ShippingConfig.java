package io.tidaldb.replication.shipping;

import io.tidaldb.api.InvalidArgumentException;
import java.util.concurrent.TimeUnit;

/**
 * Settings of a {@link WalShipper}.
 *
 * @param maxBytesInFlight the shipper stops reading once sent-but-unacked frame bytes reach this
 * @param maxBatchBytes the largest batch shipped (the leader WAL's batch limit); frames are this
 *     plus the frame header, and must fit the transport's frame limit
 * @param initialBackoffNanos the first pause after an UNREACHABLE send
 * @param maxBackoffNanos the cap of the doubling pause
 * @param ackTimeoutNanos with bytes in flight and no ack progress for this long, rewind to the HWM
 * @param maxBatchesPerWork the most batches one {@code doWork} sends
 */
public record ShippingConfig(
    long maxBytesInFlight,
    int maxBatchBytes,
    long initialBackoffNanos,
    long maxBackoffNanos,
    long ackTimeoutNanos,
    int maxBatchesPerWork) {
  /** 1 MiB in flight, 4 MiB batches, 10 ms..1 s backoff, 2 s ack timeout, 64 batches per work. */
  public static final ShippingConfig DEFAULTS =
      new ShippingConfig(
          1L << 20,
          4 << 20,
          TimeUnit.MILLISECONDS.toNanos(10),
          TimeUnit.SECONDS.toNanos(1),
          TimeUnit.SECONDS.toNanos(2),
          64);

  /** Checks every value. */
  public ShippingConfig {
    positive("maxBytesInFlight", maxBytesInFlight);
    positive("maxBatchBytes", maxBatchBytes);
    positive("initialBackoffNanos", initialBackoffNanos);
    positive("ackTimeoutNanos", ackTimeoutNanos);
    positive("maxBatchesPerWork", maxBatchesPerWork);
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
        maxBatchBytes,
        initialBackoffNanos,
        maxBackoffNanos,
        ackTimeoutNanos,
        maxBatchesPerWork);
  }

  private static void positive(String name, long value) {
    if (value <= 0) {
      throw new InvalidArgumentException(name, value, "must be > 0");
    }
  }
}
