package io.tidaldb.transport.tcp;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.metrics.RecordCounters;
import io.tidaldb.transport.tcp.TcpFrames.Hello;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A {@link Transport} over TCP with Netty, for one region per process: it listens on {@link
 * TcpConfig#listenHost()}:{@link TcpConfig#listenPort()} and keeps one link to every configured
 * peer, dialled by the region with the lower id (see {@link PeerLink}). Links are TLS 1.3 with
 * mutual authentication when {@link TcpConfig#tls()} is set (see {@link TlsContexts}), plaintext
 * otherwise.
 *
 * <p>With TLS, a peer's region is the one its certificate names ({@link RegionIdentity}): the
 * dialler checks that it is the region it dialled, the acceptor that it is a configured region
 * allowed to dial it and that the HELLO says the same. A refused certificate (expired, missing or
 * untrusted, wrong region), plaintext on a TLS link and TLS on a plaintext port are each counted
 * ({@link TcpMetrics}) and logged once per cause, naming the peer's address; the other links are
 * not affected. A link is up only when the peer's HELLO has arrived, which in TLS 1.3 is the
 * dialler's only proof that the acceptor accepted its certificate.
 *
 * <p>Each link carries every channel; a frame on the wire is {@link TcpFrames}' 8-byte header and
 * the frame. A new connection exchanges HELLOs (region, target, protocol version, incarnation,
 * frame limit, open channels) before any frame: an unknown or wrong region, a region that should
 * have been dialled the other way, a duplicate of a link that is up, a wrong target, version or
 * frame limit is refused with one log line naming both ids and a counter. An oversized or malformed
 * frame closes its connection only, logged and counted; the transport keeps serving its other
 * links.
 *
 * <p>Sending ({@link TransportEndpoint#send}) never blocks: {@code UNREACHABLE} while the link is
 * down or the peer has no endpoint on the channel, {@code BACK_PRESSURED} when the link's bounded
 * outbound buffer is full (see {@link Connection}), else the frame is copied and {@code SENT}.
 * Frames are delivered on the connection's event loop, in order per sending region and channel.
 * Frames queued when a link goes down are dropped (the replication protocol resends); a link that
 * comes up again starts empty.
 *
 * <p>IO: Netty's epoll transport when {@code Epoll.isAvailable()}, NIO otherwise (logged once).
 * Thread-safe.
 */
public final class TcpTransport implements Transport, AutoCloseable {
  /** The transport's name, the value of its {@code transport.name} service property. */
  public static final String NAME = "tcp";

  /** How long a link must stay up before its reconnect back-off starts over. */
  static final long STABLE_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Frames written back to back before a flush is forced (FlushConsolidationHandler). */
  static final int FLUSH_CONSOLIDATION = 256;

  private static final Logger LOG = LoggerFactory.getLogger(TcpTransport.class);

  private final TcpConfig config;
  private final LongSupplier clock;
  private final long incarnation;
  private final TcpCounters counters = new TcpCounters();
  private final ErrorCounters errors;
  private final EventLoopGroup group;
  private final IoMode ioMode;
  private final Channel server;
  private final Map<RegionId, PeerLink> links;
  private final AtomicReferenceArray<TcpEndpoint> endpoints =
      new AtomicReferenceArray<>(MAX_CHANNEL + 1);
  private final Object structure = new Object();
  private final AtomicInteger inbound = new AtomicInteger();
  private volatile int channelMask; // written under structure
  private volatile boolean closed;

  /**
   * Starts a transport: binds its listen address and starts dialling its peers.
   *
   * @param config its settings
   * @throws UnavailableException if the listen address cannot be bound (named in the message)
   */
  public TcpTransport(TcpConfig config) {
    this(config, System::nanoTime, new SplittableRandom().nextLong(), true);
  }

  /**
   * Starts a transport with a given clock and seed, for tests.
   *
   * @param config its settings
   * @param clock the monotonic clock of the reconnect back-off
   * @param seed the incarnation and the seed of the back-off's jitter
   * @param allowEpoll false to use NIO even where epoll is available
   * @throws UnavailableException if the listen address cannot be bound (named in the message)
   */
  TcpTransport(TcpConfig config, LongSupplier clock, long seed, boolean allowEpoll) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.incarnation = seed;
    this.errors =
        new ErrorCounters(
            LOG, "TCP transport of " + config.region(), Level.WARN, TimeUnit.MINUTES.toNanos(1));
    this.ioMode = IoMode.choose(allowEpoll);
    this.group =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(),
            new DefaultThreadFactory("tidal-tcp-" + config.region().value(), true),
            ioMode.factory());
    Channel bound = null;
    try {
      bound = bind();
      this.links = newLinks(seed);
    } catch (RuntimeException e) {
      if (bound != null) {
        bound.close().awaitUninterruptibly();
      }
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
      throw e;
    }
    this.server = bound;
    LOG.info(
        "TCP transport of {} listening on {} ({}, {}), peers {}",
        config.region(),
        server.localAddress(),
        ioMode.label(),
        config.tls() == null ? "plaintext" : config.tls(),
        config.peers());
    for (PeerLink link : links.values()) {
      link.start();
    }
  }

  private Channel bind() {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(ioMode.serverChannel())
            .option(ChannelOption.SO_REUSEADDR, true)
            .childHandler(new LinkInitializer(this, null));
    LinkInitializer.configure(bootstrap, config);
    ChannelFuture bind =
        bootstrap.bind(config.listenHost(), config.listenPort()).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      throw new UnavailableException(
          "TCP transport of "
              + config.region()
              + " cannot listen on "
              + config.listenHost()
              + ":"
              + config.listenPort()
              + ": "
              + bind.cause(),
          bind.cause());
    }
    return bind.channel();
  }

  private Map<RegionId, PeerLink> newLinks(long seed) {
    Map<RegionId, PeerLink> map = new LinkedHashMap<>();
    for (Map.Entry<RegionId, TcpConfig.PeerAddress> peer : config.peers().entrySet()) {
      var loop = group.next();
      PeerLink[] self = new PeerLink[1];
      Bootstrap bootstrap = new Bootstrap().group(loop).channel(ioMode.channel());
      LinkInitializer.configure(bootstrap, config);
      ReconnectBackoff backoff =
          new ReconnectBackoff(
              TimeUnit.MILLISECONDS.toNanos(config.backoffInitialMs()),
              TimeUnit.MILLISECONDS.toNanos(config.backoffMaxMs()),
              STABLE_NANOS,
              seed ^ peer.getKey().value());
      self[0] =
          new PeerLink(
              this,
              config.region(),
              peer.getKey(),
              peer.getValue(),
              loop,
              clock,
              backoff,
              bootstrap);
      bootstrap.handler(new LinkInitializer(this, self[0]));
      map.put(peer.getKey(), self[0]);
    }
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int maxFrameBytes() {
    return config.maxFrameBytes();
  }

  /**
   * Returns the transport's settings.
   *
   * @return the configuration it was started with
   */
  public TcpConfig config() {
    return config;
  }

  /**
   * Returns the address the transport listens on (with the port bound, if it was 0).
   *
   * @return the local address
   */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  /**
   * Returns whether the epoll transport is in use (else NIO).
   *
   * @return true for epoll
   */
  public boolean epoll() {
    return ioMode == IoMode.EPOLL;
  }

  /**
   * Returns whether the link to a peer is up (HELLO exchanged both ways).
   *
   * @param peer the peer region
   * @return true if up; false if down, or not a configured peer
   */
  public boolean linkUp(RegionId peer) {
    PeerLink link = links.get(peer);
    return link != null && link.up() != null;
  }

  /**
   * Returns the bytes queued on the link to a peer and not yet written to its socket.
   *
   * @param peer the peer region
   * @return bytes, 0 if the link is down
   */
  public long queuedBytes(RegionId peer) {
    PeerLink link = links.get(peer);
    Connection up = link == null ? null : link.up();
    return up == null ? 0 : up.queuedBytes();
  }

  /**
   * Returns the transport's counters.
   *
   * @return a snapshot of the totals since start
   */
  public TcpMetrics metrics() {
    return counters.snapshot();
  }

  /**
   * Reports the transport's metrics: every counter of {@link #metrics()} as {@code
   * tidaldb_transport_<counter>_total}, and per peer whether its link is up and the bytes queued
   * for it (labels {@code transport=tcp}, {@code region}, {@code peer}).
   *
   * @param sink where to report them
   */
  public void collectMetrics(MetricsSink sink) {
    String region = Integer.toString(config.region().value());
    RecordCounters.collect(
        sink, "tidaldb_transport_", "Transport", metrics(), "transport", "tcp", "region", region);
    for (RegionId peer : config.peers().keySet()) {
      String p = Integer.toString(peer.value());
      sink.gauge(
          "tidaldb_transport_link_up",
          "1 while the link to the peer is up.",
          linkUp(peer) ? 1 : 0,
          "transport",
          "tcp",
          "region",
          region,
          "peer",
          p);
      sink.gauge(
          "tidaldb_transport_queued_bytes",
          "Bytes queued for the peer, not yet written to its socket.",
          queuedBytes(peer),
          "transport",
          "tcp",
          "region",
          region,
          "peer",
          p);
    }
  }

  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    return open(local, REPLICATION_CHANNEL, handler);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Only the configured region can open endpoints. Peers learn of the new channel with a
   * CHANNELS frame; until it arrives their sends on it answer {@code UNREACHABLE}.
   *
   * @throws InvalidArgumentException also if {@code local} is not this transport's region
   * @throws UnavailableException if the transport is closed
   */
  @Override
  public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(handler, "handler");
    if (channel < 0 || channel > MAX_CHANNEL) {
      throw new InvalidArgumentException("channel", channel, "must be 0.." + MAX_CHANNEL);
    }
    if (!local.equals(config.region())) {
      throw new InvalidArgumentException(
          "region", local, "this TCP transport speaks for " + config.region() + " only");
    }
    TcpEndpoint endpoint = new TcpEndpoint(this, local, channel, handler);
    synchronized (structure) {
      if (closed) {
        throw new UnavailableException(
            "TCP transport is closed: cannot open " + local + " on channel " + channel);
      }
      if (endpoints.get(channel) != null) {
        throw new InvalidArgumentException(
            "region", local, "already has an open endpoint on channel " + channel);
      }
      endpoints.set(channel, endpoint);
      channelMask |= 1 << channel;
      announceChannels();
    }
    LOG.debug("opened the TCP endpoint of {} on channel {}", local, channel);
    return endpoint;
  }

  /** Closes an endpoint: the work of {@link TransportEndpoint#close}. Idempotent. */
  void leave(TcpEndpoint endpoint) {
    synchronized (structure) {
      if (endpoint.isClosed()) {
        return;
      }
      endpoint.markClosed();
      endpoints.compareAndSet(endpoint.channel(), endpoint, null);
      channelMask &= ~(1 << endpoint.channel());
      if (!closed) {
        announceChannels();
      }
    }
    LOG.debug("closed {}", endpoint);
  }

  /**
   * Queues the current channel mask for a connection that just came up. Under the lock that orders
   * every change of the mask and its announcement: CHANNELS frames are queued in the order of the
   * masks they carry, so an endpoint opened (or closed) while the link came up is never undone at
   * the peer by an older mask queued after it.
   */
  void announceChannels(Connection connection) {
    synchronized (structure) {
      connection.sendChannels(channelMask);
    }
  }

  private void announceChannels() {
    int mask = channelMask;
    for (PeerLink link : links.values()) {
      Connection up = link.up();
      if (up != null) {
        up.sendChannels(mask);
      }
    }
  }

  /**
   * Tells whether an endpoint's link to a region is up: the work of {@link
   * TransportEndpoint#connected}. Volatile reads only: the link's connection (attached once both
   * HELLOs are exchanged, after the TLS handshake), its channel's state and the peer's announced
   * channels.
   */
  boolean linkUp(TcpEndpoint sender, RegionId to) {
    if (closed || sender.isClosed()) {
      return false;
    }
    PeerLink link = links.get(to);
    Connection up = link == null ? null : link.up();
    return up != null
        && up.channel().isActive()
        && (up.peerChannels() & (1 << sender.channel())) != 0;
  }

  /** Sends a frame from an endpoint: the work of {@link TransportEndpoint#send}. */
  SendStatus route(TcpEndpoint sender, RegionId to, ByteBuffer frame) {
    int length = frame.remaining();
    if (length < 1 || length > config.maxFrameBytes()) {
      throw new InvalidArgumentException(
          "frame length", length, "must be 1.." + config.maxFrameBytes() + " bytes");
    }
    if (closed || sender.isClosed()) {
      return counters.count(SendStatus.CLOSED);
    }
    PeerLink link = links.get(to);
    Connection up = link == null ? null : link.up();
    if (up == null) {
      return counters.count(SendStatus.UNREACHABLE);
    }
    return counters.count(up.send(sender.channel(), frame));
  }

  /** Hands a received DATA frame to the endpoint of its channel; on the event loop. */
  void deliver(RegionId from, int channel, ByteBuf body) {
    TcpEndpoint endpoint = endpoints.get(channel);
    if (endpoint == null || endpoint.isClosed()) {
      counters.droppedNoEndpoint.increment();
      return;
    }
    ByteBuffer view = body.nioBuffer().asReadOnlyBuffer();
    try {
      endpoint.handler().onFrame(from, view);
      counters.delivered.increment();
    } catch (RuntimeException e) {
      counters.handlerFailures.increment();
      errors.record(
          e,
          clock.getAsLong(),
          "frame handler of "
              + config.region()
              + " on channel "
              + channel
              + " failed on a frame from "
              + from
              + "; delivery goes on");
    }
  }

  Connection newConnection(Channel channel, RegionId peer, Hello hello) {
    return new Connection(this, channel, peer, hello.incarnation(), hello.channels());
  }

  long highWaterMark() {
    return Math.min(Integer.MAX_VALUE, config.queueBytes());
  }

  ByteBuf hello(ByteBufAllocator alloc, RegionId target) {
    ByteBuf buf = alloc.directBuffer(TcpFrames.HEADER_BYTES + TcpFrames.HELLO_BODY_BYTES);
    TcpFrames.writeHello(
        buf,
        new Hello(
            TcpFrames.VERSION,
            config.region().value(),
            target.value(),
            incarnation,
            config.maxFrameBytes(),
            channelMask));
    return buf;
  }

  ByteBuf ping(ByteBufAllocator alloc) {
    ByteBuf buf = alloc.directBuffer(TcpFrames.HEADER_BYTES);
    TcpFrames.writeEmpty(buf, TcpFrames.PING);
    return buf;
  }

  /**
   * Admits an accepted connection if fewer than {@code max.inbound.connections} are open; it is
   * released when it closes. A refused one is counted and logged (once per minute).
   *
   * @param channel the accepted connection
   * @return false if it must be closed
   */
  boolean admit(Channel channel) {
    int open = inbound.incrementAndGet();
    if (open > config.maxInboundConnections()) {
      inbound.decrementAndGet();
      counters.connectionsRefused.increment();
      linkError(
          "connection limit",
          "refusing the connection from "
              + channel.remoteAddress()
              + ": "
              + config.maxInboundConnections()
              + " accepted connections are open (max.inbound.connections)");
      return false;
    }
    channel.closeFuture().addListener(f -> inbound.decrementAndGet());
    return true;
  }

  /** Returns the transport's monotonic time, the clock it was given. */
  long nanoTime() {
    return clock.getAsLong();
  }

  PeerLink link(RegionId peer) {
    return links.get(peer);
  }

  int channelMask() {
    return channelMask;
  }

  TcpCounters counters() {
    return counters;
  }

  void connectFailed(PeerLink link, Throwable cause) {
    counters.connectFailures.increment();
    errors.record(
        "connect to " + link.peer(),
        null,
        clock.getAsLong(),
        config.region()
            + " cannot connect to "
            + link.peer()
            + " at "
            + link.address()
            + ": "
            + cause
            + "; dialling again with back-off");
  }

  /**
   * Returns how many link failures were counted under a cause ({@code malformed frame}, {@code
   * refused hello}, {@code hello timeout}, {@code idle}, {@code io error}, or a {@link
   * TlsRefusal#label()}), for tests.
   */
  long linkErrors(String cause) {
    return errors.count(cause);
  }

  /**
   * Counts a refused TLS connection under its cause and logs it (once per cause, then summaries).
   */
  void tlsRefused(TlsRefusal refusal, String detail) {
    counters.count(refusal);
    linkError(refusal.label(), detail);
  }

  void linkError(String cause, String detail) {
    errors.record(cause, null, clock.getAsLong(), detail);
  }

  /**
   * Closes every endpoint and connection and stops the event loops; later sends return {@link
   * SendStatus#CLOSED} and {@link #open} throws. Idempotent.
   */
  @Override
  public void close() {
    List<TcpEndpoint> open = new ArrayList<>();
    synchronized (structure) {
      if (closed) {
        return;
      }
      closed = true;
      for (int c = 0; c <= MAX_CHANNEL; c++) {
        TcpEndpoint endpoint = endpoints.get(c);
        if (endpoint != null) {
          open.add(endpoint);
        }
      }
    }
    for (TcpEndpoint endpoint : open) {
      leave(endpoint);
    }
    for (PeerLink link : links.values()) {
      link.stop();
    }
    server.close().awaitUninterruptibly();
    for (PeerLink link : links.values()) {
      Connection up = link.up();
      if (up != null) {
        ByteBuf goodbye = up.channel().alloc().directBuffer(TcpFrames.HEADER_BYTES);
        TcpFrames.writeEmpty(goodbye, TcpFrames.GOODBYE);
        up.channel().writeAndFlush(goodbye);
        up.channel().close().awaitUninterruptibly();
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    LOG.info("closed the TCP transport of {}: {}", config.region(), metrics());
  }

  @Override
  public String toString() {
    return "TCP transport of "
        + config.region()
        + " on "
        + config.listenHost()
        + ":"
        + config.listenPort()
        + (closed ? " (closed)" : "");
  }
}
