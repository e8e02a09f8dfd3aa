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
   * {@inheritDoc}
   *
   * <p>False while no link to {@code to} is up (never connected, its connection closed by the
   * peer's crash or a network fault, reconnecting, TLS handshake or HELLO pending), while {@code
   * to} has announced no endpoint on this endpoint's channel, and once this endpoint or the
   * transport is closed.
   */
  @Override
  public boolean connected(RegionId to) {
    return transport.linkUp(this, to);
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
