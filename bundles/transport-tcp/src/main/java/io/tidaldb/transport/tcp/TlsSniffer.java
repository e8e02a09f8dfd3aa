package io.tidaldb.transport.tcp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * First in a plaintext connection's pipeline: tells a TLS peer (its first bytes are a TLS handshake
 * record: content type 22, major version 3) from a plaintext one, refuses the first with {@link
 * TlsRefusal#TLS_ON_PLAINTEXT}, and removes itself for the second. A plaintext stream starts with
 * HELLO's length field (0x00000020), so it can never look like TLS.
 */
final class TlsSniffer extends ByteToMessageDecoder {
  private static final int HANDSHAKE = 22;
  private static final int TLS_MAJOR = 3;

  private final TcpTransport transport;

  TlsSniffer(TcpTransport transport) {
    this.transport = transport;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 2) {
      return;
    }
    int start = in.readerIndex();
    if (in.getUnsignedByte(start) == HANDSHAKE && in.getUnsignedByte(start + 1) == TLS_MAJOR) {
      in.skipBytes(in.readableBytes());
      transport.tlsRefused(
          TlsRefusal.TLS_ON_PLAINTEXT,
          transport.config().region()
              + " refused the connection from "
              + ctx.channel().remoteAddress()
              + ": it starts a TLS handshake, but this transport is configured tls.mode=plaintext");
      ctx.close();
      return;
    }
    ctx.pipeline().remove(this);
  }
}
