package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.transport.tcp.TcpFrames.Hello;
import io.tidaldb.transport.tcp.TcpFrames.MalformedFrameException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The inbound end of one TCP connection, after the length-field decoder: the HELLO exchange, then
 * the frames of a link that is up.
 *
 * <p>With TLS, nothing happens before the handshake completes: then the peer's certificate must
 * name the region dialled (dialler) or a configured region allowed to dial this one (acceptor),
 * else the connection is closed ({@link TlsRefusal#WRONG_REGION}); a failed handshake is classified
 * ({@link TlsRefusal#classify}), counted and logged. Only then does the HELLO exchange start (and
 * its timeout), and the acceptor also checks that the HELLO claims the certificate's region.
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
  private boolean begun;
  private RegionId certified; // the region the peer's certificate names, with TLS

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
    if (transport.config().tls() == null) {
      begin(ctx);
    }
    ctx.fireChannelActive();
  }

  /** Starts the HELLO exchange: at once in plaintext, after the TLS handshake and its checks. */
  private void begin(ChannelHandlerContext ctx) {
    if (begun) {
      return;
    }
    begun = true;
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
  }

  /**
   * Checks the region in the peer's certificate once the handshake is done.
   *
   * @return true if acceptable; else the connection is closing, counted and logged
   */
  private boolean verifyPeer(ChannelHandlerContext ctx) {
    if (certified != null) {
      return true;
    }
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    X509Certificate cert;
    try {
      Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
      cert = (X509Certificate) chain[0];
    } catch (SSLPeerUnverifiedException | ClassCastException e) {
      tlsRefuse(ctx, TlsRefusal.UNTRUSTED, "it presented no X.509 certificate: " + e.getMessage());
      return false;
    }
    RegionId presented;
    try {
      presented = RegionIdentity.of(cert);
    } catch (IllegalArgumentException e) {
      tlsRefuse(ctx, TlsRefusal.WRONG_REGION, "its certificate names no region: " + e.getMessage());
      return false;
    }
    String wrong = null;
    if (dialled != null) {
      if (!presented.equals(dialled.peer())) {
        wrong =
            "it presents "
                + presented
                + ", expected "
                + dialled.peer()
                + " (dialled at "
                + dialled.address()
                + ")";
      }
    } else if (!transport.config().peers().containsKey(presented)
        || presented.value() >= transport.config().region().value()) {
      wrong =
          "it presents "
              + presented
              + ", expected one of the configured regions that dial "
              + transport.config().region()
              + " "
              + lowerPeers();
    }
    if (wrong != null) {
      tlsRefuse(ctx, TlsRefusal.WRONG_REGION, wrong);
      return false;
    }
    certified = presented;
    return true;
  }

  private List<Integer> lowerPeers() {
    List<Integer> lower = new ArrayList<>();
    for (RegionId peer : transport.config().peers().keySet()) {
      if (peer.value() < transport.config().region().value()) {
        lower.add(peer.value());
      }
    }
    lower.sort(null);
    return lower;
  }

  /** Classifies, counts and logs a TLS failure once per connection, and closes it. */
  private void tlsFailure(ChannelHandlerContext ctx, Throwable cause) {
    TlsRefusal refusal = TlsRefusal.classify(cause);
    String why =
        switch (refusal) {
          case EXPIRED -> "its certificate has expired or is not yet valid";
          case UNTRUSTED -> "its certificate is missing or untrusted (not signed by a trusted CA)";
          case PLAINTEXT_PEER -> "it speaks plaintext to this TLS transport";
          case PEER_REFUSED -> "it refused this transport's certificate";
          default -> "the TLS handshake failed";
        };
    tlsRefuse(ctx, refusal, why + ": " + TlsRefusal.rootMessage(cause));
  }

  private void tlsRefuse(ChannelHandlerContext ctx, TlsRefusal refusal, String why) {
    if (failed) {
      ctx.close();
      return;
    }
    failed = true;
    String link =
        "the TLS connection "
            + (dialled != null
                ? "of " + transport.config().region() + " to " + dialled.peer() + " at "
                : "to " + transport.config().region() + " from ")
            + ctx.channel().remoteAddress();
    transport.tlsRefused(
        refusal,
        (refusal == TlsRefusal.PEER_REFUSED
                ? "the peer closed " + link
                : transport.config().region() + " closed " + link)
            + ": "
            + why);
    ctx.close();
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
    if (transport.config().tls() != null) {
      if (!verifyPeer(ctx)) {
        return;
      }
      if (hello.region() != certified.value()) {
        tlsRefuse(
            ctx,
            TlsRefusal.WRONG_REGION,
            "its certificate names "
                + certified
                + " but its HELLO claims region-"
                + hello.region());
        return;
      }
    }
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
    begun = true; // a HELLO read in the same batch as the handshake's end: nothing left to begin
    if (helloTimeout != null) {
      helloTimeout.cancel(false);
    }
    transport.counters().linksUp.increment();
    if (dialled == null) {
      ctx.write(transport.hello(ctx.alloc(), peer));
    }
    // the channels opened while HELLO was on the wire: announce the current mask once more
    transport.announceChannels(connection);
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
    if (transport.config().tls() != null && isTls(cause)) {
      tlsFailure(ctx, cause);
    } else if (cause instanceof TooLongFrameException) {
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

  private static boolean isTls(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException || t instanceof NotSslRecordException) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent handshake) {
      if (!handshake.isSuccess()) {
        tlsFailure(ctx, handshake.cause());
      } else if (!failed && verifyPeer(ctx)) {
        begin(ctx);
      }
      return;
    }
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.WRITER_IDLE) {
        if (connection != null) {
          // only on a link that is up: before the HELLOs (a TLS handshake, an acceptor waiting
          // for its dialler) a PING would be a frame before HELLO, and the HELLO timeout rules
          ctx.writeAndFlush(transport.ping(ctx.alloc()));
        }
      } else if (idle.state() == IdleState.READER_IDLE && connection != null) {
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
