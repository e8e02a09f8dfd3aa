package io.tidaldb.paxexam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature this jar carries, its parsing, and the URL overrides, without a framework. */
class TidalOptionsTest {
  @TempDir Path dir;

  @AfterEach
  void clearOverride() {
    System.clearProperty(TidalOptions.BUNDLE_OVERRIDE_PREFIX + "tidal-crdt");
    System.clearProperty(TidalOptions.REPOSITORY_PROPERTY);
  }

  @Test
  void shouldInstallFromTheRepositoryDirectoryWhenItHoldsTheJar() throws IOException {
    FeatureBundle crdt = FeatureBundle.parse("io.tidaldb:tidal-crdt:1.2.3", 10);
    FeatureBundle api = FeatureBundle.parse("io.tidaldb:tidal-api:1.2.3", 10);
    Path repo = dir.resolve("repo");
    Path jar = repo.resolve("io/tidaldb/tidal-crdt/1.2.3/tidal-crdt-1.2.3.jar");
    Files.createDirectories(jar.getParent());
    Files.createFile(jar);
    System.setProperty(TidalOptions.REPOSITORY_PROPERTY, repo.toString());
    assertEquals(jar.toUri().toString(), TidalOptions.bundleUrl(crdt));
    assertEquals("mvn:io.tidaldb/tidal-api/1.2.3", TidalOptions.bundleUrl(api)); // not in it

    Path other = Files.createFile(dir.resolve("other.jar"));
    System.setProperty(TidalOptions.BUNDLE_OVERRIDE_PREFIX + "tidal-crdt", other.toString());
    assertEquals(other.toUri().toString(), TidalOptions.bundleUrl(crdt)); // per-bundle wins
  }

  @Test
  void shouldCarryTheNodeFeatureInStartOrder() {
    NodeFeature feature = TidalOptions.feature();
    assertTrue(feature.id().startsWith("io.tidaldb:tidal-features:slingosgifeature:node:"));
    List<FeatureBundle> bundles = feature.bundles();
    // 38 with the console (gogo runtime, command, jline, gogo.jline), + 6 for the HTTP API (Jetty,
    // servlet API, commons-fileupload and -io, Jackson core, tidal-http) + 8 for the metrics
    // (Prometheus client model, config, tracer-common, core, text format, JVM; JSR-305;
    // tidal-metrics)
    assertEquals(53, bundles.size()); // + tidal-tenancy
    assertEquals("asm", bundles.get(0).artifactId());
    assertEquals(1, bundles.get(0).startOrder());
    for (int i = 1; i < bundles.size(); i++) {
      assertTrue(
          bundles.get(i - 1).startOrder() <= bundles.get(i).startOrder(), bundles.toString());
    }
    assertEquals(20, feature.maxStartOrder()); // the console, after the engine
    assertEquals(
        List.of(
            "tidal-api",
            "tidal-router",
            "tidal-crdt",
            "tidal-wal",
            "tidal-session",
            "tidal-store",
            "tidal-transport-inprocess",
            "tidal-transport-tcp",
            "tidal-replication",
            "tidal-reconcile",
            "tidal-tenancy",
            "tidal-metrics",
            "tidal-http",
            "tidal-shell"),
        bundles.stream()
            .filter(b -> b.groupId().equals("io.tidaldb"))
            .map(FeatureBundle::artifactId)
            .toList());
  }

  @Test
  void shouldListNettyWithTheEpollFragmentBeforeItsHost() {
    List<FeatureBundle> netty =
        TidalOptions.feature().bundles().stream()
            .filter(b -> b.groupId().equals("io.netty"))
            .toList();
    assertEquals(9, netty.size(), netty.toString());
    List<String> ids = netty.stream().map(FeatureBundle::artifactId).toList();
    assertTrue(
        ids.indexOf("netty-transport-native-epoll") < ids.indexOf("netty-transport-classes-epoll"),
        ids.toString());
    FeatureBundle fragment = netty.get(ids.indexOf("netty-transport-native-epoll"));
    assertEquals("linux-x86_64", fragment.classifier());
    assertEquals(netty.get(0).version(), fragment.version());
  }

