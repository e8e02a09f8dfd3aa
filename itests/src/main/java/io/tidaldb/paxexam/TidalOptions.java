package io.tidaldb.paxexam;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.factoryConfiguration;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.ops4j.pax.exam.Constants;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.cm.ConfigurationOption;

/**
 * Pax Exam options that provision a single-region TidalDB node: every bundle of the node feature
 * with its start level, and the configuration of the WAL ({@code io.tidaldb.wal}), store ({@code
 * io.tidaldb.store}) and router ({@code io.tidaldb.router}) under one data directory.
 *
 * <pre>{@code
 * @Configuration
 * public Option[] config() {
 *   return options(junitBundles(), TidalOptions.node(Path.of("target/node-data")));
 * }
 * }</pre>
 *
 * <p>Bundles come from {@code mvn:} URLs at the versions the feature names, unless one of two
 * system properties says otherwise: {@value #REPOSITORY_PROPERTY} names a directory in Maven layout
 * (such as the one the slingfeature plugin's {@code repository} goal writes) from which every
 * bundle it holds is installed as a {@code file:} URL — TidalDB's own itests use it for the jars a
 * reactor build has just packaged, since {@code mvn:} URLs only find what was installed — and
 * {@value #BUNDLE_OVERRIDE_PREFIX}{@code <artifactId>} replaces one bundle's URL with a URL ({@code
 * file:}, {@code mvn:}, {@code reference:file:}) or a file path. The per-bundle property wins over
 * the repository.
 *
 * <p>The options also raise the framework start level to the feature's highest start order. SCR
 * activates the components asynchronously: inject or track services with a timeout.
 */
public final class TidalOptions {
  /** Classpath resource of the node feature in this jar. */
  public static final String FEATURE_RESOURCE = "META-INF/tidaldb/node.json";

  /** Prefix of the system properties that override one bundle's URL, by artifact id. */
  public static final String BUNDLE_OVERRIDE_PREFIX = "tidaldb.bundle.";

  /**
   * System property naming a Maven-layout directory to install bundles from, when they are in it.
   */
  public static final String REPOSITORY_PROPERTY = "tidaldb.repository";

  /** Shard count of {@link #node()} and {@link #node(Path)}. */
  public static final int DEFAULT_SHARD_COUNT = 4;

  /** Configuration PID of the test kit's cluster component ({@code tidal-testkit}). */
  public static final String CLUSTER_PID = "io.tidaldb.testkit.cluster";

  /** Framework property of Felix HTTP's port ({@link #bundles()} sets 0: a free port). */
  public static final String HTTP_PORT_PROPERTY = "org.osgi.service.http.port";

  /** Framework property of Felix HTTP's address ({@link #bundles()} sets 127.0.0.1). */
  public static final String HTTP_HOST_PROPERTY = "org.apache.felix.http.host";

  /** Artifact id of the test kit bundle, which {@link #threeRegionCluster} adds to the feature. */
  public static final String TESTKIT_ARTIFACT = "tidal-testkit";

  /**
   * The {@code replication.target} of the node's own single-region store under {@link
   * #threeRegionCluster}: a filter no service matches, so that store never binds (and re-attaches)
   * one of the cluster regions' {@code Replication} services.
   */
  public static final String DETACHED_REPLICATION_TARGET = "(tidaldb.replication=none)";

  /** Configuration PID (factory PID here, one per region) of the TCP transport component. */
  public static final String TCP_PID = "io.tidaldb.transport.tcp";

  /** The {@code transports.target} of the cluster component under {@link #tcpCluster}. */
  public static final String TCP_TRANSPORTS_TARGET = "(transport.name=tcp)";

  /** FileInstall poll interval the options set: a framework stops within one poll. */
  public static final String FILEINSTALL_POLL_MILLIS = "50";

  private TidalOptions() {}

