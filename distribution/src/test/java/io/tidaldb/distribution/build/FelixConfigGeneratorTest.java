package io.tidaldb.distribution.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.sling.feature.Feature;
import org.apache.sling.feature.io.json.FeatureJSONReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FelixConfigGeneratorTest {

  @TempDir Path repository;

  private static Feature feature(String bundles) throws IOException {
    String json =
        "{ \"id\": \"io.tidaldb:tidal-features:slingosgifeature:node:1.0\", \"bundles\": ["
            + bundles
            + "] }";
    return FeatureJSONReader.read(new StringReader(json), "test.json");
  }

  private void put(String mavenPath) throws IOException {
    Path file = repository.resolve(mavenPath);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[] {1});
  }

  private static Properties load(String config) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(config));
    return p;
  }

  @Test
  void shouldStartEachBundleAtItsStartOrderInFeatureOrder() throws IOException {
    put("org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar");
    put("io/tidaldb/tidal-api/1.0/tidal-api-1.0.jar");
    put("io/tidaldb/tidal-store/1.0/tidal-store-1.0.jar");
    put("org/apache/felix/org.apache.felix.scr/2.2.18/org.apache.felix.scr-2.2.18.jar");
    Feature f =
        feature(
            "{\"id\": \"org.slf4j:slf4j-api:2.0.17\", \"start-order\": \"1\"},"
                + "{\"id\": \"io.tidaldb:tidal-store:1.0\", \"start-order\": \"10\"},"
                + "{\"id\": \"io.tidaldb:tidal-api:1.0\", \"start-order\": \"10\"},"
                + "{\"id\": \"org.apache.felix:org.apache.felix.scr:2.2.18\", \"start-order\": \"2\"}");

    Properties p = load(FelixConfigGenerator.render(f, repository, "system", "a.b=c\n"));

    assertEquals("c", p.getProperty("a.b"));
    assertEquals("10", p.getProperty("org.osgi.framework.startlevel.beginning"));
    assertEquals("10", p.getProperty("felix.startlevel.bundle"));
    assertEquals(
        "file:system/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar",
        p.getProperty("felix.auto.start.1").strip());
    assertEquals(
        "file:system/org/apache/felix/org.apache.felix.scr/2.2.18/org.apache.felix.scr-2.2.18.jar",
        p.getProperty("felix.auto.start.2").strip());
    assertEquals(
        "file:system/io/tidaldb/tidal-store/1.0/tidal-store-1.0.jar"
            + " file:system/io/tidaldb/tidal-api/1.0/tidal-api-1.0.jar",
        p.getProperty("felix.auto.start.10").strip());
    assertEquals(6, p.size());
  }

  @Test
  void shouldInstallAFragmentWithoutStartingIt() throws IOException {
    put("io/netty/netty-common/1.0/netty-common-1.0.jar");
    Path fragment = repository.resolve("io/netty/epoll/1.0/epoll-1.0-linux.jar");
    Files.createDirectories(fragment.getParent());
    java.util.jar.Manifest manifest = new java.util.jar.Manifest();
    manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Fragment-Host", "io.netty.transport-classes-epoll");
    try (java.util.jar.JarOutputStream jar =
        new java.util.jar.JarOutputStream(Files.newOutputStream(fragment), manifest)) {
      jar.flush();
    }
    Feature f =
        feature(
            "{\"id\": \"io.netty:netty-common:1.0\", \"start-order\": \"10\"},"
                + "{\"id\": \"io.netty:epoll:jar:linux:1.0\", \"start-order\": \"10\"}");

    Properties p = load(FelixConfigGenerator.render(f, repository, "system", ""));

    assertEquals(
        "file:system/io/netty/netty-common/1.0/netty-common-1.0.jar",
        p.getProperty("felix.auto.start.10").strip());
    assertEquals(
        "file:system/io/netty/epoll/1.0/epoll-1.0-linux.jar",
        p.getProperty("felix.auto.install.10").strip());
  }

  @Test
  void shouldNameTheFeatureTheConfigurationCameFrom() throws IOException {
    put("org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar");
    Feature f = feature("{\"id\": \"org.slf4j:slf4j-api:2.0.17\", \"start-order\": \"1\"}");

    String config = FelixConfigGenerator.render(f, repository, "system", "");

    assertTrue(
        config.startsWith(
            "# GENERATED at build time from feature"
                + " io.tidaldb:tidal-features:slingosgifeature:node:1.0\n"),
        config);
  }

  @Test
  void shouldRejectBundleWithoutStartOrder() throws IOException {
    put("org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar");
    Feature f = feature("{\"id\": \"org.slf4j:slf4j-api:2.0.17\"}");

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FelixConfigGenerator.render(f, repository, "system", ""));
    assertTrue(e.getMessage().contains("org.slf4j:slf4j-api:2.0.17"), e.getMessage());
    assertTrue(e.getMessage().contains("start-order 0"), e.getMessage());
  }

  @Test
  void shouldRejectBundleMissingFromRepository() throws IOException {
    Feature f = feature("{\"id\": \"org.slf4j:slf4j-api:2.0.17\", \"start-order\": \"1\"}");

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> FelixConfigGenerator.render(f, repository, "system", ""));
    assertTrue(e.getMessage().contains("org.slf4j:slf4j-api:2.0.17"), e.getMessage());
    assertTrue(e.getMessage().contains(repository.toString()), e.getMessage());
  }

  @Test
  void shouldRejectFeatureWithoutBundles() throws IOException {
    Feature f = feature("");

    assertThrows(
        IllegalArgumentException.class,
        () -> FelixConfigGenerator.render(f, repository, "system", ""));
  }
}
