package io.tidaldb.api.transport;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ConsumerType;

/** Receives the frames sent to one endpoint. */
@ConsumerType
@FunctionalInterface
public interface FrameHandler {
  /**
   * Called on a transport thread for every frame, in send order per sending region. The buffer is
   * valid only during the call (copy what must outlive it); an exception is logged and counted by
   * the transport and does not stop delivery.
   *
   * @param from the sending region
   * @param frame the frame's bytes, read-only, positioned at its first byte
   */
  void onFrame(RegionId from, ByteBuffer frame);
}