  /**
   * A node on a fresh temporary data directory with {@value #DEFAULT_SHARD_COUNT} shards.
   *
   * @return the bundles and the configuration
   * @throws UncheckedIOException if the temporary directory cannot be created
   */
  public static Option node() {
    try {
      return node(Files.createTempDirectory("tidaldb-node-"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary data directory", e);
    }
  }

  /**
   * A node whose WAL and store live under {@code dataDirectory}, with {@value #DEFAULT_SHARD_COUNT}
   * shards and only the {@code default} tenant.
   *
   * @param dataDirectory the node's data directory; {@code wal/} and {@code store/} go below it
   * @return the bundles and the configuration
   */
  public static Option node(Path dataDirectory) {
    return node(dataDirectory, DEFAULT_SHARD_COUNT);
  }

  /**
   * A node whose WAL and store live under {@code dataDirectory}.
   *
   * @param dataDirectory the node's data directory; {@code wal/} and {@code store/} go below it
   * @param shardCount the shard count of both the WAL and the router
   * @param tenants tenants the store knows besides {@code default}
   * @return the bundles and the configuration
   */
  public static Option node(Path dataDirectory, int shardCount, String... tenants) {
    return composite(bundles(), configuration(dataDirectory, shardCount, tenants));
  }

  /**
   * A three-region cluster on a fresh temporary data directory with {@value #DEFAULT_SHARD_COUNT}
   * shards per region.
   *
   * @return the bundles and the configuration
   * @throws UncheckedIOException if the temporary directory cannot be created
   * @see #threeRegionCluster(Path, int)
   */
  public static Option threeRegionCluster() {
    try {
      return threeRegionCluster(Files.createTempDirectory("tidaldb-cluster-"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary data directory", e);
    }
  }

  /**
   * A three-region cluster under {@code dataDirectory} with {@value #DEFAULT_SHARD_COUNT} shards
   * per region.
   *
   * @param dataDirectory the root; see {@link #threeRegionCluster(Path, int)}
   * @return the bundles and the configuration
   */
  public static Option threeRegionCluster(Path dataDirectory) {
    return threeRegionCluster(dataDirectory, DEFAULT_SHARD_COUNT);
  }

  /**
   * Everything a Pax Exam configuration needs for three regions replicating in one framework: every
   * bundle of the node feature, the test kit bundle ({@value #TESTKIT_ARTIFACT}) and the
   * configuration {@value #CLUSTER_PID} of its cluster component, which builds a {@code
   * io.tidaldb.testkit.SimulatedCluster} of regions 0, 1 and 2 (each a WAL, replication node and
   * store under {@code <dataDirectory>/cluster/region-<n>}, over one in-process transport) and
   * registers it as a {@code SimulatedCluster} service, and each region's store and replication as
   * {@code SignalStore} and {@code Replication} services with {@code region=<n>}.
   *
   * <p>The feature's own single-region node runs too (its components start without being asked),
   * configured under {@code <dataDirectory>/node} and detached from the cluster: its store's {@code
   * replication.target} is {@value #DETACHED_REPLICATION_TARGET}. Pick the cluster's stores with a
   * {@code (region=<n>)} filter. The test kit is installed like the feature's bundles (see {@link
   * #bundleUrl}; {@value #BUNDLE_OVERRIDE_PREFIX}{@value #TESTKIT_ARTIFACT} names its jar).
   *
   * @param dataDirectory the root of the data; the cluster's is kept there after the test
   * @param shardCount shards per region (and of the single-region node)
   * @return the bundles and the configuration
   * @throws IllegalArgumentException if the shard count is not positive
   */
  public static Option threeRegionCluster(Path dataDirectory, int shardCount) {
    Path dir = dataDirectory.toAbsolutePath();
    return composite(
        bundles(),
        testkit(),
        nodeConfiguration(dir.resolve("node"), shardCount, DETACHED_REPLICATION_TARGET),
        clusterConfiguration(dir.resolve("cluster"), 3, shardCount));
  }

  /**
   * {@link #threeRegionCluster(Path, int)} over TCP on loopback: the same bundles and node, and
   * three factory configurations of {@value #TCP_PID} (the feature's TCP transport component), one
   * per region: {@code region=<n>}, {@code listen.host=127.0.0.1}, {@code listen.port} a port found
   * free now (with {@code ServerSocket(0)}; a later bind failure names it), {@code peers} the other
   * two, {@code tls.mode=plaintext}. The cluster component binds the three {@code
   * (transport.name=tcp)} services ({@code transports.target}, {@code
   * transports.cardinality.minimum=3}) and runs each region over its own transport, so every frame
   * between regions crosses a loopback TCP connection.
   *
   * @param dataDirectory the root of the data; the cluster's is kept there after the test
   * @param shardCount shards per region (and of the single-region node)
   * @return the bundles and the configuration
   * @throws UncheckedIOException if no free ports can be found
   * @throws IllegalArgumentException if the shard count is not positive
   */
  public static Option tcpCluster(Path dataDirectory, int shardCount) {
    return tcpCluster(dataDirectory, shardCount, null, null);
  }

  /**
   * {@link #tcpCluster(Path, int)} over mutual TLS 1.3: each region's transport takes {@code
   * tls.mode=mutual}, the key store {@code region-<n>.p12} and the trust store {@code
   * truststore.p12} of {@code stores} (as {@code bin/make-certs} makes them: the region's
   * certificate names {@code tidal://region/<n>}), both with {@code password}.
   *
   * @param dataDirectory the root of the data; the cluster's is kept there after the test
   * @param shardCount shards per region (and of the single-region node)
   * @param stores the directory of the PKCS12 stores, or null for plaintext
   * @param password the stores' password (with {@code stores})
   * @return the bundles and the configuration
   * @throws UncheckedIOException if no free ports can be found
   * @throws IllegalArgumentException if the shard count is not positive, or a store is missing
   */
  public static Option tcpCluster(
      Path dataDirectory, int shardCount, Path stores, String password) {
    if (stores != null) {
      for (int region = 0; region < 3; region++) {
        requireFile(stores.resolve("region-" + region + ".p12"));
      }
      requireFile(stores.resolve("truststore.p12"));
    }
    Path dir = dataDirectory.toAbsolutePath();
    int[] ports = freeLoopbackPorts(3);
    List<Option> options = new ArrayList<>();
    options.add(bundles());
    options.add(testkit());
    options.add(nodeConfiguration(dir.resolve("node"), shardCount, DETACHED_REPLICATION_TARGET));
    options.add(
        clusterConfigurationOption(dir.resolve("cluster"), ports.length, shardCount)
            .put("transports.target", TCP_TRANSPORTS_TARGET)
            .put("transports.cardinality.minimum", ports.length)
            .asOption());
    for (int region = 0; region < ports.length; region++) {
      options.add(
          stores == null
              ? tcpTransportConfiguration(region, ports)
              : tlsTransportConfiguration(region, ports, stores, password));
    }
    return composite(options.toArray(Option[]::new));
  }

  private static void requireFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("TLS store " + file.toAbsolutePath() + " does not exist");
    }
  }

  /**
   * A factory configuration of {@value #TCP_PID} for one region on loopback, plaintext.
   *
   * @param region the region, an index into {@code ports}
   * @param ports every region's listen port, by region id
   * @return the configuration option
   * @throws IllegalArgumentException if the region is not an index of {@code ports}
   */
  public static Option tcpTransportConfiguration(int region, int[] ports) {
    return transportConfiguration(region, ports).put("tls.mode", "plaintext").asOption();
  }

  /**
   * A factory configuration of {@value #TCP_PID} for one region on loopback over mutual TLS, with
   * the key store {@code region-<n>.p12} and the trust store {@code truststore.p12} of {@code
   * stores}.
   *
   * @param region the region, an index into {@code ports}
   * @param ports every region's listen port, by region id
   * @param stores the directory of the PKCS12 stores
   * @param password the stores' password
   * @return the configuration option
   * @throws IllegalArgumentException if the region is not an index of {@code ports}
   */
  public static Option tlsTransportConfiguration(
      int region, int[] ports, Path stores, String password) {
    Path dir = stores.toAbsolutePath();
    return transportConfiguration(region, ports)
        .put("tls.mode", "mutual")
        .put("tls.key.store", dir.resolve("region-" + region + ".p12").toString())
        .put("tls.key.store.password", password)
        .put("tls.trust.store", dir.resolve("truststore.p12").toString())
        .put("tls.trust.store.password", password)
        .asOption();
  }

  private static ConfigurationOption transportConfiguration(int region, int[] ports) {
    if (region < 0 || region >= ports.length) {
      throw new IllegalArgumentException(
          "region must be 0.." + (ports.length - 1) + ", was " + region);
    }
    List<String> peers = new ArrayList<>();
    for (int peer = 0; peer < ports.length; peer++) {
      if (peer != region) {
        peers.add(peer + "=127.0.0.1:" + ports[peer]);
      }
    }
    return factoryConfiguration(TCP_PID)
        .put("region", region)
        .put("listen.host", "127.0.0.1")
        .put("listen.port", ports[region])
        .put("peers", String.join(",", peers));
  }

  /**
   * Returns distinct loopback ports that were free a moment ago (all held open at once, then
   * closed): a small race with other processes, which then fails the bind naming the port.
   *
   * @param n how many
   * @return the ports
   * @throws UncheckedIOException if a socket cannot be opened
   */
  public static int[] freeLoopbackPorts(int n) {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find " + n + " free loopback ports", e);
    } finally {
      for (ServerSocket s : sockets) {
        if (s != null) {
          try {
            s.close();
          } catch (IOException e) {
            // nothing bound any more either way
          }
        }
      }
    }
  }

  /**
   * The test kit bundle at the engine's start level, started. Its cluster component does nothing
   * until {@link #clusterConfiguration} (or any configuration of {@value #CLUSTER_PID}) exists.
   *
   * @return the bundle option
   */
  public static Option testkit() {
    FeatureBundle testkit = testkitBundle();
    return bundle(bundleUrl(testkit)).startLevel(testkit.startOrder()).start();
  }

  /**
   * Returns the test kit as a bundle beside the feature's: the version and start order of the
   * feature's {@code tidal-store}, which the test kit builds on.
   *
   * @return the test kit's coordinates and start order
   * @throws IllegalStateException if the feature has no {@code tidal-store}
   */
  public static FeatureBundle testkitBundle() {
    FeatureBundle store =
        feature().bundles().stream()
            .filter(b -> b.artifactId().equals("tidal-store"))
            .findFirst()
            .orElseThrow(
                () -> new IllegalStateException("the node feature has no tidal-store bundle"));
    return new FeatureBundle(
        store.groupId(), TESTKIT_ARTIFACT, store.version(), store.startOrder());
  }

  /**
   * The configuration {@value #CLUSTER_PID} of the test kit's cluster component, through
   * Configuration Admin.
   *
   * @param directory the root of the regions' data ({@code region-<n>/} below it), kept on close
   * @param regions how many regions (ids 0 to {@code regions - 1})
   * @param shardCount shards per region
   * @return the configuration option
   * @throws IllegalArgumentException if a count is not positive
   */
  public static Option clusterConfiguration(Path directory, int regions, int shardCount) {
    return clusterConfigurationOption(directory, regions, shardCount).asOption();
  }

  private static ConfigurationOption clusterConfigurationOption(
      Path directory, int regions, int shardCount) {
    if (regions < 1 || shardCount < 1) {
      throw new IllegalArgumentException(
          "regions and shardCount must be at least 1, were " + regions + " and " + shardCount);
    }
    return newConfiguration(CLUSTER_PID)
        .put("regions", regions)
        .put("shards", shardCount)
        .put("directory", directory.toAbsolutePath().toString());
  }

  /**
   * Every bundle of the node feature with its start level, a framework start level that starts them
   * all, and {@code gosh.args=--nointeractive --noshutdown} (no console on stdin). No
   * configuration: the components then use their defaults (relative to the working directory) or
   * whatever the test configures.
   *
   * @return the bundle options
   */
  public static Option bundles() {
    NodeFeature feature = feature();
    List<Option> options = new ArrayList<>();
    for (FeatureBundle b : feature.bundles()) {
      options.add(bundleOption(b));
    }
    // Gogo's shell must not read the test JVM's stdin (at EOF it stops the framework) nor print
    options.add(frameworkProperty("gosh.args").value("--nointeractive --noshutdown"));
    // FileInstall's watcher finishes its poll sleep (2 s by default) before the framework can stop
    options.add(frameworkProperty("felix.fileinstall.poll").value(FILEINSTALL_POLL_MILLIS));
    // Felix HTTP (the HTTP API) on loopback at a port the system picks: never a fixed port that
    // another test framework or process may hold; its HttpServiceRuntime's osgi.http.endpoint names
    // the port taken
    options.add(frameworkProperty(HTTP_PORT_PROPERTY).value("0"));
    options.add(frameworkProperty(HTTP_HOST_PROPERTY).value("127.0.0.1"));
    options.add(
        frameworkStartLevel(Math.max(feature.maxStartOrder(), Constants.START_LEVEL_TEST_BUNDLE)));
    return composite(options.toArray(Option[]::new));
  }

  /**
   * The configuration of a node under {@code dataDirectory}: {@code io.tidaldb.wal} ({@code
   * directory}, {@code shardCount}), {@code io.tidaldb.store} ({@code directory}, {@code tenants})
   * and {@code io.tidaldb.router} ({@code shardCount}), through Configuration Admin.
   *
   * @param dataDirectory the node's data directory; {@code wal/} and {@code store/} go below it
   * @param shardCount the shard count of both the WAL and the router
   * @param tenants tenants the store knows besides {@code default}
   * @return the configuration options
   * @throws IllegalArgumentException if the shard count is not positive
   */
  public static Option configuration(Path dataDirectory, int shardCount, String... tenants) {
    return nodeConfiguration(dataDirectory, shardCount, null, tenants);
  }

  private static Option nodeConfiguration(
      Path dataDirectory, int shardCount, String replicationTarget, String... tenants) {
    if (shardCount < 1) {
      throw new IllegalArgumentException("shardCount must be at least 1, was " + shardCount);
    }
    Path dir = dataDirectory.toAbsolutePath();
    ConfigurationOption store =
        newConfiguration("io.tidaldb.store")
            .put("directory", dir.resolve("store").toString())
            .put("tenants", tenants.clone());
    if (replicationTarget != null) {
      store.put("replication.target", replicationTarget);
    }
    return composite(
        newConfiguration("io.tidaldb.wal")
            .put("directory", dir.resolve("wal").toString())
            .put("shardCount", shardCount)
            .asOption(),
        newConfiguration("io.tidaldb.router").put("shardCount", shardCount).asOption(),
        store.asOption());
  }

  /**
   * Returns the node feature this jar carries.
   *
   * @return the feature, bundles in start order
   */
  public static NodeFeature feature() {
    return NodeFeature.fromResource(TidalOptions.class.getClassLoader(), FEATURE_RESOURCE);
  }

  /**
   * Returns the URL a bundle is installed from: the override system property if set, else its jar
   * in the {@value #REPOSITORY_PROPERTY} directory if that holds it, otherwise its {@code mvn:}
   * URL.
   *
   * @param b a bundle of the feature
   * @return the URL
   */
  public static String bundleUrl(FeatureBundle b) {
    String override = System.getProperty(BUNDLE_OVERRIDE_PREFIX + b.artifactId());
    if (override == null || override.isBlank() || override.startsWith("${")) {
      return repositoryUrl(b).orElseGet(b::mavenUrl);
    }
    String value = override.trim();
    if (value.matches("^[a-z][a-z0-9+.-]*:.+") && !value.matches("^[A-Za-z]:[\\\\/].*")) {
      return value;
    }
    Path file = Path.of(value);
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException(
          BUNDLE_OVERRIDE_PREFIX + b.artifactId() + " names no file: " + file.toAbsolutePath());
    }
    URI uri = file.toAbsolutePath().toUri();
    return uri.toString();
  }