  @Test
  void shouldParseAndLocateAClassifiedJar() throws IOException {
    FeatureBundle epoll =
        FeatureBundle.parse(
            "io.netty:netty-transport-native-epoll:jar:linux-x86_64:4.2.18.Final", 10);
    assertEquals("linux-x86_64", epoll.classifier());
    assertEquals("4.2.18.Final", epoll.version());
    assertEquals(
        "mvn:io.netty/netty-transport-native-epoll/4.2.18.Final/jar/linux-x86_64",
        TidalOptions.bundleUrl(epoll));
    Path repo = dir.resolve("repo");
    Path jar =
        repo.resolve(
            "io/netty/netty-transport-native-epoll/4.2.18.Final/"
                + "netty-transport-native-epoll-4.2.18.Final-linux-x86_64.jar");
    Files.createDirectories(jar.getParent());
    Files.createFile(jar);
    System.setProperty(TidalOptions.REPOSITORY_PROPERTY, repo.toString());
    assertEquals(jar.toUri().toString(), TidalOptions.bundleUrl(epoll));
    assertThrows(IllegalArgumentException.class, () -> FeatureBundle.parse("g:a:zip:c:1.0", 10));
    assertThrows(IllegalArgumentException.class, () -> FeatureBundle.parse("g:a:1:2", 10));
  }

  @Test
  void shouldUseMavenUrlsUnlessOverriddenByAFileOrUrl() throws IOException {
    FeatureBundle crdt = FeatureBundle.parse("io.tidaldb:tidal-crdt:1.2.3", 10);
    assertEquals("mvn:io.tidaldb/tidal-crdt/1.2.3", TidalOptions.bundleUrl(crdt));

    Path jar = Files.createFile(dir.resolve("tidal-crdt.jar"));
    System.setProperty(TidalOptions.BUNDLE_OVERRIDE_PREFIX + "tidal-crdt", jar.toString());
    assertEquals(jar.toUri().toString(), TidalOptions.bundleUrl(crdt));

    System.setProperty(
        TidalOptions.BUNDLE_OVERRIDE_PREFIX + "tidal-crdt", "reference:file:/x/target/classes");
    assertEquals("reference:file:/x/target/classes", TidalOptions.bundleUrl(crdt));

    System.setProperty(TidalOptions.BUNDLE_OVERRIDE_PREFIX + "tidal-crdt", "${unresolved}");
    assertEquals("mvn:io.tidaldb/tidal-crdt/1.2.3", TidalOptions.bundleUrl(crdt));

    System.setProperty(
        TidalOptions.BUNDLE_OVERRIDE_PREFIX + "tidal-crdt", dir.resolve("missing.jar").toString());
    assertThrows(IllegalStateException.class, () -> TidalOptions.bundleUrl(crdt));
  }

  @Test
  void shouldParseStringAndObjectEntriesAndRejectBadFeatures() {
    NodeFeature f =
        NodeFeature.parse(
            "{\"id\":\"g:a:slingosgifeature:c:1\",\"bundles\":[\"g:b:1\","
                + "{\"id\":\"g:c:2\",\"start-order\":5},{\"id\":\"g:d:3\",\"start-order\":\"2\"}]}",
            "test");
    assertEquals(
        List.of("b@1", "d@2", "c@5"),
        f.bundles().stream().map(b -> b.artifactId() + "@" + b.startOrder()).toList());

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> NodeFeature.parse("{\"bundles\": [", "x"));
    assertTrue(e.getMessage().contains("offset"), e.getMessage());
    assertThrows(
        IllegalStateException.class,
        () -> NodeFeature.parse("{\"bundles\":[{\"id\":\"g:a:${v}\"}]}", "x"));
    assertThrows(
        IllegalStateException.class,
        () -> NodeFeature.parse("{\"bundles\":[{\"id\":\"g:a\"}]}", "x"));
    assertThrows(IllegalStateException.class, () -> NodeFeature.parse("{\"id\":\"x\"}", "x"));
  }
}
