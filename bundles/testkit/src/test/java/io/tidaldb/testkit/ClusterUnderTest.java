package io.tidaldb.testkit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test's simulated cluster, closed after each test: a JUnit 5 extension registered as a field
 * ({@code @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();}), whose
 * {@link #build} replaces the field and {@code @AfterEach} pair every scenario test repeated.
 */
final class ClusterUnderTest implements AfterEachCallback {
  private SimulatedCluster cluster;

  /** Builds the test's cluster (closing one built before in the same test). */
  SimulatedCluster build(ClusterConfig config) {
    if (cluster != null) {
      cluster.close();
    }
    cluster = SimulatedCluster.build(config);
    return cluster;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }
}
