package io.tidaldb.transport.tcp;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of every connection, dialled or accepted (an accepted one only while fewer
 * than {@code max.inbound.connections} are open, else it is closed at once), in this order:
 *
 * <ol>
 *   <li>{@code tls} with {@code tls.mode = mutual}: Netty's {@code SslHandler} (TLS 1.3, JDK
 *       provider, client certificate required, {@code handshake.timeout.ms}); with {@code
 *       plaintext}, {@code sniff}: a {@link TlsSniffer} that refuses a peer starting a TLS
 *       handshake and then removes itself;
 *   <li>{@code frames}: a {@link LengthFieldBasedFrameDecoder} that splits the stream at the length
 *       field and refuses, before buffering it, a length beyond {@code max.frame.bytes} + 4 (fail
 *       fast: the {@link LinkHandler} closes the connection);
 *   <li>{@code idle} (if {@code idle.timeout.ms} &gt; 0): on a link that is up, PING after a third
 *       of it without writing, close after it without reading (before the HELLOs only {@code
 *       hello.timeout.ms} applies, see {@link LinkHandler});
 *   <li>{@code flush}: {@link FlushConsolidationHandler}, so flushes during a read batch and bursts
 *       of drains coalesce into fewer {@code writev} calls;
 *   <li>{@code link}: {@link LinkHandler}, HELLO and delivery.
 * </ol>
 */
final class LinkInitializer extends ChannelInitializer<Channel> {
  private final TcpTransport transport;
  private final PeerLink dialled;

  LinkInitializer(TcpTransport transport, PeerLink dialled) {
    this.transport = transport;
    this.dialled = dialled;
  }

  @Override
  protected void initChannel(Channel ch) {
    if (dialled == null && !transport.admit(ch)) {
      ch.close();
      return;
    }
    TcpConfig config = transport.config();
    ChannelPipeline p = ch.pipeline();
    if (config.tls() != null) {
      p.addLast("tls", config.tls().newHandler(ch.alloc(), dialled == null));
    } else {
      p.addLast("sniff", new TlsSniffer(transport));
    }
    p.addLast(
        "frames",
        new LengthFieldBasedFrameDecoder(
            TcpFrames.LENGTH_BYTES + TcpFrames.maxLengthField(config.maxFrameBytes()),
            TcpFrames.LENGTH_OFFSET,
            TcpFrames.LENGTH_BYTES,
            0,
            TcpFrames.LENGTH_BYTES,
            true));
    long idle = config.idleTimeoutMs();
    if (idle > 0) {
      p.addLast(
          "idle", new IdleStateHandler(idle, Math.max(1, idle / 3), 0, TimeUnit.MILLISECONDS));
    }
    p.addLast("flush", new FlushConsolidationHandler(TcpTransport.FLUSH_CONSOLIDATION, true));
    p.addLast("link", new LinkHandler(transport, dialled));
  }

  /** Sets the socket options of a link's connections on a bootstrap. */
  static void configure(AbstractBootstrap<?, ?> bootstrap, TcpConfig config) {
    int high = (int) Math.min(Integer.MAX_VALUE, config.queueBytes());
    WriteBufferWaterMark marks = new WriteBufferWaterMark(high / 2, high);
    if (bootstrap instanceof ServerBootstrap server) {
      server
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.SO_KEEPALIVE, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks);
    } else if (bootstrap instanceof Bootstrap client) {
      client
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.SO_KEEPALIVE, true)
          .option(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeoutMs());
    }
  }
}
