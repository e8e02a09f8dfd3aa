package io.tidaldb.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three regions as three processes of one distribution home ({@code conf/tcp-region-<n>}, mutual
 * TLS 1.3 with the stores of {@code bin/make-certs}), each with free loopback ports (TCP transport
 * and HTTP) written into the home's copies of the configuration and its own data directory and
 * bundle cache. Shared by {@code ThreeProcessIT} and {@code ThreeProcessBench}.
 */
final class TcpRegions implements AutoCloseable {
  static final int REGIONS = 3;

  private static final Pattern SHARD = Pattern.compile("\\{\"shard\":(\\d+)");

  private final Path home;
  private final int[] httpPorts;
  private final RunningNode[] nodes = new RunningNode[REGIONS];
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /**
   * Each shard's leader (-1 where none is known), epoch and applied position, as one region's
   * {@code /v1/status} reports them.
   */
  record Status(int[] leader, long[] epoch, long[] applied) {}

  private TcpRegions(Path home, int[] httpPorts) {
    this.home = home;
    this.httpPorts = httpPorts;
  }

  /**
   * Copies the packaged distribution into {@code dir}, makes its certificates and gives each region
   * free TCP and HTTP ports.
   *
   * @param dist the packaged folder, {@code target/tidaldb-VERSION}
   * @param dir an empty scratch directory
   * @return the regions, none started
   */
  static TcpRegions prepare(Path dist, Path dir) throws IOException, InterruptedException {
    TcpRegions regions = withFreePorts(dist, dir);
    Path out = dir.resolve("make-certs.out");
    Process certs =
        new ProcessBuilder(regions.home.resolve("bin/make-certs").toString(), "certs")
            .directory(regions.home.toFile())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    certs.getOutputStream().close();
    if (!certs.waitFor(RunningNode.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        || certs.exitValue() != 0) {
      throw new IllegalStateException("make-certs failed:\n" + read(out));
    }
    return regions;
  }

  /**
   * Copies the packaged distribution into {@code dir} and gives each region free TCP and HTTP ports
   * in the copy's {@code conf/tcp-region-<n>}; makes no certificates.
   *
   * @param dist the packaged folder, {@code target/tidaldb-VERSION}
   * @param dir a scratch directory
   * @return the regions, none started
   */
  static TcpRegions withFreePorts(Path dist, Path dir) throws IOException {
    if (!Files.isDirectory(dist)) {
      throw new IllegalArgumentException("no distribution at " + dist + " (run mvn package)");
    }
    Path home = RunningNode.copyDistribution(dist, dir);
    int[] ports = freePorts(2 * REGIONS);
    int[] httpPorts = new int[REGIONS];
    for (int n = 0; n < REGIONS; n++) {
      Path cfg = home.resolve("conf/tcp-region-" + n + "/io.tidaldb.transport.tcp.cfg");
      String text = read(cfg);
      for (int p = 0; p < REGIONS; p++) {
        text =
            text.replace("\"740" + p + "\"", "\"" + ports[p] + "\"")
                .replace("127.0.0.1:740" + p, "127.0.0.1:" + ports[p]);
      }
      require(text, "listen.port = \"" + ports[n] + "\"", cfg);
      Files.writeString(cfg, text, StandardCharsets.UTF_8);
      httpPorts[n] = ports[REGIONS + n];
      Path http = home.resolve("conf/tcp-region-" + n + "/org.apache.felix.http.cfg");
      String port = "org.osgi.service.http.port = \"" + httpPorts[n] + "\"";
      text = read(http).replace("org.osgi.service.http.port = \"707" + n + "\"", port);
      require(text, port, http);
      Files.writeString(http, text, StandardCharsets.UTF_8);
    }
    return new TcpRegions(home, httpPorts);
  }

  /** The distribution home the three processes share. */
  Path home() {
    return home;
  }

  /** The region's HTTP port on 127.0.0.1. */
  int httpPort(int region) {
    return httpPorts[region];
  }

  /** The region's running process (null before its start). */
  RunningNode node(int region) {
    return nodes[region];
  }

  /**
   * Starts the region's process with a console on a pipe; see {@link #awaitUp}. The system property
   * {@code tidaldb.node.opts}, when set, replaces the nodes' JVM options ({@code TIDALDB_OPTS},
   * otherwise {@code -Xmx256m}); {@code {region}} in it is replaced by the region's number, e.g.
   * {@code -Xmx1g -XX:StartFlightRecording=filename=/tmp/region-{region}.jfr}.
   */
  RunningNode start(int region) throws IOException {
    Map<String, String> environment = new java.util.HashMap<>();
    environment.put("TIDALDB_CACHE", "run/region-" + region + "/felix-cache");
    String options = System.getProperty("tidaldb.node.opts");
    if (options != null) {
      environment.put("TIDALDB_OPTS", options.replace("{region}", Integer.toString(region)));
    }
    nodes[region] =
        RunningNode.start(home, environment, "--console", "--conf", "conf/tcp-region-" + region);
    return nodes[region];
  }

  /** Waits until the region's store is open, its commands answer and both its TLS links are up. */
  void awaitUp(int region) throws IOException {
    RunningNode node = nodes[region];
    node.awaitCommands();
    for (int peer = 0; peer < REGIONS; peer++) {
      if (peer != region) {
        node.awaitOutput("link region-" + region + " <-> region-" + peer + " is up");
      }
    }
    if (!node.output().contains("TLS 1.3 mutual")) {
      throw new AssertionError("the transport does not run TLS:\n" + node.output());
    }
  }

  /** Sends SIGKILL to the region's JVM and waits for it to exit. */
  void kill(int region) throws InterruptedException {
    nodes[region].kill();
  }

  /**
   * The region's {@code GET /v1/status}, or null when it does not answer 200 within 5 s (the
   * process is down or still starting).
   *
   * @param region the region
   * @param shards the cluster's shard count
   * @return what it reports
   */
  Status status(int region, int shards) {
    HttpResponse<String> r;
    try {
      r =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + httpPorts[region] + "/v1/status"))
                  .timeout(Duration.ofSeconds(5))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    return r.statusCode() == 200 ? parseStatus(r.body(), shards) : null;
  }

