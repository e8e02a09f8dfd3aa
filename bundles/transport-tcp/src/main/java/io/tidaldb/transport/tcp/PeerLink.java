package io.tidaldb.transport.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.tidaldb.api.RegionId;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link between the local region and one peer: at most one {@link Connection} up at a time.
 *
 * <p>The region with the lower id dials ({@link #dialler()}), the other accepts, so each pair has
 * one TCP connection and one owner of reconnects. The dialler dials at start and again after every
 * failed dial or lost link, waiting as {@link ReconnectBackoff} says (on this link's event loop,
 * which owns the back-off). A link is up only once both HELLOs are exchanged; a second connection
 * while one is up is refused ({@link #attach}).
 *
 * <p>Thread-safe: attach and detach come from the connections' event loops and synchronise.
 */
final class PeerLink {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

  private final TcpTransport transport;
  private final RegionId local;
  private final RegionId peer;
  private final PeerAddress address;
  private final EventLoop loop;
  private final LongSupplier clock;
  private final ReconnectBackoff backoff; // confined to loop
  private final Bootstrap bootstrap;
  private volatile Connection up; // written under this; read lock-free (polled every round)
  private boolean everUp; // guarded by this
  private volatile boolean stopped;

  PeerLink(
      TcpTransport transport,
      RegionId local,
      RegionId peer,
      PeerAddress address,
      EventLoop loop,
      LongSupplier clock,
      ReconnectBackoff backoff,
      Bootstrap bootstrap) {
    this.transport = transport;
    this.local = local;
    this.peer = peer;
    this.address = address;
    this.loop = loop;
    this.clock = clock;
    this.backoff = backoff;
    this.bootstrap = bootstrap;
  }

  /** Returns whether the local region dials this peer (its id is the lower). */
  boolean dialler() {
    return local.value() < peer.value();
  }

  RegionId peer() {
    return peer;
  }

  PeerAddress address() {
    return address;
  }

  /** Returns the connection that is up, or null; a volatile read. */
  Connection up() {
    return up;
  }

  /** Dials now, on the link's event loop; a no-op for the accepting side. */
  void start() {
    if (dialler()) {
      execute(this::dial);
    }
  }

  /** Stops dialling; the transport closes the connections. */
  void stop() {
    stopped = true;
  }

  private void dial() {
    if (stopped) {
      return;
    }
    ChannelFuture connect =
        bootstrap.connect(InetSocketAddress.createUnresolved(address.host(), address.port()));
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            transport.connectFailed(this, f.cause());
            redial();
          }
        });
  }

  /**
   * Schedules the next dial after a failed one or a lost link, per the back-off; called on any
   * thread, a no-op for the accepting side or once stopped.
   */
  void redial() {
    if (!dialler() || stopped) {
      return;
    }
    execute(
        () -> {
          long wait = backoff.failed(clock.getAsLong());
          LOG.debug("{} dials {} at {} again in {} ms", local, peer, address, wait / 1_000_000);
          if (!stopped) {
            loop.schedule(this::dial, wait, TimeUnit.NANOSECONDS);
          }
        });
  }

  /**
   * Makes a connection the link's, once HELLO is exchanged.
   *
   * @param connection the new connection
   * @return the connection already up, which makes this one a duplicate to refuse; null if the new
   *     one is now the link's
   */
  Connection attach(Connection connection) {
    Connection existing;
    boolean reconnect;
    synchronized (this) {
      existing = up;
      if (existing != null && existing != connection) {
        return existing;
      }
      up = connection;
      reconnect = everUp;
      everUp = true;
    }
    if (dialler()) {
      execute(() -> backoff.up(clock.getAsLong()));
    }
    LOG.info(
        "{} link {} <-> {} is up over {} (peer incarnation {})",
        reconnect ? "TCP reconnect:" : "TCP",
        local,
        peer,
        connection.channel().remoteAddress(),
        Long.toHexString(connection.peerIncarnation()));
    return null;
  }

  /**
   * Takes a closed connection off the link, if it is the link's.
   *
   * @param connection the connection that closed
   * @return true if it was the link's connection (the link is now down)
   */
  boolean detach(Connection connection) {
    synchronized (this) {
      if (up != connection) {
        return false;
      }
      up = null;
    }
    int dropped = connection.discard();
    LOG.info(
        "TCP link {} <-> {} is down{}{}",
        local,
        peer,
        dropped > 0 ? ", dropping " + dropped + " queued frames" : "",
        dialler() && !stopped ? "; dialling again with back-off" : "");
    return true;
  }

  private void execute(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // the transport is closing
    }
  }

  @Override
  public String toString() {
    return "link " + local + " <-> " + peer + " (" + address + ")";
  }
}
