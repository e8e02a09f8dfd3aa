package io.tidaldb.bench;

import io.tidaldb.api.RegionId;
import io.tidaldb.testkit.TransportFactory;
import io.tidaldb.transport.tcp.TcpConfig;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import io.tidaldb.transport.tcp.TcpTransport;
import io.tidaldb.transport.tcp.TlsContexts;
import io.tidaldb.transport.tcp.TlsSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The transport a replication benchmark's three regions talk over: {@code inprocess} (the default,
 * the figures recorded before issue 14), {@code tcp} (one plaintext {@link TcpTransport} per region
 * on 127.0.0.1) or {@code tls} (the same with mutual TLS 1.3). TCP transports use {@link
 * TcpConfig#defaults} (one I/O thread each, epoll where available); only the ports are chosen here,
 * up front, as the test kit's {@code TcpClusterTest} does.
 *
 * <p>TLS uses the transport module's test stores (password {@value #PASSWORD}), copied into the
 * bench jar under {@code /tls/} and extracted into a directory of the run (the caller's data
 * directory, deleted with it), so the jar runs anywhere without the source tree.
 */
enum BenchTransport {
  /** The in-process transport, shared by the three regions. */
  INPROCESS,
  /** One plaintext TCP transport per region on loopback. */
  TCP,
  /** One mutual-TLS 1.3 TCP transport per region on loopback. */
  TLS;

  /** The password of the test stores. */
  static final String PASSWORD = "changeit";

  private static final int REGIONS = 3;

  /**
   * Parses a transport name, case-insensitively.
   *
   * @param name {@code inprocess}, {@code tcp} or {@code tls}
   * @return the transport
   * @throws IllegalArgumentException naming the value if it is none of those
   */
  static BenchTransport parse(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "transport '" + name + "' is not one of inprocess, tcp, tls", e);
    }
  }

  /** Returns the name as given on the command line. */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the factory of the cluster's transport.
   *
   * @param dir a directory of the run, where TLS stores are extracted
   * @return the factory
   */
  TransportFactory factory(Path dir) {
    if (this == INPROCESS) {
      return TransportFactory.inProcess();
    }
    Path stores = this == TLS ? extractStores(dir.resolve("tls")) : null;
    return TransportFactory.perRegion(() -> start(stores));
  }

  private static Map<RegionId, TcpTransport> start(Path stores) {
    int[] ports = freePorts(REGIONS);
    Map<RegionId, TcpTransport> started = new TreeMap<>((a, b) -> a.value() - b.value());
    for (int id = 0; id < REGIONS; id++) {
      Map<RegionId, PeerAddress> peers = new HashMap<>();
      for (int peer = 0; peer < REGIONS; peer++) {
        if (peer != id) {
          peers.put(RegionId.of(peer), new PeerAddress("127.0.0.1", ports[peer]));
        }
      }
      RegionId region = RegionId.of(id);
      TcpConfig config = TcpConfig.defaults(region, "127.0.0.1", ports[id], peers);
      if (stores != null) {
        config =
            config.withTls(
                TlsContexts.load(
                    new TlsSettings(
                        stores.resolve("region-" + id + ".p12"),
                        PASSWORD,
                        stores.resolve("truststore.p12"),
                        PASSWORD,
                        TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT_MS),
                    region));
      }
      started.put(region, new TcpTransport(config));
    }
    return started;
  }

  /**
   * Copies the test stores out of the jar.
   *
   * @param dir the directory to create and write them to
   * @return the directory
   */
  static Path extractStores(Path dir) {
    try {
      Files.createDirectories(dir);
      for (String name : new String[] {"truststore", "region-0", "region-1", "region-2"}) {
        String resource = "/tls/" + name + ".p12";
        try (InputStream in = BenchTransport.class.getResourceAsStream(resource)) {
          if (in == null) {
            throw new IllegalStateException("resource " + resource + " missing from the jar");
          }
          Files.copy(in, dir.resolve(name + ".p12"), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the TLS stores to " + dir, e);
    }
  }

  private static int[] freePorts(int n) {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
      for (ServerSocket s : sockets) {
        s.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free loopback ports", e);
    }
    return ports;
  }
}
