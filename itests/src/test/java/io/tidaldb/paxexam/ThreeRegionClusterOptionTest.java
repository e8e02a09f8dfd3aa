package io.tidaldb.paxexam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test kit bundle beside the feature, and the three-region option's refusals. */
class ThreeRegionClusterOptionTest {
  private static final String OVERRIDE =
      TidalOptions.BUNDLE_OVERRIDE_PREFIX + TidalOptions.TESTKIT_ARTIFACT;

  @TempDir Path dir;

  @AfterEach
  void clearOverride() {
    System.clearProperty(OVERRIDE);
  }

  @Test
  void shouldPlaceTheTestkitAtTheStoresVersionAndStartOrder() {
    FeatureBundle store =
        TidalOptions.feature().bundles().stream()
            .filter(b -> b.artifactId().equals("tidal-store"))
            .findFirst()
            .orElseThrow();
    FeatureBundle testkit = TidalOptions.testkitBundle();
    assertEquals("io.tidaldb", testkit.groupId());
    assertEquals("tidal-testkit", testkit.artifactId());
    assertEquals(store.version(), testkit.version());
    assertEquals(store.startOrder(), testkit.startOrder());
  }

  @Test
  void shouldInstallTheTestkitFromItsOverrideLikeAFeatureBundle() throws Exception {
    Path jar = Files.createFile(dir.resolve("tidal-testkit.jar"));
    System.setProperty(OVERRIDE, jar.toString());
    assertEquals(jar.toUri().toString(), TidalOptions.bundleUrl(TidalOptions.testkitBundle()));
    System.setProperty(OVERRIDE, "${io.tidaldb:tidal-testkit:jar}"); // unresolved: mvn: URL
    assertTrue(TidalOptions.bundleUrl(TidalOptions.testkitBundle()).startsWith("mvn:"));
  }

  @Test
  void shouldFindDistinctFreeLoopbackPortsForTheTcpCluster() throws Exception {
    int[] ports = TidalOptions.freeLoopbackPorts(3);
    assertEquals(3, java.util.Arrays.stream(ports).distinct().count());
    for (int port : ports) {
      assertTrue(port > 0 && port <= 0xFFFF, String.valueOf(port));
      try (java.net.ServerSocket s =
          new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
        assertEquals(port, s.getLocalPort()); // released again
      }
    }
    assertThrows(
        IllegalArgumentException.class, () -> TidalOptions.tcpTransportConfiguration(3, ports));
    assertThrows(IllegalArgumentException.class, () -> TidalOptions.tcpCluster(dir, 0));
  }

  @Test
  void shouldRefuseCountsBelowOne() {
    assertThrows(IllegalArgumentException.class, () -> TidalOptions.threeRegionCluster(dir, 0));
    assertThrows(
        IllegalArgumentException.class, () -> TidalOptions.clusterConfiguration(dir, 0, 4));
  }
}
