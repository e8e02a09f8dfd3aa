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

  /**
   * Tells whether the link to {@code to} is up now: a transport that knows returns false while no
   * established connection to that region exists (never connected, closed by the peer's crash,
   * reconnecting) or that region has no endpoint open on this endpoint's channel. The replication
   * layer polls it on its hot path, so it must be cheap (volatile reads, no allocation, no lock
   * held for long) and never block. The default, for transports that do not know, says true:
   * unknown is taken as up, and a region then notices a lost peer only by its silence.
   *
   * @param to the remote region
   * @return false only if the transport knows the link to {@code to} is down
   * @since 1.4.0
   */
  default boolean connected(RegionId to) {
    return true;
  }

  /** Leaves the transport: no more frames are delivered to this endpoint. Idempotent. */
  @Override
  void close();
}
