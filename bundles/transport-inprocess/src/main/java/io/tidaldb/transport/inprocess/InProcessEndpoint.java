package io.tidaldb.transport.inprocess;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One region's endpoint on one channel of an {@link InProcessTransport}: sends go through the
 * transport to the destination's incoming link, to the destination's endpoint on the same channel;
 * frames for this region on this channel are delivered to its handler by the region's {@link
 * Delivery} thread, shared with the region's other channels. Thread-safe.
 */
final class InProcessEndpoint implements TransportEndpoint {
  private final InProcessTransport transport;
  private final RegionId local;
  private final int channel;
  private final FrameHandler handler;
  private final Delivery delivery;
  private volatile boolean closed;

  InProcessEndpoint(
      InProcessTransport transport,
      RegionId local,
      int channel,
      FrameHandler handler,
      Delivery delivery) {
    this.transport = transport;
    this.local = local;
    this.channel = channel;
    this.handler = handler;
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
   * {@link SendStatus#UNREACHABLE} if {@code to} has no endpoint open on this endpoint's channel or
   * the link is cut, and {@link SendStatus#BACK_PRESSURED} if the link's queue is full by frames or
   * by bytes.
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
   * <p>False while {@code to} has no endpoint open on this endpoint's channel (a region that
   * closed, stopped or crashed: the in-process analogue of a process whose kernel closed its
   * connections), or once this endpoint or the transport is closed. A cut ({@link
   * io.tidaldb.api.transport.LinkFaults}), a paused region or a shaped link leaves it up: they
   * model a network partition and a stalled process, which close no TCP connection either, so a
   * region notices them by silence as before (and the test kit's partitions keep their meaning).
   */
  @Override
  public boolean connected(RegionId to) {
    Objects.requireNonNull(to, "to");
    return transport.linkUp(this, to);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Makes later sends to this region on this channel {@link SendStatus#UNREACHABLE} and sends
   * from this endpoint {@link SendStatus#CLOSED}; frames already queued for it are dropped ({@code
   * droppedNoEndpoint}, or {@code droppedOnClose} when this was the region's last open channel,
   * which also stops the region's delivery thread). Waits for this endpoint's running handler for
   * up to {@link InProcessTransport#STOP_TIMEOUT_MILLIS} (not when called on the delivery thread,
   * by a handler); the region's other channels keep delivering. Frames this endpoint already queued
   * for other regions are still delivered.
   */
  @Override
  public void close() {
    transport.leave(this);
  }

  @Override
  public String toString() {
    return "inprocess endpoint of "
        + local
        + " on channel "
        + channel
        + (closed ? " (closed)" : "");
  }

  boolean isClosed() {
    return closed;
  }

  /** Marks the endpoint closed; called by the transport under its structure lock. */
  void markClosed() {
    closed = true;
  }

  int channel() {
    return channel;
  }

  FrameHandler handler() {
    return handler;
  }

  Delivery delivery() {
    return delivery;
  }
}
