package io.tidaldb.transport.tcp;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;

/** One channel of the local region on a {@link TcpTransport}. Thread-safe. */
final class TcpEndpoint implements TransportEndpoint {
  private final TcpTransport transport;
  private final RegionId local;
  private final int channel;
  private final FrameHandler handler;
  private volatile boolean closed;

  TcpEndpoint(TcpTransport transport, RegionId local, int channel, FrameHandler handler) {
    this.transport = transport;
    this.local = local;
    this.channel = channel;
    this.handler = handler;
  }

  @Override
  public RegionId local() {
    return local;
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@link SendStatus#UNREACHABLE} while the link to {@code to} is not up (never connected,
   * reconnecting, HELLO pending) or its region has no endpoint open on this channel; {@link
   * SendStatus#BACK_PRESSURED} while the link's outbound buffer holds {@code queue.bytes} or {@code
   * queue.frames}.
   */
  @Override
  public SendStatus send(RegionId to, ByteBuffer frame) {
    return transport.route(this, to, frame);
  }

  /**
   * {@inheritDoc} Peers learn of it (a CHANNELS frame) and answer their sends on this channel with
   * {@link SendStatus#UNREACHABLE}; frames already on the wire are dropped on arrival.
   */
  @Override
  public void close() {
    transport.leave(this);
  }

  boolean isClosed() {
    return closed;
  }

  void markClosed() {
    closed = true;
  }

  int channel() {
    return channel;
  }

  FrameHandler handler() {
    return handler;
  }

  @Override
  public String toString() {
    return "tcp endpoint of " + local + " on channel " + channel + (closed ? " (closed)" : "");
  }
}
