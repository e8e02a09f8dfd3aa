package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.transport.tcp.TcpFrames.Hello;
import io.tidaldb.transport.tcp.TcpFrames.MalformedFrameException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * The inbound end of one TCP connection, after the length-field decoder: the HELLO exchange, then
 * the frames of a link that is up.
 *
 * <p>States: {@code AWAITING_HELLO} (a dialler sends its HELLO as soon as the connection is active;
 * an acceptor waits for the dialler's, checks it, and answers with its own) and {@code UP} (the
 * peer's HELLO checked, the connection attached to its {@link PeerLink}). A connection that says
 * nothing valid within {@code hello.timeout.ms}, breaks the format, or is refused at HELLO is
 * closed with one counted log line; nothing else on the transport is affected.
 *
 * <p>Runs on the connection's event loop only; DATA frames are handed to the endpoint's {@link
 * io.tidaldb.api.transport.FrameHandler} there, one at a time, in arrival order.
 */
final class LinkHandler extends ChannelInboundHandlerAdapter {
  private final TcpTransport transport;
  private final PeerLink dialled; // null on the accepting side
  private PeerLink link;
  private Connection connection;
  private ScheduledFuture<?> helloTimeout;
  private boolean failed;

  /**
   * Creates the handler of one connection.
   *
   * @param transport the transport
   * @param dialled the link this connection was dialled for, or null for an accepted one
   */
  LinkHandler(TcpTransport transport, PeerLink dialled) {
    this.transport = transport;
    this.dialled = dialled;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    long timeoutMs = transport.config().helloTimeoutMs();
    helloTimeout =
        ctx.executor()
            .schedule(
                () -> {
                  if (connection == null && ctx.channel().isActive()) {
                    transport.counters().helloTimeouts.increment();
                    transport.linkError(
                        "hello timeout",
                        "closing the connection from "
                            + ctx.channel().remoteAddress()
                            + ": no valid HELLO within "
                            + timeoutMs
                            + " ms");
                    ctx.close();
                  }
                },
                timeoutMs,
                TimeUnit.MILLISECONDS);
    if (dialled != null) {
      ctx.writeAndFlush(transport.hello(ctx.alloc(), dialled.peer()));
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    try {
      if (failed) {
        return;
      }
      read(ctx, frame);
    } catch (MalformedFrameException e) {
      malformed(ctx, e.getMessage());
    } finally {
      frame.release();
    }
  }

  private void read(ChannelHandlerContext ctx, ByteBuf frame) {
    if (frame.readableBytes() < TcpFrames.MIN_LENGTH) {
      throw new MalformedFrameException(
          "length field " + frame.readableBytes() + " is below " + TcpFrames.MIN_LENGTH);
    }
    int kind = frame.readUnsignedByte();
    int channel = frame.readUnsignedByte();
    int reserved = frame.readUnsignedShort();
    if (reserved != 0) {
      throw new MalformedFrameException(
          "reserved header field is " + reserved + ", not 0 (" + TcpFrames.kindName(kind) + ")");
    }
    if (kind != TcpFrames.DATA && channel != 0) {
      throw new MalformedFrameException(
          "channel " + channel + " on a " + TcpFrames.kindName(kind) + " frame, not 0");
    }
    if (connection == null) {
      if (kind != TcpFrames.HELLO) {
        throw new MalformedFrameException(
            TcpFrames.kindName(kind) + " frame before HELLO on a new connection");
      }
      hello(ctx, TcpFrames.readHello(frame));
      return;
    }
    switch (kind) {
      case TcpFrames.DATA -> {
        if (channel > Transport.MAX_CHANNEL) {
          throw new MalformedFrameException(
              "DATA on channel " + channel + ", not 0.." + Transport.MAX_CHANNEL);
        }
        if (!frame.isReadable()) {
          throw new MalformedFrameException("empty DATA frame on channel " + channel);
        }
        transport.deliver(connection.peer(), channel, frame);
      }
      case TcpFrames.CHANNELS -> {
        if (frame.readableBytes() != TcpFrames.CHANNELS_BODY_BYTES) {
          throw new MalformedFrameException(
              "CHANNELS body is " + frame.readableBytes() + " bytes, not 2");
        }
        connection.peerChannels(frame.readUnsignedShort());
      }
      case TcpFrames.PING -> {
        // keep-alive: reading it reset the idle timer
      }
      case TcpFrames.GOODBYE -> ctx.close();
      case TcpFrames.HELLO -> throw new MalformedFrameException("a second HELLO on a link");
      default -> throw new MalformedFrameException(TcpFrames.kindName(kind));
    }
  }

  private void hello(ChannelHandlerContext ctx, Hello hello) {
    String refusal =
        HelloCheck.refusal(transport.config(), hello, dialled == null ? null : dialled.peer());
    if (refusal != null) {
      refuse(ctx, hello, refusal);
      return;
    }
    RegionId peer = RegionId.of(hello.region());
    PeerLink target = dialled != null ? dialled : transport.link(peer);
    Connection fresh = transport.newConnection(ctx.channel(), peer, hello);
    Connection existing = target.attach(fresh);
    if (existing != null) {
      refuse(
          ctx,
          hello,
          "a link with "
              + peer
              + " is already up over "
              + existing.channel().remoteAddress()
              + " (peer incarnation "
              + Long.toHexString(existing.peerIncarnation())
              + "; this one "
              + Long.toHexString(hello.incarnation())
              + "): duplicate link refused");
      return;
    }
    link = target;
    connection = fresh;
    helloTimeout.cancel(false);
    transport.counters().linksUp.increment();
    if (dialled == null) {
      ctx.write(transport.hello(ctx.alloc(), peer));
    }
    // the channels opened while HELLO was on the wire: announce the current mask once more
    connection.sendChannels(transport.channelMask());
    ctx.flush();
  }

  private void refuse(ChannelHandlerContext ctx, Hello hello, String why) {
    failed = true;
    transport.counters().refused.increment();
    transport.linkError(
        "refused hello",
        transport.config().region()
            + " refused the connection from "
            + ctx.channel().remoteAddress()
            + " claiming region-"
            + hello.region()
            + " (addressed to region-"
            + hello.target()
            + "): "
            + why);
    ctx.close();
  }

  private void malformed(ChannelHandlerContext ctx, String what) {
    failed = true;
    transport.counters().malformed.increment();
    transport.linkError(
        "malformed frame",
        "closing the connection "
            + (connection != null ? "with " + connection.peer() + " " : "")
            + "from "
            + ctx.channel().remoteAddress()
            + ": malformed frame: "
            + what);
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      malformed(
          ctx,
          "oversized: "
              + cause.getMessage()
              + " (max.frame.bytes "
              + transport.config().maxFrameBytes()
              + ")");
    } else if (cause instanceof DecoderException) {
      malformed(ctx, String.valueOf(cause.getMessage()));
    } else if (cause instanceof ClosedChannelException) {
      // a write raced with the close: nothing more to say
      ctx.close();
    } else {
      failed = true;
      transport.linkError(
          "io error",
          "closing the connection "
              + (connection != null ? "with " + connection.peer() + " " : "")
              + "from "
              + ctx.channel().remoteAddress()
              + ": "
              + cause);
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.WRITER_IDLE) {
        ctx.writeAndFlush(transport.ping(ctx.alloc()));
      } else if (idle.state() == IdleState.READER_IDLE) {
        transport.counters().idleClosed.increment();
        transport.linkError(
            "idle",
            "closing the connection "
                + (connection != null ? "with " + connection.peer() + " " : "")
                + "from "
                + ctx.channel().remoteAddress()
                + ": nothing received for "
                + transport.config().idleTimeoutMs()
                + " ms");
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (helloTimeout != null) {
      helloTimeout.cancel(false);
    }
    if (connection != null && link.detach(connection)) {
      transport.counters().linksDown.increment();
    }
    if (dialled != null) {
      dialled.redial();
    }
    ctx.fireChannelInactive();
  }
}
