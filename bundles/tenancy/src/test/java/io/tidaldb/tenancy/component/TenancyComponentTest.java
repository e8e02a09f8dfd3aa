package io.tidaldb.tenancy.component;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import io.tidaldb.tenancy.RegistryFile;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DS shell: configuration refusals naming the key, two regions gossiping, a corrupt file. */
class TenancyComponentTest {
  @TempDir Path dir;

  private TenancyComponent component(InProcessTransport t, int region, Map<String, Object> extra) {
    Map<String, Object> raw = new HashMap<>();
    raw.put("region", String.valueOf(region));
    raw.put("regions", "0,1");
    raw.put("directory", dir.resolve("r" + region).toString());
    raw.put("interval.ms", "50");
    raw.putAll(extra);
    return new TenancyComponent(t, config(raw), raw);
  }

  @Test
  void shouldGossipBetweenTwoRegionsOnTheTenancyChannel() {
    try (InProcessTransport t = new InProcessTransport()) {
      TenancyComponent r0 = component(t, 0, Map.of());
      TenancyComponent r1 = component(t, 1, Map.of());
      try {
        r0.create(TenantId.of("acme"), new TenantQuotas(5, 0, 0));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> r1.state(TenantId.of("acme")) == TenantState.ACTIVE);
        assertEquals(new TenantQuotas(5, 0, 0), r1.quotas(TenantId.of("acme")));
        r1.delete(TenantId.of("acme"));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> r0.state(TenantId.of("acme")) == TenantState.DELETED);
      } finally {
        r0.deactivate();
        r1.deactivate();
      }
    }
  }

  @Test
  void shouldRefuseBadValuesNamingTheKey() {
    try (InProcessTransport t = new InProcessTransport()) {
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class, () -> component(t, 0, Map.of("regions", "1,2")));
      assertTrue(e.getMessage().contains("regions"), e.getMessage());
      e =
          assertThrows(
              InvalidArgumentException.class, () -> component(t, 0, Map.of("interval.ms", "-1")));
      assertTrue(e.getMessage().contains("interval.ms"), e.getMessage());
      e =
          assertThrows(
              InvalidArgumentException.class, () -> component(t, 0, Map.of("regions", "0,x")));
      assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }
  }

  @Test
  void shouldFailActivationOnACorruptRegistryNamingThePath() throws Exception {
    Path file = dir.resolve("r0").resolve(RegistryFile.NAME);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
    try (InProcessTransport t = new InProcessTransport()) {
      StorageException e = assertThrows(StorageException.class, () -> component(t, 0, Map.of()));
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
      // the channel was not left open: a good configuration activates afterwards
      Files.delete(file);
      component(t, 0, Map.of()).deactivate();
    }
  }

  static TenancyComponent.Config config(Map<String, Object> raw) {
    return (TenancyComponent.Config)
        Proxy.newProxyInstance(
            TenancyComponent.Config.class.getClassLoader(),
            new Class<?>[] {TenancyComponent.Config.class},
            (proxy, method, args) -> {
              Object value = raw.get(method.getName().replace('_', '.'));
              Class<?> type = method.getReturnType();
              if (value == null) {
                Object fallback = method.getDefaultValue();
                return fallback != null ? fallback : type == int.class ? (Object) 0 : null;
              }
              if (type == String[].class) {
                return new String[] {value.toString()};
              }
              if (type == int.class) {
                return Integer.valueOf(value.toString());
              }
              if (type == long.class) {
                return Long.valueOf(value.toString());
              }
              return value.toString();
            });
  }
}
