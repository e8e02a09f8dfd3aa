package io.tidaldb.replication.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.replication.node.ReplicationConfig;
import io.tidaldb.support.config.ConfigValues;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The component's configuration keys, their defaults and the values it refuses. */
class ReplicationComponentTest {

  @Test
  void shouldApplyDefaultsToARegionAndItsRegions() {
    ReplicationConfig c = parse(Map.of("region", "1", "regions", "0, 1,2"));
    assertEquals(RegionId.of(1), c.self());
    assertEquals(List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2)), c.regions());
    assertEquals(Path.of("data/region-1/epochs"), c.directory());
    assertEquals(Duration.ofMillis(50), c.heartbeatInterval());
    assertEquals(Duration.ofMillis(200), c.electionTimeout());
    assertEquals(Duration.ofMillis(5000), c.durabilityTimeout());
    assertEquals(Duration.ofMillis(50), c.pauseThreshold());
  }

  @Test
  void shouldReadEveryKey() {
    ReplicationConfig c =
        parse(
            Map.of(
                "region",
                2,
                "regions",
                new String[] {"2", "7,9"},
                "directory",
                "/var/tidal/epochs",
                "heartbeat.ms",
                "20",
                "election.timeout.ms",
                "40",
                "durability.timeout.ms",
                1000L,
                "pause.threshold.ms",
                "0"));
    assertEquals(RegionId.of(2), c.self());
    assertEquals(List.of(RegionId.of(2), RegionId.of(7), RegionId.of(9)), c.regions());
    assertEquals(Path.of("/var/tidal/epochs"), c.directory());
    assertEquals(Duration.ofMillis(20), c.heartbeatInterval());
    assertEquals(Duration.ofMillis(40), c.electionTimeout());
    assertEquals(Duration.ofSeconds(1), c.durabilityTimeout());
    assertEquals(Duration.ZERO, c.pauseThreshold());
  }

  @Test
  void shouldRefuseAMissingRegionOrRegions() {
    assertRefused("region", "null", Map.of("regions", "0,1,2"));
    assertRefused("regions", "null", Map.of("region", "0"));
  }

  @Test
  void shouldRefuseRegionsOutOfRangeOrMalformed() {
    assertRefused("region", "'65536'", Map.of("region", "65536", "regions", "0,1"));
    assertRefused("region", "'-1'", Map.of("region", "-1", "regions", "0,1"));
    assertRefused("region", "'zero'", Map.of("region", "zero", "regions", "0,1"));
    assertRefused("regions", "'0,x,2'", Map.of("region", "0", "regions", "0,x,2"));
    assertRefused("regions", "'0,70000'", Map.of("region", "0", "regions", "0,70000"));
    assertRefused("regions", "'0,,1'", Map.of("region", "0", "regions", "0,,1"));
    assertRefused("regions", "'1,2'", Map.of("region", "0", "regions", "1,2"));
    assertRefused("regions", "'0,1,0'", Map.of("region", "0", "regions", "0,1,0"));
  }

  @Test
  void shouldRefuseTimingsThatCannotWork() {
    Map<String, Object> base = Map.of("region", "0", "regions", "0,1,2");
    assertRefused("heartbeat.ms", "0", with(base, "heartbeat.ms", "0"));
    assertRefused("heartbeat.ms", "'fast'", with(base, "heartbeat.ms", "fast"));
    assertRefused("election.timeout.ms", "99", with(base, "election.timeout.ms", "99", "50"));
    assertRefused("durability.timeout.ms", "-5", with(base, "durability.timeout.ms", "-5"));
    assertRefused("pause.threshold.ms", "-1", with(base, "pause.threshold.ms", "-1"));
  }

  @Test
  void shouldRefuseBeforeTouchingTheWalOrTransport() {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () ->
                new ReplicationComponent(
                    null,
                    null,
                    config(Map.of("region", "0", "regions", "1")),
                    Map.of(
                        "service.pid",
                        "io.tidaldb.replication~r0",
                        "region",
                        "0",
                        "regions",
                        "1")));
    assertEquals("regions", e.argument());
  }

  private static Map<String, Object> with(Map<String, Object> base, String key, String value) {
    Map<String, Object> m = new HashMap<>(base);
    m.put(key, value);
    return m;
  }

  private static Map<String, Object> with(
      Map<String, Object> base, String key, String value, String heartbeat) {
    Map<String, Object> m = with(base, key, value);
    m.put("heartbeat.ms", heartbeat);
    return m;
  }

  private static void assertRefused(String key, String rendered, Map<String, Object> raw) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> parse(raw));
    assertEquals(key, e.argument(), e.getMessage());
    assertTrue(e.getMessage().contains(rendered), e.getMessage());
  }

  private static ReplicationConfig parse(Map<String, Object> raw) {
    return ReplicationComponent.toReplicationConfig(
        config(raw),
        raw,
        new ConfigValues(
            ReplicationComponent.PID,
            raw,
            LoggerFactory.getLogger(ReplicationComponentTest.class)));
  }

  /**
   * A configuration object like SCR's: reads the key of each method ({@code heartbeat_ms} is {@code
   * heartbeat.ms}), converts it to the method's type (throwing on a value that does not convert)
   * and falls back to the annotation's default.
   */
  private static ReplicationComponent.Config config(Map<String, Object> raw) {
    return (ReplicationComponent.Config)
        Proxy.newProxyInstance(
            ReplicationComponent.Config.class.getClassLoader(),
            new Class<?>[] {ReplicationComponent.Config.class},
            (proxy, method, args) -> {
              Object value = raw.get(method.getName().replace('_', '.'));
              Class<?> type = method.getReturnType();
              if (value == null) {
                Object fallback = method.getDefaultValue();
                if (fallback != null) {
                  return fallback;
                }
                return type == int.class ? (Object) 0 : null;
              }
              if (type == String[].class) {
                return value instanceof String[] array ? array : new String[] {value.toString()};
              }
              String text = value.toString();
              try {
                if (type == int.class) {
                  return Integer.valueOf(text);
                }
                if (type == long.class) {
                  return Long.valueOf(text);
                }
              } catch (NumberFormatException e) {
                throw new IllegalArgumentException(e);
              }
              return text;
            });
  }

  /**
   * The component is the node's service in a framework: every default method of {@link
   * io.tidaldb.api.replication.Replication} (which answer "not supported") must reach the node, or
   * the console's {@code tidal:transfer} and bounded-staleness reads fail in the distribution while
   * passing in the test kit, which uses the node directly. Deprecated ones only adapt arguments.
   */
  @Test
  void shouldDelegateEveryDefaultMethodOfTheServiceToTheNode() {
    List<String> missing = new java.util.ArrayList<>();
    for (java.lang.reflect.Method m : io.tidaldb.api.replication.Replication.class.getMethods()) {
      if (!m.isDefault() || m.isAnnotationPresent(Deprecated.class)) {
        continue;
      }
      try {
        ReplicationComponent.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      } catch (NoSuchMethodException e) {
        missing.add(m.getName() + java.util.Arrays.toString(m.getParameterTypes()));
      }
    }
    assertEquals(List.of(), missing, "Replication methods the component leaves to the default");
  }
}
