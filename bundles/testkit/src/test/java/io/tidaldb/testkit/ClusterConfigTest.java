package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Defaults, copies and refused values of {@link ClusterConfig}. */
class ClusterConfigTest {
  @Test
  void shouldDefaultToThreeRegionsFourShardsAndTheDefaultTenant() {
    ClusterConfig c = ClusterConfig.threeRegions();
    assertEquals(List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2)), c.regions());
    assertEquals(4, c.shards());
    assertEquals(List.of("default"), c.tenants());
    assertEquals(Duration.ofMillis(50), c.heartbeat());
    assertEquals(Duration.ofMillis(200), c.election());
    assertEquals(Duration.ofSeconds(5), c.durabilityTimeout());
    assertTrue(c.directory().isEmpty());
    assertTrue(c.clock().isEmpty());
  }

  @Test
  void shouldCopyWithoutChangingTheOriginal() {
    ClusterConfig base = ClusterConfig.regions(5);
    ClusterConfig changed =
        base.withShards(8)
            .withTenants("acme", "default")
            .withDirectory(Path.of("x"))
            .withTimings(Duration.ofMillis(10), Duration.ofMillis(40))
            .withDurabilityTimeout(Duration.ofSeconds(2));
    assertNotSame(base, changed);
    assertEquals(4, base.shards());
    assertEquals(8, changed.shards());
    assertEquals(5, changed.regions().size());
    assertEquals(List.of("default", "acme"), changed.tenants());
    assertEquals(Path.of("x"), changed.directory().orElseThrow());
    assertEquals(Duration.ofMillis(40), changed.election());
    assertEquals(Duration.ofSeconds(2), changed.durabilityTimeout());
  }

  @Test
  void shouldNameEveryRefusedValue() {
    ClusterConfig c = ClusterConfig.threeRegions();
    assertRefused("regions", () -> ClusterConfig.regions(0));
    assertRefused("shards", () -> c.withShards(0));
    assertRefused("shards", () -> c.withShards(ClusterConfig.MAX_SHARDS + 1));
    assertRefused("tenant", () -> c.withTenants((String) null));
    assertRefused("heartbeat", () -> c.withTimings(Duration.ZERO, Duration.ofSeconds(1)));
    assertRefused(
        "election timeout", () -> c.withTimings(Duration.ofMillis(50), Duration.ofMillis(99)));
    assertRefused("durability timeout", () -> c.withDurabilityTimeout(Duration.ofNanos(10)));
    assertRefused("directory", () -> c.withDirectory(null));
    assertRefused("clock", () -> c.withClock(null));
    assertRefused("transport factory", () -> c.withTransport(null));
  }

  private static void assertRefused(String argument, Runnable call) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, call::run);
    assertEquals(argument, e.argument(), e.getMessage());
  }
}
