package io.tidaldb.transport.inprocess;

import io.tidaldb.api.InvalidArgumentException;

/**
 * Limits of an {@link InProcessTransport}. Every directed link (sender region, receiver region) has
 * its own queue, bounded both by frames and by bytes; a send that would exceed either bound returns
 * {@link io.tidaldb.api.transport.SendStatus#BACK_PRESSURED}.
 *
 * @param maxFrameBytes the largest frame carried, 1 or more bytes
 * @param queueFrames the most frames queued on one directed link, 1 or more
 * @param queueBytes the most bytes queued on one directed link, at least {@code maxFrameBytes} so
 *     that a frame of the largest size can always be queued on an empty link
 */
public record InProcessConfig(int maxFrameBytes, int queueFrames, long queueBytes) {
  /** Default largest frame: 16 MiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;

  /** Default frames per directed link: 4096. */
  public static final int DEFAULT_QUEUE_FRAMES = 4096;

  /** Default bytes per directed link: 64 MiB. */
  public static final long DEFAULT_QUEUE_BYTES = 64L << 20;

  /** The defaults: 16 MiB frames, 4096 frames and 64 MiB per directed link. */
  public static final InProcessConfig DEFAULTS =
      new InProcessConfig(DEFAULT_MAX_FRAME_BYTES, DEFAULT_QUEUE_FRAMES, DEFAULT_QUEUE_BYTES);

  /**
   * Validates the limits.
   *
   * @throws InvalidArgumentException naming the first refused limit and its value
   */
  public InProcessConfig {
    if (maxFrameBytes < 1) {
      throw new InvalidArgumentException("maxFrameBytes", maxFrameBytes, "must be at least 1");
    }
    if (queueFrames < 1) {
      throw new InvalidArgumentException("queueFrames", queueFrames, "must be at least 1");
    }
    if (queueBytes < maxFrameBytes) {
      throw new InvalidArgumentException(
          "queueBytes",
          queueBytes,
          "must be at least maxFrameBytes (" + maxFrameBytes + ") so that a largest frame fits");
    }
  }

  /**
   * Returns a copy with another frame limit.
   *
   * @param bytes the largest frame
   * @return the new limits
   */
  public InProcessConfig withMaxFrameBytes(int bytes) {
    return new InProcessConfig(bytes, queueFrames, queueBytes);
  }

  /**
   * Returns a copy with another frame bound per link.
   *
   * @param frames the most frames queued on one directed link
   * @return the new limits
   */
  public InProcessConfig withQueueFrames(int frames) {
    return new InProcessConfig(maxFrameBytes, frames, queueBytes);
  }

  /**
   * Returns a copy with another byte bound per link.
   *
   * @param bytes the most bytes queued on one directed link
   * @return the new limits
   */
  public InProcessConfig withQueueBytes(long bytes) {
    return new InProcessConfig(maxFrameBytes, queueFrames, bytes);
  }
}
