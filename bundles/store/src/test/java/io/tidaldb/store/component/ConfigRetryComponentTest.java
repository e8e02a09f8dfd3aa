package io.tidaldb.store.component;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When SCR holds a configuration: every configured key with its value (arrays by content). */
class ConfigRetryComponentTest {
  @Test
  void shouldTellWhetherScrHoldsTheConfiguredValues() {
    Dictionary<String, Object> configured = new Hashtable<>();
    configured.put("service.pid", "io.tidaldb.wal");
    configured.put("shardCount", 4);
    configured.put("tenants", new String[] {"acme"});
    configured.put(":org.apache.felix.configadmin.revision:", 3L); // bookkeeping, ignored
    Map<String, Object> scr =
        Map.of(
            "service.pid",
            "io.tidaldb.wal",
            "shardCount",
            4,
            "tenants",
            new String[] {"acme"},
            "component.id",
            7L);
    assertTrue(ConfigRetryComponent.holds(scr, configured));
    Map<String, Object> stale =
        Map.of("service.pid", "io.tidaldb.wal", "shardCount", "abc", "tenants", new String[0]);
    assertFalse(ConfigRetryComponent.holds(stale, configured));
  }
}
