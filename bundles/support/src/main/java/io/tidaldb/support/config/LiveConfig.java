package io.tidaldb.support.config;

import io.tidaldb.api.InvalidArgumentException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * The configuration a running DS component serves with, and the rule for a change to it: a change
 * is validated before the running component is touched; a refused change keeps the configuration
 * serving and logs exactly one WARN line naming each refused key, its value and the rule, and what
 * is kept; an accepted change is logged at INFO with the keys it changed.
 *
 * <p>A component's {@code @Modified} method compares the new properties with {@link #changed},
 * refuses what cannot apply live with {@link #refuse}, applies the rest and then calls {@link
 * #accepted}. Without a {@code @Modified} method DS would deactivate and re-activate the component
 * on every change, which closes it: that is what this replaces. Thread-safety: DS calls a
 * component's lifecycle methods one at a time; the methods are synchronized anyway.
 */
public final class LiveConfig {
  /** Property names DS, Configuration Admin and FileInstall add, never a component's own key. */
  private static final Set<String> FRAMEWORK_KEYS =
      Set.of(
          "component.name",
          "component.id",
          "service.pid",
          "service.factoryPid",
          "service.bundleLocation",
          "felix.fileinstall.filename");

  private final String pid;
  private final Logger log;
  private Map<String, Object> current;

  /**
   * Starts from the properties the component was activated with.
   *
   * @param pid the configuration PID, for messages
   * @param initial the component properties at activation
   * @param log where refusals and accepted changes go
   */
  public LiveConfig(String pid, Map<String, ?> initial, Logger log) {
    this.pid = pid;
    this.log = log;
    this.current = new HashMap<>(initial);
  }

  /** One refused key: its new value and the rule it breaks. */
  public record Refusal(String key, Object value, String rule) {
    /**
     * Makes a refusal from a validation failure, whose argument names the key.
     *
     * @param e the failure
     * @return the refusal
     */
    public static Refusal of(InvalidArgumentException e) {
      return new Refusal(e.argument(), new Rendered(e.value()), e.rule());
    }
  }

  /** A value already rendered for a message (as {@link InvalidArgumentException#value()}). */
  private record Rendered(String text) {
    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * Returns the component's own keys whose value differs between the serving configuration and
   * {@code next}, in name order. Reference targets ({@code *.target}, {@code
   * *.cardinality.minimum}) are left out: DS itself rebinds (re-activates) on those.
   *
   * @param next the new component properties
   * @return the changed keys, empty if nothing of the component's changed
   */
  public synchronized Set<String> changed(Map<String, ?> next) {
    Set<String> keys = new TreeSet<>(current.keySet());
    keys.addAll(next.keySet());
    keys.removeIf(
        k ->
            FRAMEWORK_KEYS.contains(k)
                || k.endsWith(".target")
                || k.endsWith(".cardinality.minimum"));
    keys.removeIf(k -> same(current.get(k), next.get(k)));
    return keys;
  }

  /**
   * The whole rule for a component that takes nothing live beyond what {@code ruleOf} allows: if
   * nothing of the component's changed, nothing happens; else the new values are validated ({@code
   * validate} throws an {@link InvalidArgumentException} naming the key), then every changed key
   * that {@code ruleOf} gives a rule for is refused; a refusal of either kind refuses the whole
   * change (one WARN line). Otherwise the change is recorded as serving and logged at INFO.
   *
   * @param next the new component properties
   * @param validate checks the new values, as activation would
   * @param ruleOf why a key cannot change while the component runs, or null if it may (a key the
   *     component does not read is only a service property)
   * @return the changed keys to apply live, or null if the change was refused
   */
  public Set<String> review(
      Map<String, ?> next, Runnable validate, Function<String, String> ruleOf) {
    Set<String> changed = changed(next);
    if (changed.isEmpty()) {
      return changed;
    }
    try {
      validate.run();
    } catch (InvalidArgumentException e) {
      refuse(List.of(Refusal.of(e)));
      return null;
    }
    List<Refusal> refused = new ArrayList<>();
    for (String key : changed) {
      String rule = ruleOf.apply(key);
      if (rule != null) {
        refused.add(new Refusal(key, next.get(key), rule));
      }
    }
    if (!refused.isEmpty()) {
      refuse(refused);
      return null;
    }
    accepted(next, changed);
    return changed;
  }

  /**
   * Returns a rule for {@link #review} that refuses a change of every key of a component's
   * configuration annotation while it runs: {@code region} because a region never changes its id,
   * every other key with {@code restartRule}.
   *
   * @param config the component's {@code @ObjectClassDefinition} annotation
   * @param restartRule why the other keys cannot change live, such as {@code applies only when the
   *     log opens: restart ...}
   * @return the rule
   */
  public static Function<String, String> fixedKeys(
      Class<? extends Annotation> config, String restartRule) {
    Set<String> keys = new HashSet<>();
    for (Method m : config.getDeclaredMethods()) {
      // DS 1.4 property names: "__" is "_", "_" is "."
      keys.add(m.getName().replace("__", "\0").replace('_', '.').replace("\0", "_"));
    }
    return key ->
        !keys.contains(key)
            ? null
            : key.equals("region")
                ? "the region id never changes while the region runs (it names every replica id and"
                    + " epoch it handed out)"
                : restartRule;
  }

  /**
   * Returns the serving raw value of a key, or null if it is not configured (its default).
   *
   * @param key the key
   * @return the value
   */
  public synchronized Object serving(String key) {
    return current.get(key);
  }

  /**
   * Logs a refused change as one WARN line: {@code <pid>: refused k=v: rule[; k2=v2: rule2] (kept:
   * k=old[, k2=old2])}. The serving configuration stays as it was.
   *
   * @param refusals the refused keys, at least one
   * @return the line logged
   */
  public synchronized String refuse(List<Refusal> refusals) {
    List<String> what = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (Refusal r : refusals) {
      what.add(r.key() + "=" + render(r.value()) + ": " + r.rule());
      kept.add(r.key() + "=" + renderServing(r.key()));
    }
    String line =
        pid + ": refused " + String.join("; ", what) + " (kept: " + String.join(", ", kept) + ")";
    log.warn(line);
    return line;
  }

  /**
   * Logs one refused key, as {@link #refuse(List)}.
   *
   * @param key the key
   * @param value its new value
   * @param rule why it cannot apply
   * @return the line logged
   */
  public String refuse(String key, Object value, String rule) {
    return refuse(List.of(new Refusal(key, value, rule)));
  }

  /**
   * Records an applied change as the serving configuration and logs it at INFO.
   *
   * @param next the new component properties
   * @param changed the keys that changed (from {@link #changed})
   */
  public synchronized void accepted(Map<String, ?> next, Set<String> changed) {
    List<String> what = new ArrayList<>();
    for (String k : changed) {
      what.add(k + "=" + render(next.get(k)));
    }
    current = new HashMap<>(next);
    log.info("{}: applied live: {}", pid, String.join(", ", what));
  }

  private String renderServing(String key) {
    Object v = current.get(key);
    return v == null ? "(default)" : render(v);
  }

  /**
   * Renders a configuration value: arrays as {@code [a, b]}, everything else as its text.
   *
   * @param value the value
   * @return its text
   */
  public static String render(Object value) {
    if (value == null) {
      return "(default)";
    }
    if (value instanceof Object[] array) {
      return Arrays.toString(array);
    }
    if (value.getClass().isArray()) {
      return Arrays.toString(boxed(value));
    }
    return String.valueOf(value);
  }

  private static boolean same(Object a, Object b) {
    if (a != null && b != null && a.getClass().isArray() && b.getClass().isArray()) {
      return Arrays.deepEquals(boxed(a), boxed(b));
    }
    if (a != null && b != null && !a.getClass().equals(b.getClass())) {
      return render(a).equals(render(b)); // "4" from a file and 4 from a test are the same value
    }
    return Objects.equals(a, b);
  }

  private static Object[] boxed(Object array) {
    if (array instanceof Object[] objects) {
      return objects;
    }
    int n = java.lang.reflect.Array.getLength(array);
    Object[] out = new Object[n];
    for (int i = 0; i < n; i++) {
      out[i] = java.lang.reflect.Array.get(array, i);
    }
    return out;
  }
}
