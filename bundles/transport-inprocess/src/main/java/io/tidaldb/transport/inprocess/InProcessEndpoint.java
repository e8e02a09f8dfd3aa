package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One region's endpoint on an {@link InProcessTransport}: sends go through the transport to the
 * destination's incoming link; frames for this region are delivered by its {@link Delivery} thread.
 * Thread-safe.
 */
final class InProcessEndpoint implements TransportEndpoint {
  private final InProcessTransport transport;
  private final RegionId local;
  private final Delivery delivery;
  private volatile boolean closed;

  InProcessEndpoint(InProcessTransport transport, RegionId local, Delivery delivery) {
    this.transport = transport;
    this.local = local;
    this.delivery = delivery;
  }

  @Override
  public RegionId local() {
    return local;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Copies the frame into a pooled or new buffer (see {@link FramePool}) unless the link refuses
   * it outright; returns {@link SendStatus#CLOSED} once this endpoint or the transport is closed,
   * {@link SendStatus#UNREACHABLE} if no endpoint is open for {@code to} or the link is cut, and
   * {@link SendStatus#BACK_PRESSURED} if the link's queue is full by frames or by bytes.
   */
  @Override
  public SendStatus send(RegionId to, ByteBuffer frame) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(frame, "frame");
    return transport.route(this, to, frame);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Discards the frames queued for this region, makes later sends to it {@link
   * SendStatus#UNREACHABLE} and sends from it {@link SendStatus#CLOSED}, then stops the delivery
   * thread, waiting for a running handler for up to {@link InProcessTransport#STOP_TIMEOUT_MILLIS}
   * (not when a handler closes its own endpoint). Frames this endpoint already queued for other
   * regions are still delivered.
   */
  @Override
  public void close() {
    transport.leave(this);
  }

  @Override
  public String toString() {
    return "inprocess endpoint of " + local + (closed ? " (closed)" : "");
  }

  boolean isClosed() {
    return closed;
  }

  /** Marks the endpoint closed; called by the transport under its structure lock. */
  void markClosed() {
    closed = true;
  }

  Delivery delivery() {
    return delivery;
  }
}
