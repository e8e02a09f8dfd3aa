package io.tidaldb.testkit.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
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
