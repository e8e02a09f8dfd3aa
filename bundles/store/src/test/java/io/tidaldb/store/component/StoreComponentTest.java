package io.tidaldb.store.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.router.HashShardRouter;
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
