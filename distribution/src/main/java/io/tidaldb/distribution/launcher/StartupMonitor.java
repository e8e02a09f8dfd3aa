package io.tidaldb.distribution.launcher;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Tells whether a starting node is ready, still waiting, or failed, from the system bundle's view
 * of the framework: the Declarative Services runtime's component DTOs (read by reflection, since
 * the launcher lives outside the framework's class space) and the registered stores.
 *
 * <p>Only TidalDB's own components (bundles {@code io.tidaldb.*}) count:
 *
 * <ul>
 *   <li><b>failed</b>: one of them failed to activate (DS state {@code FAILED_ACTIVATION}, e.g. a
 *       store whose WAL is corrupt or whose directory cannot be written); the reason is the
 *       innermost cause in the DS failure text, which names the path and what is wrong;
 *   <li><b>waiting</b>: the framework has not reached its start level, one of them still waits for
 *       a reference (e.g. a store for its region's replication), or no store is registered;
 *   <li><b>ready</b>: otherwise: every configured component is satisfied and at least one {@code
 *       SignalStore} is registered, i.e. open and serving.
 * </ul>
 *
 * A component without a configuration it requires (e.g. the TCP transport in a single node) is not
 * configured, not waiting.
 */
final class StartupMonitor {
  static final String SCR = "org.osgi.service.component.runtime.ServiceComponentRuntime";
  static final String STORE = "io.tidaldb.api.SignalStore";
  private static final int UNSATISFIED_REFERENCE = 2;
  private static final int FAILED_ACTIVATION = 16;

  /** How DS words a failure to get a referenced component's service (Felix SCR 2.2). */
  private static final String REFERENCE_FAILED = "Unable to get service for reference";

  /** What a check found. */
  enum Verdict {
    WAITING,
    READY,
    FAILED
  }

  /**
   * A check's result.
   *
   * @param verdict ready, waiting or failed
   * @param detail what it waits for, the stores that are open, or why it failed
   */
  record Status(Verdict verdict, String detail) {}

  private final BundleContext context;
  private final java.util.function.Supplier<String> lastError;

  /**
   * Creates the monitor.
   *
   * @param context the system bundle's context
   * @param lastError the last error a TidalDB component logged with an exception (see {@link
   *     OsgiLogBridge#lastError()}), or null: the root cause of a component that failed only
   *     because a component it references failed
   */
  StartupMonitor(BundleContext context, java.util.function.Supplier<String> lastError) {
    this.context = context;
    this.lastError = lastError;
  }

  /**
   * Checks the node once.
   *
   * @param started whether the framework has reached its beginning start level
   * @return the verdict and its detail
   */
  Status check(boolean started) {
    Status components;
    try {
      components = components();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new Status(Verdict.WAITING, "Declarative Services not readable: " + e);
    }
    if (components.verdict() != Verdict.READY) {
      return components;
    }
    if (!started) {
      return new Status(Verdict.WAITING, "bundles still starting");
    }
    List<String> stores = stores();
    if (stores.isEmpty()) {
      return new Status(Verdict.WAITING, "no store registered yet");
    }
    return new Status(Verdict.READY, String.join(", ", stores));
  }

  private List<String> stores() {
    ServiceReference<?>[] refs;
    try {
      refs = context.getAllServiceReferences(STORE, null);
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<String> out = new ArrayList<>();
    if (refs != null) {
      for (ServiceReference<?> ref : refs) {
        Object region = ref.getProperty("region");
        Object directory = ref.getProperty("directory");
        out.add(
            "store of region "
                + (region == null ? "0" : region)
                + " open ("
                + (directory == null ? "data/store" : directory)
                + ")");
      }
    }
    out.sort(null);
    return out;
  }

  private Status components() throws ReflectiveOperationException {
    ServiceReference<?> ref = context.getServiceReference(SCR);
    if (ref == null) {
      return new Status(Verdict.WAITING, "Declarative Services not started yet");
    }
    Object scr = context.getService(ref);
    if (scr == null) {
      return new Status(Verdict.WAITING, "Declarative Services not started yet");
    }
    try {
      ClassLoader loader = scr.getClass().getClassLoader();
      Class<?> api = loader.loadClass(SCR);
      Class<?> descType =
          loader.loadClass("org.osgi.service.component.runtime.dto.ComponentDescriptionDTO");
      Method descriptions = api.getMethod("getComponentDescriptionDTOs", Bundle[].class);
      Method configurations = api.getMethod("getComponentConfigurationDTOs", descType);
      TreeSet<String> waiting = new TreeSet<>();
      List<String> failed = new ArrayList<>();
      for (Object desc : (Collection<?>) descriptions.invoke(scr, (Object) new Bundle[0])) {
        Object bundle = desc.getClass().getField("bundle").get(desc);
        String symbolicName = (String) bundle.getClass().getField("symbolicName").get(bundle);
        if (symbolicName == null || !symbolicName.startsWith("io.tidaldb")) {
          continue;
        }
        String name = (String) desc.getClass().getField("name").get(desc);
        for (Object config : (Collection<?>) configurations.invoke(scr, desc)) {
          int state = config.getClass().getField("state").getInt(config);
          String label = name + region(config);
          if (state == FAILED_ACTIVATION) {
            failed.add(label + " failed to activate: " + cause(config));
          }
          if (state == UNSATISFIED_REFERENCE) {
            waiting.add(label + " waits for " + unsatisfied(config));
          }
        }
      }
      return verdict(failed, waiting, lastError.get());
    } finally {
      context.ungetService(ref);
    }
  }

  /**
   * The verdict on TidalDB's components: failed if any failed (naming a failure of its own rather
   * than one that only failed to get a referenced component, or else adding {@code lastError}, what
   * made the referenced one fail), waiting if any waits for a reference, else ready.
   *
   * @param failed each failed component's line, {@code <name> failed to activate: <cause>}
   * @param waiting each waiting component's line
   * @param lastError the last error a TidalDB component logged with an exception, or null
   * @return the verdict
   */
  static Status verdict(List<String> failed, Collection<String> waiting, String lastError) {
    for (String f : failed) {
      if (!f.contains(REFERENCE_FAILED)) {
        return new Status(Verdict.FAILED, f);
      }
    }
    if (!failed.isEmpty()) {
      return new Status(
          Verdict.FAILED, failed.get(0) + (lastError == null ? "" : ", after " + lastError));
    }
    if (!waiting.isEmpty()) {
      return new Status(Verdict.WAITING, String.join("; ", waiting));
    }
    return new Status(Verdict.READY, "");
  }

  private static String region(Object config) throws ReflectiveOperationException {
    Object properties = config.getClass().getField("properties").get(config);
    if (properties instanceof Map<?, ?> map && map.get("region") != null) {
      return " (region " + map.get("region") + ")";
    }
    return "";
  }

  private static String unsatisfied(Object config) throws ReflectiveOperationException {
    Object refs = config.getClass().getField("unsatisfiedReferences").get(config);
    List<String> names = new ArrayList<>();
    for (int i = 0; refs != null && i < Array.getLength(refs); i++) {
      Object r = Array.get(refs, i);
      String name = (String) r.getClass().getField("name").get(r);
      String target = (String) r.getClass().getField("target").get(r);
      names.add(target == null ? name : name + " " + target);
    }
    return String.join(", ", names);
  }

  private static String cause(Object config) {
    String failure;
    try {
      failure = (String) config.getClass().getField("failure").get(config);
    } catch (ReflectiveOperationException e) {
      return "(DS gives no reason)";
    }
    return innermostCause(failure);
  }

  /**
   * The innermost cause of a stack trace as text: its last {@code Caused by:} line, or its first
   * line if it has none, without the {@code Caused by:} and the exception's package.
   *
   * @param trace a stack trace as printed by {@link Throwable#printStackTrace}
   * @return one line naming the exception and its message
   */
  static String innermostCause(String trace) {
    if (trace == null || trace.isBlank()) {
      return "(DS gives no reason)";
    }
    String line = null;
    for (String l : trace.split("\n")) {
      if (l.startsWith("Caused by: ")) {
        line = l.substring("Caused by: ".length());
      }
    }
    if (line == null) {
      line = trace.split("\n", 2)[0];
    }
    line = line.strip();
    int colon = line.indexOf(": ");
    String type = colon < 0 ? line : line.substring(0, colon);
    if (!type.contains(" ") && type.lastIndexOf('.') >= 0) {
      line = line.substring(type.lastIndexOf('.') + 1);
    }
    return line;
  }
}