  private static Optional<String> repositoryUrl(FeatureBundle b) {
    String repository = System.getProperty(REPOSITORY_PROPERTY);
    if (repository == null || repository.isBlank() || repository.startsWith("${")) {
      return Optional.empty();
    }
    Path jar =
        Path.of(repository.trim())
            .resolve(b.groupId().replace('.', '/'))
            .resolve(b.artifactId())
            .resolve(b.version())
            .resolve(b.fileName());
    return Files.isRegularFile(jar)
        ? Optional.of(jar.toAbsolutePath().toUri().toString())
        : Optional.empty();
  }

  /**
   * One bundle of the feature at its start level, from {@link #bundleUrl}, started unless it is a
   * fragment (Netty's epoll natives: installed, never started, it attaches to its host; Felix
   * refuses to start a fragment).
   *
   * @param b the bundle
   * @return the bundle option
   */
  public static Option bundleOption(FeatureBundle b) {
    String url = bundleUrl(b);
    return bundle(url).startLevel(b.startOrder()).start(!isFragment(b, url));
  }

  /**
   * Returns whether a bundle is a fragment: its jar's manifest has a {@code Fragment-Host} when the
   * URL is a readable {@code file:} jar; otherwise (a {@code mvn:} URL) whether it has a
   * classifier, which in the node feature only the native epoll fragment has.
   *
   * @param b the bundle
   * @param url where it is installed from
   * @return true for a fragment
   */
  static boolean isFragment(FeatureBundle b, String url) {
    if (url.startsWith("file:")) {
      Path file = Path.of(URI.create(url));
      if (Files.isRegularFile(file)) {
        try (JarFile jar = new JarFile(file.toFile())) {
          Manifest manifest = jar.getManifest();
          return manifest != null && manifest.getMainAttributes().getValue("Fragment-Host") != null;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the manifest of " + file, e);
        }
      }
    }
    return !b.classifier().isEmpty();
  }

  /**
   * Returns the URLs every bundle of the feature is installed from, in start order.
   *
   * @return the URLs, as Pax Exam installs them (the bundles' locations)
   */
  public static List<String> bundleUrls() {
    return feature().bundles().stream().map(TidalOptions::bundleUrl).toList();
  }
}
