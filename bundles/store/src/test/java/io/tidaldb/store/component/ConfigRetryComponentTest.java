package io.tidaldb.store.component;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.dto.ServiceReferenceDTO;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

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

  /**
   * SCR's snapshot of a component's configurations can throw while a reconfiguration changes them
   * (Felix SCR: a {@code NullPointerException} in {@code managerToConfiguration}, seen in CI
   * through {@code LiveConfigIT}); the retry looks again instead of dying, and still activates the
   * failed component once SCR holds the fixed configuration.
   */
  @Test
  void shouldRetryAFailedComponentAfterScrThrewWhileChangingIt() {
    String pid = "io.tidaldb.wal";
    Hashtable<String, Object> fixed = new Hashtable<>(Map.of("service.pid", pid, "shardCount", 4));
    ComponentDescriptionDTO wal = new ComponentDescriptionDTO();
    wal.name = "io.tidaldb.wal";
    ComponentConfigurationDTO failed = new ComponentConfigurationDTO();
    failed.id = 7;
    failed.state = ComponentConfigurationDTO.FAILED_ACTIVATION;
    failed.properties = Map.of("service.pid", pid, "shardCount", 4);
    failed.service = new ServiceReferenceDTO();
    failed.service.id = 42;
    ComponentConfigurationDTO active = new ComponentConfigurationDTO(); // not all failed: a retry
    active.id = 8;
    active.state = ComponentConfigurationDTO.ACTIVE;
    active.properties = Map.of("service.pid", "io.tidaldb.wal.other");
    AtomicInteger snapshots = new AtomicInteger();
    ServiceComponentRuntime scr =
        proxy(
            ServiceComponentRuntime.class,
            (method, args) ->
                switch (method) {
                  case "getComponentDescriptionDTOs" -> List.of(wal);
                  case "getComponentConfigurationDTOs" -> {
                    int n = snapshots.incrementAndGet();
                    if (n == 2 || n == 3) { // the retry's first looks meet SCR changing them
                      throw new NullPointerException(
                          "Cannot invoke \"java.util.Map.size()\" because \"m\" is null");
                    }
                    yield List.of(failed, active);
                  }
                  default -> throw new UnsupportedOperationException(method);
                });
    Configuration configuration =
        proxy(Configuration.class, (method, args) -> method.equals("getProperties") ? fixed : null);
    ConfigurationAdmin admin =
        proxy(
            ConfigurationAdmin.class,
            (method, args) ->
                method.equals("listConfigurations") ? new Configuration[] {configuration} : null);
    @SuppressWarnings("unchecked")
    ServiceReference<ConfigurationAdmin> adminRef = proxy(ServiceReference.class, (m, a) -> null);
    @SuppressWarnings("unchecked")
    ServiceReference<Object> walRef =
        proxy(ServiceReference.class, (m, a) -> m.equals("getProperty") ? pid : null);
    AtomicInteger activations = new AtomicInteger();
    BundleContext context =
        proxy(
            BundleContext.class,
            (method, args) ->
                switch (method) {
                  case "getService" -> {
                    if (args[0] == adminRef) {
                      yield admin;
                    }
                    activations.incrementAndGet(); // SCR activates the failed component here
                    yield new Object();
                  }
                  case "getServiceReferences" ->
                      "(service.id=42)".equals(args[1]) ? new ServiceReference<?>[] {walRef} : null;
                  case "ungetService" -> true;
                  default -> throw new UnsupportedOperationException(method);
                });
    ConfigRetryComponent retry = new ConfigRetryComponent(scr, context);
    try {
      retry.configurationEvent(
          new ConfigurationEvent(adminRef, ConfigurationEvent.CM_UPDATED, null, pid));
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> activations.get() == 1);
      assertTrue(snapshots.get() >= 4, snapshots + " snapshots: the retry looked again");
    } finally {
      retry.deactivate();
    }
  }

  /** What a proxy answers: the method's name and its arguments. */
  private interface Answer {
    Object answer(String method, Object[] args);
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<?> type, Answer answer) {
    return (T)
        Proxy.newProxyInstance(
            ConfigRetryComponentTest.class.getClassLoader(),
            new Class<?>[] {type},
            (self, method, args) ->
                switch (method.getName()) {
                  case "hashCode" -> System.identityHashCode(self);
                  case "equals" -> self == args[0];
                  case "toString" -> type.getSimpleName() + " proxy";
                  default -> answer.answer(method.getName(), args);
                });
  }
}
