package io.tidaldb.transport.tcp;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Netty's IO flavour: epoll where its native library loads, NIO otherwise. */
enum IoMode {
  /** Linux epoll, through the native fragment. */
  EPOLL,
  /** Java NIO selectors. */
  NIO;

  private static final Logger LOG = LoggerFactory.getLogger(IoMode.class);
  private static final AtomicBoolean LOGGED = new AtomicBoolean();

  /**
   * Picks epoll if allowed and available, else NIO; the first call logs which, and why not epoll.
   *
   * @param allowEpoll false to pick NIO in any case
   * @return the mode
   */
  static IoMode choose(boolean allowEpoll) {
    boolean available = Epoll.isAvailable();
    IoMode mode = allowEpoll && available ? EPOLL : NIO;
    if (LOGGED.compareAndSet(false, true)) {
      if (mode == EPOLL) {
        LOG.info("TCP transport: Netty epoll IO");
      } else if (!available) {
        LOG.info(
            "TCP transport: Netty NIO IO (epoll unavailable: {})",
            String.valueOf(Epoll.unavailabilityCause()));
      } else {
        LOG.info("TCP transport: Netty NIO IO (epoll not allowed)");
      }
    }
    return mode;
  }

  IoHandlerFactory factory() {
    return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  Class<? extends ServerChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  Class<? extends Channel> channel() {
    return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  String label() {
    return this == EPOLL ? "epoll" : "NIO";
  }
}
