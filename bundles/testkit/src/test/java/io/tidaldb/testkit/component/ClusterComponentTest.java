package io.tidaldb.testkit.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.testkit.ClusterConfig;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The component's configuration keys, their defaults and the values it refuses. */
class ClusterComponentTest {

  @Test
  void shouldDefaultToThreeRegionsFourShardsAndATemporaryDirectory() {
    ClusterConfig c = parse(Map.of());
    assertEquals(List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2)), c.regions());
    assertEquals(4, c.shards());
    assertEquals(Optional.empty(), c.directory());
    assertEquals(ClusterConfig.threeRegions().toString(), c.toString());
  }

  @Test
  void shouldReadEveryKeyAsTextAsFileInstallGivesIt() {
    ClusterConfig c = parse(Map.of("regions", "5", "shards", "8", "directory", " /tmp/cluster "));
    assertEquals(5, c.regions().size());
    assertEquals(RegionId.of(4), c.regions().get(4));
    assertEquals(8, c.shards());
    assertEquals(Optional.of(Path.of("/tmp/cluster")), c.directory());
  }

  @Test
  void shouldReadTypedNumbersAsConfigurationAdminGivesThem() {
    ClusterConfig c = parse(Map.of("regions", 1, "shards", 2L, "directory", ""));
    assertEquals(List.of(RegionId.of(0)), c.regions());
    assertEquals(2, c.shards());
    assertEquals(Optional.empty(), c.directory());
  }

  @Test
  void shouldRefuseMalformedOrOutOfRangeValuesNamingKeyValueAndPid() {
    assertRefused("regions", "'three'", Map.of("regions", "three"));
    assertRefused("regions", "'0'", Map.of("regions", "0"));
    assertRefused("regions", "'65'", Map.of("regions", "65"));
    assertRefused("shards", "'-1'", Map.of("shards", "-1"));
    assertRefused("shards", "'10000'", Map.of("shards", "10000"));
    assertRefused("shards", "'4.5'", Map.of("shards", "4.5"));
    assertRefused("directory", "'bad\0path'", Map.of("directory", "bad\0path"));
    assertRefused("reconcile.interval.ms", "'-1'", Map.of("reconcile.interval.ms", "-1"));
    assertRefused("reconcile.interval.ms", "'soon'", Map.of("reconcile.interval.ms", "soon"));
    assertRefused(
        "reconcile.compact.enabled", "'maybe'", Map.of("reconcile.compact.enabled", "maybe"));
  }

  @Test
  void shouldCompactByDefaultAndTurnItOffByConfiguration() {
    assertTrue(parse(Map.of()).compaction());
    assertFalse(parse(Map.of("reconcile.compact.enabled", "false")).compaction());
    assertFalse(parse(Map.of("reconcile.compact.enabled", false)).compaction());
  }

  @Test
  void shouldTakeThePeriodicReconcileIntervalOffByDefault() {
    assertEquals(Duration.ZERO, parse(Map.of()).reconcileInterval());
    assertEquals(
        Duration.ofSeconds(2), parse(Map.of("reconcile.interval.ms", 2000L)).reconcileInterval());
  }

  @Test
  void shouldNameTheFactoryPidWhenThereIsOne() {
    Map<String, Object> raw = new HashMap<>();
    raw.put("service.pid", "io.tidaldb.testkit.cluster~a");
    raw.put("regions", "x");
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> parse(raw));
    assertTrue(e.getMessage().contains("io.tidaldb.testkit.cluster~a"), e.getMessage());
  }

  @Test
  void shouldMapOneTransportServicePerRegionByItsRegionProperty() {
    Transport t0 = named("tcp");
    Transport t1 = named("tcp");
    Map<RegionId, Transport> byRegion =
        ClusterComponent.byRegion(
            List.of(service(Map.of("region", "1"), t1), service(Map.of("region", 0), t0)),
            2,
            Map.of());
    assertEquals(Map.of(RegionId.of(0), t0, RegionId.of(1), t1), byRegion);
  }

  @Test
  void shouldRefuseTransportServicesThatDoNotCoverEveryRegionOnce() {
    Transport t = named("tcp");
    assertTransportsRefused("regions [region-0] only", List.of(service(Map.of("region", 0), t)), 3);
    assertTransportsRefused(
        "two matching transports speak for region 0",
        List.of(service(Map.of("region", 0), t), service(Map.of("region", "0"), t)),
        2);
    assertTransportsRefused("speaks for region 5", List.of(service(Map.of("region", 5), t)), 1);
    assertTransportsRefused("region=null", List.of(service(Map.of("transport.name", "tcp"), t)), 1);
  }

  private static void assertTransportsRefused(
      String says, List<Map.Entry<Map<String, Object>, Transport>> transports, int regions) {
    Map<String, Object> raw = Map.of("transports.target", "(transport.name=tcp)");
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> ClusterComponent.byRegion(transports, regions, raw));
    assertEquals("transports.target", e.argument(), e.getMessage());
    assertTrue(e.getMessage().contains(says), e.getMessage());
    assertTrue(e.getMessage().contains("(transport.name=tcp)"), e.getMessage());
  }

  private static Map.Entry<Map<String, Object>, Transport> service(
      Map<String, Object> properties, Transport transport) {
    return Map.entry(properties, transport);
  }

  private static Transport named(String name) {
    return (Transport)
        Proxy.newProxyInstance(
            Transport.class.getClassLoader(),
            new Class<?>[] {Transport.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "name" -> name;
                  case "maxFrameBytes" -> 1 << 20;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  private static void assertRefused(String key, String rendered, Map<String, Object> raw) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> parse(raw));
    assertEquals(key, e.argument(), e.getMessage());
    assertTrue(e.getMessage().contains(rendered), e.getMessage());
    assertTrue(e.getMessage().contains(ClusterComponent.PID), e.getMessage());
  }

  private static ClusterConfig parse(Map<String, Object> raw) {
    return ClusterComponent.toClusterConfig(config(raw), raw);
  }

  /**
   * A configuration object like SCR's: reads each method's key, converts it to the method's type
   * (throwing on a value that does not convert) and falls back to the annotation's default.
   */
  private static ClusterComponent.Config config(Map<String, Object> raw) {
    return (ClusterComponent.Config)
        Proxy.newProxyInstance(
            ClusterComponent.Config.class.getClassLoader(),
            new Class<?>[] {ClusterComponent.Config.class},
            (proxy, method, args) -> {
              Object value = raw.get(method.getName().replace('_', '.'));
              if (value == null) {
                return method.getDefaultValue();
              }
              if (method.getReturnType() == int.class) {
                try {
                  return value instanceof Number n
                      ? n.intValue()
                      : Integer.valueOf(value.toString());
                } catch (NumberFormatException e) {
                  throw new IllegalArgumentException(e);
                }
              }
              if (method.getReturnType() == boolean.class) {
                return value instanceof Boolean b ? b : Boolean.valueOf(value.toString());
              }
              if (method.getReturnType() == long.class) {
                try {
                  return value instanceof Number n ? n.longValue() : Long.valueOf(value.toString());
                } catch (NumberFormatException e) {
                  throw new IllegalArgumentException(e);
                }
              }
              return value.toString();
            });
  }
}
