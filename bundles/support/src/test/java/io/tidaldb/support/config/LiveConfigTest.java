package io.tidaldb.support.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class LiveConfigTest {
  final List<String> warnings = new ArrayList<>();
  final List<String> infos = new ArrayList<>();

  /** A logger that keeps WARN lines and INFO calls. */
  Logger logger() {
    return (Logger)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "warn" -> warnings.add(String.valueOf(args[0]));
                case "info" -> infos.add(String.valueOf(args[args.length - 1]));
                default -> {}
              }
              return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
            });
  }

  @interface Config {
    int shardCount();

    long read_wait_max_ms();

    int region();
  }

  Map<String, Object> props(Object... kv) {
    Map<String, Object> m = new HashMap<>();
    m.put("service.pid", "io.tidaldb.x");
    m.put("component.id", 7L);
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  @Test
  void shouldSeeOnlyTheComponentsOwnChangedKeys() {
    LiveConfig live =
        new LiveConfig("io.tidaldb.x", props("halfLives", new String[] {"a=1"}), logger());
    assertEquals(Set.of(), live.changed(props("halfLives", new String[] {"a=1"})));
    Map<String, Object> next = props("halfLives", new String[] {"a=2"}, "wal.target", "(region=1)");
    next.put("component.id", 8L);
    assertEquals(Set.of("halfLives"), live.changed(next));
    assertEquals(Set.of(), new LiveConfig("p", props("n", 4), logger()).changed(props("n", "4")));
  }

  @Test
  void shouldRefuseInOneWarnLineNamingKeyValueRuleAndWhatIsKept() {
    LiveConfig live = new LiveConfig("io.tidaldb.x", props("shardCount", 4), logger());
    Set<String> taken =
        live.review(
            props("shardCount", 8, "region", 2),
            () -> {},
            LiveConfig.fixedKeys(Config.class, "applies at start"));
    assertNull(taken);
    assertEquals(1, warnings.size(), warnings.toString());
    assertEquals(
        "io.tidaldb.x: refused region=2: the region id never changes while the region runs (it"
            + " names every replica id and epoch it handed out); shardCount=8: applies at start"
            + " (kept: region=(default), shardCount=4)",
        warnings.get(0));
    // nothing was taken: the next review still compares with the serving values
    assertEquals(Set.of(), live.changed(props("shardCount", 4)));
  }

  @Test
  void shouldRefuseAMalformedValueBeforeLookingAtTheRules() {
    LiveConfig live = new LiveConfig("io.tidaldb.x", props("read.wait.max.ms", 5L), logger());
    assertNull(
        live.review(
            props("read.wait.max.ms", "soon"),
            () -> {
              throw InvalidArgumentException.ofRendered(
                  "read.wait.max.ms", "'soon'", "must be a whole number");
            },
            key -> null));
    assertEquals(
        List.of(
            "io.tidaldb.x: refused read.wait.max.ms='soon': must be a whole number (kept:"
                + " read.wait.max.ms=5)"),
        warnings);
  }

  @Test
  void shouldTakeKeysTheComponentDoesNotReadAndServeThem() {
    LiveConfig live = new LiveConfig("io.tidaldb.x", props("shardCount", 4), logger());
    assertEquals(
        Set.of("note"),
        live.review(
            props("shardCount", 4, "note", "x"),
            () -> {},
            LiveConfig.fixedKeys(Config.class, "applies at start")));
    assertTrue(warnings.isEmpty());
    assertEquals(Set.of(), live.changed(props("shardCount", 4, "note", "x")));
    assertEquals("x", live.serving("note"));
  }
}
