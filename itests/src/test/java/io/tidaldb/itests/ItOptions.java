package io.tidaldb.itests;

import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import io.tidaldb.api.transport.Transport;
import io.tidaldb.paxexam.TidalOptions;
import io.tidaldb.testkit.SimulatedCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/** Driver-side options shared by the suite: a node from the feature plus the test libraries. */
final class ItOptions {
  /** Framework property: the directory under which tests create their data directories. */
  static final String DATA_ROOT = "tidaldb.it.dataRoot";

  /** Framework property: the data directory the node was configured with. */
  static final String DATA_DIR = "tidaldb.it.dataDir";

  /** Framework property: comma-separated locations of every bundle of the node feature. */
  static final String FEATURE_LOCATIONS = "tidaldb.it.featureLocations";

  /** Shard count of every test node. */
  static final int SHARDS = 4;

  /** The extra tenant every test node knows. */
  static final String TENANT = "acme";

  private ItOptions() {}

  /**
   * A node on a fresh data directory named after the test class.
   *
   * @param testClass the test class
   * @return the options
   */
  static Option[] node(Class<?> testClass) {
    return node(freshDirectory(testClass.getSimpleName()));
  }

  /**
   * A node on the given data directory.
   *
   * @param dataDir the data directory
   * @return the options
   */
  static Option[] node(Path dataDir) {
    return options(
        junitBundles(),
        mavenBundle("org.hamcrest", "hamcrest").versionAsInProject(),
        mavenBundle("org.awaitility", "awaitility").versionAsInProject(),
        TidalOptions.node(dataDir, SHARDS, TENANT),
        frameworkProperty(DATA_ROOT).value(dataRoot().toString()),
        frameworkProperty(DATA_DIR).value(dataDir.toString()),
        frameworkProperty(FEATURE_LOCATIONS).value(String.join(",", TidalOptions.bundleUrls())),
        systemTimeout(30_000));
  }

  /**
   * A three-region cluster ({@link TidalOptions#threeRegionCluster(Path)}) on a fresh data
   * directory named after the test class, plus the test libraries.
   *
   * @param testClass the test class
   * @return the options
   */
  static Option[] cluster(Class<?> testClass) {
    return options(
        junitBundles(),
        mavenBundle("org.hamcrest", "hamcrest").versionAsInProject(),
        mavenBundle("org.awaitility", "awaitility").versionAsInProject(),
        TidalOptions.threeRegionCluster(freshDirectory(testClass.getSimpleName())),
        systemTimeout(60_000));
  }

  /**
   * The same cluster over TCP on loopback with mutual TLS 1.3 ({@link TidalOptions#tcpCluster(Path,
   * int, Path, String)} with the TCP transport's test stores, one transport per region on ports
   * found free now), plus the test libraries.
   *
   * @param testClass the test class
   * @return the options
   */
  static Option[] tcpCluster(Class<?> testClass) {
    return options(
        junitBundles(),
        mavenBundle("org.hamcrest", "hamcrest").versionAsInProject(),
        mavenBundle("org.awaitility", "awaitility").versionAsInProject(),
        TidalOptions.tcpCluster(
            freshDirectory(testClass.getSimpleName()),
            TidalOptions.DEFAULT_SHARD_COUNT,
            TLS_STORES,
            TLS_PASSWORD),
        systemTimeout(60_000));
  }

  /**
   * The TCP transport's test stores (made by {@code bin/make-certs} with a validity of 100 years;
   * see their README), read from that module's tree: the itests run from {@code itests/}.
   */
  static final Path TLS_STORES =
      Path.of("..", "bundles", "transport-tcp", "src", "test", "resources", "tls")
          .toAbsolutePath()
          .normalize();

  /** The test stores' password. */
  static final String TLS_PASSWORD = "changeit";

  /**
   * Returns the transport the test kit's cluster runs over: its service's {@code transport.name}
   * ({@code inprocess} or {@code tcp}). Read it from the framework, never from the test class: Pax
   * Exam 4.13.5 registers an inherited {@code @Test} method once per method (not per subclass), so
   * inside the container the instance may be of another subclass of the same scenarios than the one
   * whose {@code @Configuration} made the framework. Subclasses of a scenarios class must therefore
   * carry nothing but their {@code @Configuration}.
   *
   * @param context the probe's bundle context
   * @return the transport name
   * @throws IllegalStateException if no cluster service is registered
   */
  static String clusterTransport(BundleContext context) {
    ServiceReference<SimulatedCluster> ref = context.getServiceReference(SimulatedCluster.class);
    if (ref == null) {
      throw new IllegalStateException("no SimulatedCluster service");
    }
    return String.valueOf(ref.getProperty(Transport.NAME_PROPERTY));
  }

  /**
   * Returns the root of the suite's data directories, {@code target/itests-data}.
   *
   * @return an absolute path
   */
  static Path dataRoot() {
    return Path.of(System.getProperty("basedir", "."), "target", "itests-data").toAbsolutePath();
  }

  /**
   * Creates a new, empty directory under {@link #dataRoot()}.
   *
   * @param prefix the directory name's prefix
   * @return the directory
   */
  static Path freshDirectory(String prefix) {
    try {
      Files.createDirectories(dataRoot());
      return Files.createTempDirectory(dataRoot(), prefix + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