  /** Parses a {@code /v1/status} answer (see {@link #status}). */
  static Status parseStatus(String body, int shards) {
    int[] leader = new int[shards];
    long[] epoch = new long[shards];
    long[] applied = new long[shards];
    Arrays.fill(leader, -1);
    Matcher m = SHARD.matcher(body);
    List<int[]> starts = new ArrayList<>();
    while (m.find()) {
      starts.add(new int[] {Integer.parseInt(m.group(1)), m.start()});
    }
    for (int i = 0; i < starts.size(); i++) {
      int shard = starts.get(i)[0];
      if (shard >= shards) {
        continue;
      }
      String part =
          body.substring(
              starts.get(i)[1], i + 1 < starts.size() ? starts.get(i + 1)[1] : body.length());
      leader[shard] = (int) field(part, "leader", -1);
      epoch[shard] = field(part, "epoch", -1);
      applied[shard] = field(part, "appliedPosition", -1);
    }
    return new Status(leader, epoch, applied);
  }

  /** The first whole-number field {@code name} of a JSON text, or {@code absent}. */
  static long field(String json, String name, long absent) {
    Matcher m = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
    return m.find() ? Long.parseLong(m.group(1)) : absent;
  }

  /** Kills every process still running. */
  @Override
  public void close() {
    for (RunningNode node : nodes) {
      if (node != null) {
        node.close();
      }
    }
  }

  private static void require(String text, String part, Path file) {
    if (!text.contains(part)) {
      throw new IllegalStateException(file + " does not contain " + part + ":\n" + text);
    }
  }

  private static int[] freePorts(int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    int[] ports = new int[count];
    try {
      for (int i = 0; i < count; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }

  static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
