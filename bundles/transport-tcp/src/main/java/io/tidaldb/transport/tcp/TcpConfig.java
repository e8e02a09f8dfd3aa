package io.tidaldb.transport.tcp;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Settings of a {@link TcpTransport}: the one region it speaks for, where it listens, where its
 * peers listen, and its limits. Every refusal is an {@link InvalidArgumentException} whose argument
 * is the configuration key ({@code max.frame.bytes}, ...), so the DS component can name it.
 *
 * @param region the region this transport speaks for
 * @param listenHost the address to listen on (a host name or IP literal)
 * @param listenPort the port to listen on, 0..65535 (0: any free port, for tests)
 * @param peers every other region and the address it listens on; this transport dials those with a
 *     higher id and accepts the others
 * @param maxFrameBytes the largest frame carried, {@value #MIN_FRAME_BYTES} bytes or more
 * @param queueBytes the most bytes queued and not yet written per link, frame headers included; at
 *     least {@code maxFrameBytes} + 8 so that a largest frame fits
 * @param queueFrames the most frames queued and not yet written per link, 1 or more
 * @param backoffInitialMs the first wait before dialling again after a failure, 1 ms or more
 * @param backoffMaxMs the longest wait between two dials, at least {@code backoffInitialMs}
 * @param connectTimeoutMs how long a dial may take, 1 ms or more
 * @param helloTimeoutMs how long a new connection may take to say HELLO, 1 ms or more
 * @param idleTimeoutMs a link silent this long is closed (a PING goes out after a third of it); 0
 *     turns idle detection off
 * @param ioThreads Netty event loop threads, 1 or more
 * @param maxInboundConnections the most accepted connections open at once (links and connections
 *     still owing their HELLO); more are closed at once, counted
 * @param tls the TLS contexts ({@code tls.mode = mutual}), or null for plaintext
 */
public record TcpConfig(
    RegionId region,
    String listenHost,
    int listenPort,
    Map<RegionId, PeerAddress> peers,
    int maxFrameBytes,
    long queueBytes,
    int queueFrames,
    long backoffInitialMs,
    long backoffMaxMs,
    long connectTimeoutMs,
    long helloTimeoutMs,
    long idleTimeoutMs,
    int ioThreads,
    int maxInboundConnections,
    TlsContexts tls) {

  /** The smallest frame limit allowed: room for any control frame's body. */
  public static final int MIN_FRAME_BYTES = 64;

  /** Default largest frame: 16 MiB (as the in-process transport). */
  public static final int DEFAULT_MAX_FRAME_BYTES = 16 << 20;

  /** Default bytes per link: 64 MiB. */
  public static final long DEFAULT_QUEUE_BYTES = 64L << 20;

  /** Default frames per link: 4096. */
  public static final int DEFAULT_QUEUE_FRAMES = 4096;

  /** Default first reconnect wait. */
  public static final long DEFAULT_BACKOFF_INITIAL_MS = 50;

  /** Default longest reconnect wait. */
  public static final long DEFAULT_BACKOFF_MAX_MS = 2_000;

  /** Default dial timeout. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 1_000;

  /** Default HELLO timeout. */
  public static final long DEFAULT_HELLO_TIMEOUT_MS = 2_000;

  /** Default idle timeout. */
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 3_000;

  /** Default limit of accepted connections open at once. */
  public static final int DEFAULT_MAX_INBOUND_CONNECTIONS = 64;

  /** Validates the settings; see the record's parameters. */
  public TcpConfig {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(peers, "peers");
    if (listenHost == null || listenHost.isBlank()) {
      throw new InvalidArgumentException("listen.host", listenHost, "must not be empty");
    }
    if (listenPort < 0 || listenPort > 0xFFFF) {
      throw new InvalidArgumentException("listen.port", listenPort, "must be 0..65535");
    }
    if (peers.containsKey(region)) {
      throw new InvalidArgumentException(
          "peers", peers, "must not list this transport's own region " + region.value());
    }
    peers = Map.copyOf(peers);
    if (maxFrameBytes < MIN_FRAME_BYTES) {
      throw new InvalidArgumentException(
          "max.frame.bytes", maxFrameBytes, "must be at least " + MIN_FRAME_BYTES);
    }
    if (queueBytes < (long) maxFrameBytes + TcpFrames.HEADER_BYTES) {
      throw new InvalidArgumentException(
          "queue.bytes",
          queueBytes,
          "must be at least max.frame.bytes + "
              + TcpFrames.HEADER_BYTES
              + " ("
              + ((long) maxFrameBytes + TcpFrames.HEADER_BYTES)
              + ") so that a largest frame fits");
    }
    if (queueFrames < 1) {
      throw new InvalidArgumentException("queue.frames", queueFrames, "must be at least 1");
    }
    if (backoffInitialMs < 1) {
      throw new InvalidArgumentException(
          "connect.backoff.initial.ms", backoffInitialMs, "must be at least 1");
    }
    if (backoffMaxMs < backoffInitialMs) {
      throw new InvalidArgumentException(
          "connect.backoff.max.ms",
          backoffMaxMs,
          "must be at least connect.backoff.initial.ms (" + backoffInitialMs + ")");
    }
    if (connectTimeoutMs < 1 || connectTimeoutMs > Integer.MAX_VALUE) {
      throw new InvalidArgumentException(
          "connect.timeout.ms", connectTimeoutMs, "must be 1.." + Integer.MAX_VALUE);
    }
    if (helloTimeoutMs < 1) {
      throw new InvalidArgumentException("hello.timeout.ms", helloTimeoutMs, "must be at least 1");
    }
    if (idleTimeoutMs < 0) {
      throw new InvalidArgumentException(
          "idle.timeout.ms", idleTimeoutMs, "must be 0 (off) or more");
    }
    if (ioThreads < 1) {
      throw new InvalidArgumentException("io.threads", ioThreads, "must be at least 1");
    }
    if (maxInboundConnections < 1) {
      throw new InvalidArgumentException(
          "max.inbound.connections", maxInboundConnections, "must be at least 1");
    }
  }

  /**
   * Returns settings with the default limits and timings.
   *
   * @param region the region this transport speaks for
   * @param listenHost the address to listen on
   * @param listenPort the port to listen on (0: any free port)
   * @param peers every other region and its address
   * @return the settings
   */
  public static TcpConfig defaults(
      RegionId region, String listenHost, int listenPort, Map<RegionId, PeerAddress> peers) {
    return new TcpConfig(
        region,
        listenHost,
        listenPort,
        peers,
        DEFAULT_MAX_FRAME_BYTES,
        DEFAULT_QUEUE_BYTES,
        DEFAULT_QUEUE_FRAMES,
        DEFAULT_BACKOFF_INITIAL_MS,
        DEFAULT_BACKOFF_MAX_MS,
        DEFAULT_CONNECT_TIMEOUT_MS,
        DEFAULT_HELLO_TIMEOUT_MS,
        DEFAULT_IDLE_TIMEOUT_MS,
        1,
        DEFAULT_MAX_INBOUND_CONNECTIONS,
        null);
  }

  /**
   * Returns a copy with other frame and queue limits.
   *
   * @param frameBytes the largest frame
   * @param bytes the most bytes queued per link
   * @param frames the most frames queued per link
   * @return the new settings
   */
  public TcpConfig withLimits(int frameBytes, long bytes, int frames) {
    return new TcpConfig(
        region,
        listenHost,
        listenPort,
        peers,
        frameBytes,
        bytes,
        frames,
        backoffInitialMs,
        backoffMaxMs,
        connectTimeoutMs,
        helloTimeoutMs,
        idleTimeoutMs,
        ioThreads,
        maxInboundConnections,
        tls);
  }

  /**
   * Returns a copy with other reconnect and connection timings.
   *
   * @param initialMs the first reconnect wait
   * @param maxMs the longest reconnect wait
   * @param helloMs the HELLO timeout
   * @param idleMs the idle timeout, 0 for none
   * @return the new settings
   */
  public TcpConfig withTimings(long initialMs, long maxMs, long helloMs, long idleMs) {
    return new TcpConfig(
        region,
        listenHost,
        listenPort,
        peers,
        maxFrameBytes,
        queueBytes,
        queueFrames,
        initialMs,
        maxMs,
        connectTimeoutMs,
        helloMs,
        idleMs,
        ioThreads,
        maxInboundConnections,
        tls);
  }

  /**
   * Returns a copy with another limit of accepted connections.
   *
   * @param connections the most accepted connections open at once
   * @return the new settings
   */
  public TcpConfig withMaxInboundConnections(int connections) {
    return new TcpConfig(
        region,
        listenHost,
        listenPort,
        peers,
        maxFrameBytes,
        queueBytes,
        queueFrames,
        backoffInitialMs,
        backoffMaxMs,
        connectTimeoutMs,
        helloTimeoutMs,
        idleTimeoutMs,
        ioThreads,
        connections,
        tls);
  }

  /**
   * Returns a copy with TLS on (mutual authentication) or off.
   *
   * @param contexts the TLS contexts, or null for plaintext
   * @return the new settings
   */
  public TcpConfig withTls(TlsContexts contexts) {
    return new TcpConfig(
        region,
        listenHost,
        listenPort,
        peers,
        maxFrameBytes,
        queueBytes,
        queueFrames,
        backoffInitialMs,
        backoffMaxMs,
        connectTimeoutMs,
        helloTimeoutMs,
        idleTimeoutMs,
        ioThreads,
        maxInboundConnections,
        contexts);
  }

  /**
   * Returns whether links are TLS (mutual authentication).
   *
   * @return true for TLS, false for plaintext
   */
  public boolean tlsEnabled() {
    return tls != null;
  }

  /**
   * Returns a copy listening on another port.
   *
   * @param port the port, 0 for any free one
   * @return the new settings
   */
  public TcpConfig withListenPort(int port) {
    return new TcpConfig(
        region,
        listenHost,
        port,
        peers,
        maxFrameBytes,
        queueBytes,
        queueFrames,
        backoffInitialMs,
        backoffMaxMs,
        connectTimeoutMs,
        helloTimeoutMs,
        idleTimeoutMs,
        ioThreads,
        maxInboundConnections,
        tls);
  }

  /**
   * Parses a peer list: elements {@code id=host:port}, each element possibly holding several
   * separated by commas (a {@code .cfg} value may be a list or one comma-separated string). A host
   * that is an IPv6 literal goes in brackets: {@code 2=[::1]:7402}.
   *
   * @param elements the list
   * @return the peers by region, in id order
   * @throws InvalidArgumentException naming {@code peers} and the element refused
   */
  public static Map<RegionId, PeerAddress> parsePeers(String[] elements) {
    Map<RegionId, PeerAddress> peers =
        new TreeMap<>(java.util.Comparator.comparingInt(RegionId::value));
    if (elements == null) {
      return peers;
    }
    for (String element : elements) {
      for (String part : element.split(",", -1)) {
        String text = part.trim();
        if (text.isEmpty()) {
          continue;
        }
        int eq = text.indexOf('=');
        if (eq < 0) {
          throw new InvalidArgumentException(
              "peers", text, "each peer must be id=host:port, such as 1=10.0.0.2:7401");
        }
        RegionId id = parseRegion(text.substring(0, eq).trim(), text);
        PeerAddress address = PeerAddress.parse(text.substring(eq + 1).trim(), text);
        if (peers.put(id, address) != null) {
          throw new InvalidArgumentException(
              "peers", text, "lists region " + id.value() + " twice");
        }
      }
    }
    return peers;
  }

  private static RegionId parseRegion(String text, String element) {
    int id;
    try {
      id = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new InvalidArgumentException(
          "peers", element, "the region id '" + text + "' is not a whole number 0..65535");
    }
    if (id < 0 || id > RegionId.MAX_VALUE) {
      throw new InvalidArgumentException(
          "peers", element, "the region id " + id + " is not 0..65535");
    }
    return RegionId.of(id);
  }

  /**
   * Where a peer listens.
   *
   * @param host a host name or IP literal (IPv6 without brackets)
   * @param port 1..65535
   */
  public record PeerAddress(String host, int port) {
    /** Validates the address. */
    public PeerAddress {
      if (host == null || host.isBlank()) {
        throw new InvalidArgumentException("peers", host, "a peer's host must not be empty");
      }
      if (port < 1 || port > 0xFFFF) {
        throw new InvalidArgumentException("peers", port, "a peer's port must be 1..65535");
      }
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @param text the address
     * @param element the whole list element, for messages
     * @return the address
     * @throws InvalidArgumentException naming {@code peers} and the element
     */
    static PeerAddress parse(String text, String element) {
      int colon = text.lastIndexOf(':');
      if (colon <= 0 || colon == text.length() - 1) {
        throw new InvalidArgumentException(
            "peers", element, "the address '" + text + "' must be host:port");
      }
      String host = text.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int port;
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new InvalidArgumentException(
            "peers", element, "the port of '" + text + "' is not a whole number 1..65535");
      }
      if (port < 1 || port > 0xFFFF || host.isBlank()) {
        throw new InvalidArgumentException(
            "peers", element, "the address '" + text + "' must be host:port with port 1..65535");
      }
      return new PeerAddress(host, port);
    }

    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }
}
