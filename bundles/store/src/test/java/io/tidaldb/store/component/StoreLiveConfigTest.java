package io.tidaldb.store.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running store takes a configuration change through {@link StoreComponent#modified} without
 * closing: what can apply live applies, anything else is refused whole and the old configuration
 * keeps serving; no change stops a shard's log.
 */
class StoreLiveConfigTest {
  static final SignalType VIEW = SignalType.of("view");
  static final SignalType LIKE = SignalType.of("like");
  static final int SHARDS = 2;

  @TempDir Path dir;
  WalEngine wal;
  StoreComponent store;
  Map<String, Object> props;

  @BeforeEach
  void activate() {
    wal = WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(SHARDS).build());
    props = new HashMap<>();
    props.put("directory", dir.resolve("store").toString());
    props.put("halfLives", new String[] {"view=3600000"});
    store = new StoreComponent(wal, new HashShardRouter(SHARDS), null, config(props), props);
  }

  @AfterEach
  void deactivate() {
    store.deactivate();
    wal.close();
  }

  /** A configuration proxy over raw properties, converting as SCR does (and failing alike). */
  static StoreComponent.Config config(Map<String, Object> values) {
    return (StoreComponent.Config)
        Proxy.newProxyInstance(
            StoreLiveConfigTest.class.getClassLoader(),
            new Class<?>[] {StoreComponent.Config.class},
            (proxy, method, args) -> {
              String key = method.getName().replace('_', '.');
              Object v = values.get(key);
              if (v == null) {
                return method.getDefaultValue();
              }
              Class<?> type = method.getReturnType();
              if (v instanceof String text && type != String.class) {
                if (type == double.class) {
                  return Double.parseDouble(text);
                } else if (type == long.class) {
                  return Long.parseLong(text);
                } else if (type == int.class) {
                  return Integer.parseInt(text);
                }
              }
              return v;
            });
  }

  Map<String, Object> with(String key, Object value) {
    Map<String, Object> next = new HashMap<>(props);
    next.put(key, value);
    return next;
  }

  void modify(Map<String, Object> next) {
    store.modified(config(next), next);
  }

  /** Writes to every shard (16 entities over 2 shards), each acknowledged, and reads each back. */
  void assertEveryShardTakesWrites(SignalType type, long firstEntity) {
    for (long e = firstEntity; e < firstEntity + 8 * SHARDS; e++) {
      store.signal(type, EntityId.of(e), 1.0, Timestamp.now());
      assertEquals(1, store.read(type, EntityId.of(e)).count(), type + " " + e);
    }
  }

  @Test
  void shouldRefuseAHalfLifeChangeOfATypeWithStateAndKeepEveryShardWriting() {
    store.signal(VIEW, EntityId.of(1), 8.0, Timestamp.ofMillis(1_000_000));
    modify(with("halfLives", new String[] {"view=60000"}));
    // the state keeps its half-life: one hour later the score is half
    assertEquals(
        4.0,
        store
            .read(TenantId.DEFAULT, VIEW, EntityId.of(1), Timestamp.ofMillis(1_000_000 + 3_600_000))
            .decayedScore(),
        1e-9);
    assertEveryShardTakesWrites(VIEW, 100);
    assertEveryShardTakesWrites(LIKE, 100);
  }

  @Test
  void shouldTakeTheHalfLifeOfATypeWithoutStateLive() {
    store.signal(VIEW, EntityId.of(1), 1.0, Timestamp.now());
    modify(with("halfLives", new String[] {"view=3600000", "like=60000"}));
    store.signal(LIKE, EntityId.of(2), 8.0, Timestamp.ofMillis(1_000_000));
    assertEquals(
        4.0,
        store
            .read(TenantId.DEFAULT, LIKE, EntityId.of(2), Timestamp.ofMillis(1_060_000))
            .decayedScore(),
        1e-9);
    assertEveryShardTakesWrites(VIEW, 100);
  }

  @Test
  void shouldRefuseAMalformedValueAndKeepTheServingOne() {
    modify(with("maxAbsWeight", "10"));
    assertThrows(
        InvalidArgumentException.class,
        () -> store.signal(VIEW, EntityId.of(1), 11.0, Timestamp.now()));
    props = with("maxAbsWeight", "10");
    for (Object bad : new Object[] {"heavy", "-1", "NaN"}) {
      modify(with("maxAbsWeight", bad));
      assertThrows(
          InvalidArgumentException.class,
          () -> store.signal(VIEW, EntityId.of(1), 11.0, Timestamp.now()),
          "the bound 10 still serves after maxAbsWeight=" + bad);
      store.signal(VIEW, EntityId.of(1), 9.0, Timestamp.now());
    }
    assertEveryShardTakesWrites(VIEW, 100);
  }

  @Test
  void shouldAddAndRemoveTenantsLive() {
    TenantId acme = TenantId.of("acme");
    assertThrows(
        UnknownTenantException.class,
        () -> store.signal(acme, VIEW, EntityId.of(1), 1.0, Timestamp.now()));
    modify(with("tenants", new String[] {"acme"}));
    store.signal(acme, VIEW, EntityId.of(1), 1.0, Timestamp.now(), io.tidaldb.api.Durability.LOCAL);
    assertEquals(1, store.read(acme, VIEW, EntityId.of(1), Timestamp.now()).count());
  }

  @Test
  void shouldRefuseTheDirectoryRegionAndOpenTimeSettingsWhileRunning() {
    store.signal(VIEW, EntityId.of(1), 1.0, Timestamp.now());
    modify(with("directory", dir.resolve("elsewhere").toString()));
    modify(with("region", 7));
    modify(with("snapshotsToKeep", 5));
    // a refused change is refused whole: the tenant beside it is not added
    Map<String, Object> mixed = with("tenants", new String[] {"acme"});
    mixed.put("ackTimeoutMillis", 5L);
    modify(mixed);
    assertThrows(
        UnknownTenantException.class,
        () ->
            store.signal(
                TenantId.of("acme"),
                VIEW,
                EntityId.of(1),
                1.0,
                Timestamp.now(),
                io.tidaldb.api.Durability.LOCAL));
    assertEquals(io.tidaldb.api.RegionId.of(0), store.status().region());
    assertEquals(1, store.read(VIEW, EntityId.of(1)).count());
    assertEveryShardTakesWrites(VIEW, 100);
  }
}
