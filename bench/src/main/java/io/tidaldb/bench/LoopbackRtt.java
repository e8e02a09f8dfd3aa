package io.tidaldb.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.HdrHistogram.Histogram;

/**
 * The loopback round trip, the floor under replication over TCP: a ping-pong of 64-byte messages
 * between two blocking sockets on 127.0.0.1 ({@code TCP_NODELAY} on both ends), one message in
 * flight, timed per round trip into an HdrHistogram. First over plain TCP, then over mutual TLS 1.3
 * with the bench's test stores (region 0 serves, region 1 dials; see {@link BenchTransport}), each
 * on a fresh connection whose handshake is not timed. JMH-free, like {@link ReplicationLatency},
 * whose samples it is meant to sit beside.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.tidaldb.bench.LoopbackRtt [samples [warmup]]},
 * defaults 100000 and 20000 per mode.
 */
public final class LoopbackRtt {
  private static final int MESSAGE = 64;
  private static final long MAX_NANOS = 10_000_000_000L;

  private LoopbackRtt() {}

  /**
   * Runs both modes and prints the percentiles.
   *
   * @param args samples per mode, warm-up round trips per mode
   * @throws Exception if a socket fails
   */
  public static void main(String[] args) throws Exception {
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Path dir = BenchFiles.createTempDir("tidal-rtt-");
    try {
      Path stores = BenchTransport.extractStores(dir.resolve("tls"));
      System.out.printf(
          "loopback ping-pong of %d-byte messages, JDK %s, %d samples per mode after %d warm-up%n",
          MESSAGE, System.getProperty("java.version"), samples, warmup);
      System.out.println("| mode | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |");
      print("plain TCP", measure(null, samples, warmup));
      print("mutual TLS 1.3", measure(stores, samples, warmup));
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
  }

  private static Histogram measure(Path stores, int samples, int warmup) throws Exception {
    try (ServerSocket server = serverSocket(stores)) {
      Thread echo = new Thread(() -> echo(server), "rtt-echo");
      echo.setDaemon(true);
      echo.start();
      try (Socket client = clientSocket(stores, server.getLocalPort())) {
        client.setTcpNoDelay(true);
        if (client instanceof SSLSocket s) {
          s.startHandshake();
          if (!"TLSv1.3".equals(s.getSession().getProtocol())) {
            throw new IllegalStateException("negotiated " + s.getSession().getProtocol());
          }
        }
        OutputStream out = client.getOutputStream();
        DataInputStream in = new DataInputStream(client.getInputStream());
        byte[] message = new byte[MESSAGE];
        byte[] reply = new byte[MESSAGE];
        Histogram h = new Histogram(MAX_NANOS, 3);
        for (int n = 0; n < warmup + samples; n++) {
          message[0] = (byte) n;
          long t0 = System.nanoTime();
          out.write(message);
          out.flush();
          in.readFully(reply);
          long t1 = System.nanoTime();
          if (reply[0] != message[0]) {
            throw new IllegalStateException("reply " + reply[0] + " to message " + message[0]);
          }
          if (n >= warmup) {
            h.recordValue(t1 - t0);
          }
        }
        return h;
      }
    }
  }

  private static void echo(ServerSocket server) {
    try (Socket s = server.accept()) {
      s.setTcpNoDelay(true);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[MESSAGE];
      DataInputStream data = new DataInputStream(in);
      while (true) {
        data.readFully(buf);
        out.write(buf);
        out.flush();
      }
    } catch (IOException e) {
      // the client closed the connection: the measurement is over
    }
  }

  private static ServerSocket serverSocket(Path stores) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    if (stores == null) {
      return new ServerSocket(0, 1, loopback);
    }
    SSLServerSocket s =
        (SSLServerSocket)
            context(stores, "region-0").getServerSocketFactory().createServerSocket(0, 1, loopback);
    s.setNeedClientAuth(true);
    s.setEnabledProtocols(new String[] {"TLSv1.3"});
    return s;
  }

  private static Socket clientSocket(Path stores, int port) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    if (stores == null) {
      return new Socket(loopback, port);
    }
    SSLSocket s =
        (SSLSocket) context(stores, "region-1").getSocketFactory().createSocket(loopback, port);
    s.setEnabledProtocols(new String[] {"TLSv1.3"});
    return s;
  }

  private static SSLContext context(Path stores, String keys) {
    try {
      char[] password = BenchTransport.PASSWORD.toCharArray();
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(load(stores.resolve(keys + ".p12"), password), password);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(load(stores.resolve("truststore.p12"), password));
      SSLContext c = SSLContext.getInstance("TLSv1.3");
      c.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the TLS context of " + keys, e);
    }
  }

  private static KeyStore load(Path file, char[] password) throws GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password);
      return ks;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static void print(String mode, Histogram h) {
    System.out.printf(
        "| %s | %.4f | %.4f | %.4f | %.4f | %.3f | %.4f |%n",
        mode,
        h.getValueAtPercentile(50) / 1e6,
        h.getValueAtPercentile(90) / 1e6,
        h.getValueAtPercentile(99) / 1e6,
        h.getValueAtPercentile(99.9) / 1e6,
        h.getMaxValue() / 1e6,
        h.getMean() / 1e6);
  }
}
