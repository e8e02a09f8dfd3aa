package io.tidaldb.api.transport;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/** One region's attachment to a transport. Thread-safe. */
@ProviderType
public interface TransportEndpoint extends AutoCloseable {
  /**
   * Returns the region this endpoint speaks for.
   *
   * @return the local region
   */
  RegionId local();

  /**
   * Queues a copy of the frame's remaining bytes for {@code to}. Never blocks; the buffer's
   * position is unchanged.
   *
   * @param to the destination region
   * @param frame the frame, at most {@link Transport#maxFrameBytes()} bytes
   * @return {@link SendStatus#SENT} if queued, otherwise why not
   * @throws io.tidaldb.api.InvalidArgumentException if the frame is empty or too long
   */
  SendStatus send(RegionId to, ByteBuffer frame);

  /** Leaves the transport: no more frames are delivered to this endpoint. Idempotent. */
  @Override
  void close();
}
