package io.tidaldb.store.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.table.SessionConfig;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreComponentTest {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(StoreComponentTest.class);

  @TempDir Path dir;

  StoreComponent.Config config() {
    return (StoreComponent.Config)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {StoreComponent.Config.class},
            (proxy, method, args) ->
                method.getName().equals("directory")
                    ? dir.resolve("store").toString()
                    : method.getDefaultValue());
  }

  @Test
  void shouldAttachTheEngineToReplicationAndDetachItBeforeClosing() {
    List<String> calls = new CopyOnWriteArrayList<>();
    List<Object> attached = new CopyOnWriteArrayList<>();
    Replication replication =
        (Replication)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Replication.class},
                (proxy, method, args) -> {
                  calls.add(method.getName());
                  switch (method.getName()) {
                    case "attach" -> attached.add(args[0]);
                    case "detach" -> {
                      assertSame(attached.get(0), args[0]);
                      ((SignalStore) args[0]).status(); // still open
                    }
                    case "whenStored" -> {
                      return CompletableFuture.completedFuture(null);
                    }
                    case "region" -> {
                      return RegionId.of(0);
                    }
                    case "retainFrom" -> {
                      return Long.MAX_VALUE;
                    }
                    case "checkLeaderEpoch" -> {
                      return ShardLog.ANY_EPOCH;
                    }
                    default -> {}
                  }
                  return null;
                });
    try (WalEngine wal =
        WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(2).build())) {
      StoreComponent store =
          new StoreComponent(wal, new HashShardRouter(2), replication, config(), Map.of());
      assertEquals(List.of("attach"), calls);
      store.signal(
          TenantId.DEFAULT,
          SignalType.of("view"),
          EntityId.of(1),
          1.0,
          Timestamp.now(),
          Durability.QUORUM);
      assertEquals(
          List.of("attach", "checkLeaderEpoch", "whenStored", "whenStored"),
          calls); // DEFINE, QUORUM
      store.deactivate();
      List<String> lifecycle = calls.stream().filter(c -> !c.equals("retainFrom")).toList();
      assertEquals("detach", lifecycle.get(lifecycle.size() - 1));
      assertTrue(calls.contains("retainFrom"), "the closing checkpoint asks before trimming");
      assertThrows(UnavailableException.class, store::status);
    }
  }

  /** A configuration whose session properties answer {@code values}, the rest their defaults. */
  StoreComponent.Config sessionConfig(Map<String, Object> values) {
    return (StoreComponent.Config)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {StoreComponent.Config.class},
            (proxy, method, args) -> {
              String key = method.getName().replace('_', '.');
              return values.containsKey(key) ? values.get(key) : method.getDefaultValue();
            });
  }

  @Test
  void shouldMapTheSessionPropertiesOntoTheStoresSessionConfig() {
    StoreConfig defaults =
        StoreComponent.toStoreConfig(
            sessionConfig(Map.of()), new ConfigValues("io.tidaldb.store", Map.of(), LOG));
    assertEquals(SessionConfig.DEFAULTS, defaults.sessions());
    Map<String, Object> values =
        Map.of(
            "session.ttl.ms",
            60_000L,
            "session.max.per.tenant",
            7,
            "session.max.seq.gap",
            99L,
            "session.max.window",
            16);
    StoreConfig set =
        StoreComponent.toStoreConfig(
            sessionConfig(values), new ConfigValues("io.tidaldb.store", values, LOG));
    assertEquals(new SessionConfig(60_000, 7, 99, 16), set.sessions());
  }

  @Test
  void shouldRefuseASessionPropertyOutOfRangeNamingTheKeyAndValue() {
    Map<String, Object> values = Map.of("session.max.window", 0);
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () ->
                StoreComponent.toStoreConfig(
                    sessionConfig(values), new ConfigValues("io.tidaldb.store", values, LOG)));
    assertTrue(e.getMessage().contains("session.max.window"), e.getMessage());
    assertTrue(e.getMessage().contains("0"), e.getMessage());
  }

  @Test
  void shouldMapReadQuantumAndRefuseItOutOfRangeNamingTheKeyAndValue() {
    StoreConfig defaults =
        StoreComponent.toStoreConfig(
            sessionConfig(Map.of()), new ConfigValues("io.tidaldb.store", Map.of(), LOG));
    assertEquals(java.time.Duration.ofNanos(100_000), defaults.readQuantum());
    Map<String, Object> off = Map.of("read.quantum.us", 0L);
    assertEquals(
        java.time.Duration.ZERO,
        StoreComponent.toStoreConfig(
                sessionConfig(off), new ConfigValues("io.tidaldb.store", off, LOG))
            .readQuantum());
    for (long bad : new long[] {-1L, 1_000_001L, Long.MAX_VALUE / 100}) {
      Map<String, Object> values = Map.of("read.quantum.us", bad);
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class,
              () ->
                  StoreComponent.toStoreConfig(
                      sessionConfig(values), new ConfigValues("io.tidaldb.store", values, LOG)));
      assertTrue(e.getMessage().contains("read.quantum.us"), e.getMessage());
      assertTrue(e.getMessage().contains(Long.toString(bad)), e.getMessage());
    }
  }

  @Test
  void shouldMapReadWaitMaxAndRefuseItOutOfRangeNamingTheKeyAndValue() {
    StoreConfig defaults =
        StoreComponent.toStoreConfig(
            sessionConfig(Map.of()), new ConfigValues("io.tidaldb.store", Map.of(), LOG));
    assertEquals(java.time.Duration.ofSeconds(1), defaults.readWaitMax());
    Map<String, Object> set = Map.of("read.wait.max.ms", 250L);
    assertEquals(
        java.time.Duration.ofMillis(250),
        StoreComponent.toStoreConfig(
                sessionConfig(set), new ConfigValues("io.tidaldb.store", set, LOG))
            .readWaitMax());
    Map<String, Object> values = Map.of("read.wait.max.ms", -5L);
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () ->
                StoreComponent.toStoreConfig(
                    sessionConfig(values), new ConfigValues("io.tidaldb.store", values, LOG)));
    assertTrue(e.getMessage().contains("read.wait.max.ms"), e.getMessage());
    assertTrue(e.getMessage().contains("-5"), e.getMessage());
  }

  @Test
  void shouldServeASingleRegionWithoutReplication() {
    try (WalEngine wal =
        WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(2).build())) {
      StoreComponent store =
          new StoreComponent(wal, new HashShardRouter(2), null, config(), Map.of());
      store.signal(SignalType.of("view"), EntityId.of(1), 1.0, Timestamp.now());
      assertEquals(1, store.read(SignalType.of("view"), EntityId.of(1)).count());
      store.deactivate();
    }
  }
}
