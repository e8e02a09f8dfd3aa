package io.tidaldb.wal.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.wal.WalConfig;
import java.lang.annotation.Annotation;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DS shell builds the engine from its configuration and delegates to it. */
class WalComponentTest {
  @TempDir Path dir;

  @Test
  void shouldOpenEngineFromConfigurationAndCloseItOnDeactivate() {
    WalComponent component = new WalComponent(config(dir.toString(), 2, 250), Map.of());
    assertEquals(2, component.shardCount());
    WalConfig c = component.engine().config();
    assertEquals(250_000, c.groupCommitDelayNanos());
    assertEquals(1 << 20, c.segmentBytes());
    ShardLog log = component.shard(1);
    log.awaitDurable(log.appendSignal(1, 2, 3, 4, 5, 6), TimeUnit.SECONDS.toNanos(10));
    ShardLog local = component.localLog(1);
    assertEquals(0, local.appendSignal(1, 2, 3, 4, 5, 6), "the local log counts its own positions");
    local.awaitDurable(0, TimeUnit.SECONDS.toNanos(10));
    assertEquals(1, component.engine().localMetrics().records());
    component.deactivate();
    assertThrows(UnavailableException.class, () -> log.appendSignal(1, 2, 3, 4, 5, 6));
    assertThrows(UnavailableException.class, () -> local.appendSignal(1, 2, 3, 4, 5, 6));
  }

  @Test
  void shouldRefuseAChangeWhileRunningAndKeepEveryShardOpen() {
    Map<String, Object> raw =
        Map.of("directory", dir.toString(), "shardCount", 2, "groupCommitDelayMicros", 250L);
    WalComponent component = new WalComponent(config(dir.toString(), 2, 250), raw);
    try {
      for (Object[] change :
          new Object[][] {
            {"shardCount", 8, config(dir.toString(), 8, 250)},
            {"directory", "elsewhere", config("elsewhere", 2, 250)},
            {"groupCommitDelayMicros", -1L, config(dir.toString(), 2, -1)}
          }) {
        Map<String, Object> next = new java.util.HashMap<>(raw);
        next.put((String) change[0], change[1]);
        component.modified((WalComponent.Config) change[2], next);
        assertEquals(2, component.shardCount(), change[0] + " refused");
        for (int shard = 0; shard < 2; shard++) {
          ShardLog log = component.shard(shard);
          log.awaitDurable(log.appendSignal(1, 2, 3, 4, 5, 6), TimeUnit.SECONDS.toNanos(10));
        }
      }
    } finally {
      component.deactivate();
    }
  }

  @Test
  void shouldRejectInvalidConfigurationNamingTheValue() {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> new WalComponent(config(dir.toString(), 0, 0), Map.of()));
    assertEquals("shardCount", e.argument());
    e =
        assertThrows(
            InvalidArgumentException.class,
            () -> new WalComponent(config(dir.toString(), 1, Long.MAX_VALUE), Map.of()));
    assertEquals("groupCommitDelayMicros", e.argument());
  }

  @Test
  void shouldNameKeyAndRawValueWhenConfigurationCannotBeConverted() {
    // SCR's configuration proxy throws when a method's value cannot be converted
    WalComponent.Config valid = config(dir.toString(), 2, 0);
    WalComponent.Config unconvertible =
        (WalComponent.Config)
            Proxy.newProxyInstance(
                WalComponent.Config.class.getClassLoader(),
                new Class<?>[] {WalComponent.Config.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("shardCount")) {
                    throw new IllegalStateException(
                        new NumberFormatException("For input string: \"abc\""));
                  }
                  return method.invoke(valid, args);
                });
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> new WalComponent(unconvertible, Map.of("shardCount", "abc")));
    assertEquals("shardCount", e.argument());
    assertTrue(e.getMessage().contains("'abc'"), e.getMessage());
  }

  private static WalComponent.Config config(String directory, int shards, long delayMicros) {
    return new WalComponent.Config() {
      @Override
      public Class<? extends Annotation> annotationType() {
        return WalComponent.Config.class;
      }

      @Override
      public String directory() {
        return directory;
      }

      @Override
      public int shardCount() {
        return shards;
      }

      @Override
      public long segmentBytes() {
        return 1 << 20;
      }

      @Override
      public int maxBatchBytes() {
        return 64 << 10;
      }

      @Override
      public long groupCommitDelayMicros() {
        return delayMicros;
      }

      @Override
      public long appendTimeoutMillis() {
        return 1000;
      }
    };
  }
}
