package io.tidaldb.store.component;

import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationEvent;
import org.osgi.service.cm.SynchronousConfigurationListener;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a fixed configuration start a TidalDB component whose activation failed on a bad one.
 *
 * <p>Every TidalDB component takes configuration changes through a {@code @Modified} method, so
 * that a change never re-activates (closes) a running one. SCR then never re-activates a component
 * whose activation failed either: its modified method has no instance to call, and SCR counts the
 * change as applied. This listener does what the re-activation did: when a configuration of an
 * {@code io.tidaldb.*} PID is updated and SCR holds it for a component configuration in failed
 * activation, it gets that component's service once, which makes SCR activate it again with the new
 * properties. It waits (at most {@value #WAIT_MILLIS} ms) until SCR has the new properties, so it
 * never retries the bad ones (which would log their refusal again).
 */
@Component(service = SynchronousConfigurationListener.class, immediate = true)
public final class ConfigRetryComponent implements SynchronousConfigurationListener {
  /** How long a retry waits for SCR to take the updated configuration. */
  static final long WAIT_MILLIS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(ConfigRetryComponent.class);

  /** {@link #failedWith}'s answer while SCR cannot say (its configurations are changing). */
  private static final ComponentConfigurationDTO IN_FLUX = new ComponentConfigurationDTO();

  private final ServiceComponentRuntime scr;
  private final BundleContext context;
  private final ExecutorService retries =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "tidal-config-retry");
            t.setDaemon(true);
            return t;
          });

  /**
   * Starts listening.
   *
   * @param scr the component runtime, to find failed component configurations
   * @param context this bundle's context, to get a failed component's service
   */
  @Activate
  public ConfigRetryComponent(@Reference ServiceComponentRuntime scr, BundleContext context) {
    this.scr = scr;
    this.context = context;
  }

  /** Stops the retry thread. */
  @Deactivate
  public void deactivate() {
    retries.shutdownNow();
  }

  @Override
  public void configurationEvent(ConfigurationEvent event) {
    String pid = event.getPid();
    if (event.getType() != ConfigurationEvent.CM_UPDATED
        || pid == null
        || !pid.startsWith("io.tidaldb.")) {
      return;
    }
    // synchronous (in the updating thread, before SCR gets the event): the state seen here is the
    // one the bad configuration left, before anything can activate the component on the way
    ComponentDescriptionDTO whole = failedWhole(pid);
    ServiceReference<ConfigurationAdmin> admin = event.getReference();
    if (whole != null) {
      retries.execute(() -> restart(whole, pid, admin));
      return;
    }
    retries.execute(() -> retry(pid, admin));
  }

  private void retry(String pid, ServiceReference<ConfigurationAdmin> adminRef) {
    Dictionary<String, Object> wanted = configured(pid, adminRef);
    if (wanted == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    long pauseMillis = 10;
    while (System.nanoTime() < deadline) {
      ComponentConfigurationDTO failed = failedWith(pid);
      if (failed == null) {
        return; // none failed with this PID: nothing to retry
      }
      if (failed != IN_FLUX && holds(failed.properties, wanted) && failed.service != null) {
        if (getOnce(failed.service.id)) {
          retryDependents(failed.id);
        }
        return;
      }
      try {
        Thread.sleep(pauseMillis); // SCR takes the update on its own thread; back off until it has
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      pauseMillis = Math.min(pauseMillis * 2, 500);
    }
  }

  /**
   * Returns the description of a component failed with {@code pid} if every configuration of it
   * failed (nothing of it serves), else null.
   */
  private ComponentDescriptionDTO failedWhole(String pid) {
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (!d.name.startsWith("io.tidaldb.")) {
        continue;
      }
      boolean mine = false;
      boolean allFailed = true;
      Collection<ComponentConfigurationDTO> configurations = configurations(d);
      if (configurations == null) {
        return null; // in flux: the retry path looks again
      }
      for (ComponentConfigurationDTO c : configurations) {
        mine |= pid.equals(c.properties.get("service.pid"));
        allFailed &= c.state == ComponentConfigurationDTO.FAILED_ACTIVATION;
      }
      if (mine) {
        return allFailed ? d : null;
      }
    }
    return null;
  }

  /**
   * Disables and enables a component none of whose configurations serves: SCR reads the
   * configuration afresh and registers its service again, so the components that found it failed
   * (the store over a failed WAL, the console over a failed store) bind it anew.
   */
  private void restart(
      ComponentDescriptionDTO d, String pid, ServiceReference<ConfigurationAdmin> adminRef) {
    // SCR enables a component with the configuration it holds, which it takes from the event
    // delivered after this one: wait until it holds the new one, or the restart would fail again
    Dictionary<String, Object> wanted = configured(pid, adminRef);
    if (wanted == null || !awaitHeld(d, wanted)) {
      LOG.warn("{}: {} did not take the updated configuration; restart the node", pid, d.name);
      return;
    }
    try {
      scr.disableComponent(d).getValue();
      scr.enableComponent(d).getValue();
      LOG.info("{}: restarted {} with the updated configuration", pid, d.name);
    } catch (java.lang.reflect.InvocationTargetException e) {
      LOG.warn("{}: cannot restart {}: {}", pid, d.name, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits (bounded, backing off) until SCR holds {@code wanted} for a configuration of {@code d}.
   */
  private boolean awaitHeld(ComponentDescriptionDTO d, Dictionary<String, Object> wanted) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    long pauseMillis = 5;
    while (System.nanoTime() < deadline) {
      Collection<ComponentConfigurationDTO> configurations = configurations(d);
      for (ComponentConfigurationDTO c :
          configurations == null ? List.<ComponentConfigurationDTO>of() : configurations) {
        if (holds(c.properties, wanted)) {
          return true;
        }
      }
      try {
        Thread.sleep(pauseMillis); // SCR takes the update on its own thread; back off until it has
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pauseMillis = Math.min(pauseMillis * 2, 200);
    }
    return false;
  }

  private Dictionary<String, Object> configured(
      String pid, ServiceReference<ConfigurationAdmin> adminRef) {
    ConfigurationAdmin admin = context.getService(adminRef);
    if (admin == null) {
      return null;
    }
    try {
      Configuration[] found = admin.listConfigurations("(service.pid=" + pid + ")");
      return found == null || found.length == 0 ? null : found[0].getProperties();
    } catch (IOException | InvalidSyntaxException e) {
      LOG.warn("{}: cannot read the updated configuration to retry its component: {}", pid, e);
      return null;
    } finally {
      context.ungetService(adminRef);
    }
  }

  /**
   * The configuration of a component failed with {@code pid}, null if none, or {@link #IN_FLUX} if
   * SCR could not say (look again).
   */
  private ComponentConfigurationDTO failedWith(String pid) {
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (!d.name.startsWith("io.tidaldb.")) {
        continue;
      }
      Collection<ComponentConfigurationDTO> configurations = configurations(d);
      if (configurations == null) {
        return IN_FLUX;
      }
      for (ComponentConfigurationDTO c : configurations) {
        if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION
            && pid.equals(c.properties.get("service.pid"))) {
          return c;
        }
      }
    }
    return null;
  }

  /**
   * SCR's configurations of {@code d}, or null while SCR is changing them: its snapshot can throw
   * then (Felix SCR copies a component manager's properties that a concurrent reconfiguration has
   * just cleared: a {@code NullPointerException} in {@code
   * ServiceComponentRuntimeImpl.managerToConfiguration}, which ended this component's retry thread
   * and failed {@code LiveConfigIT} once in CI). The caller looks again after its back-off.
   */
  private Collection<ComponentConfigurationDTO> configurations(ComponentDescriptionDTO d) {
    try {
      return scr.getComponentConfigurationDTOs(d);
    } catch (RuntimeException inFlux) {
      LOG.debug(
          "{}: SCR's configurations are changing ({}); looking again", d.name, inFlux.toString());
      return null;
    }
  }

  /** Gets a service once, so that SCR activates its failed component; true if it is active now. */
  private boolean getOnce(long serviceId) {
    boolean active = false;
    try {
      for (ServiceReference<?> ref :
          context.getServiceReferences((String) null, "(service.id=" + serviceId + ")")) {
        Object service = context.getService(ref); // SCR activates it with the new properties
        if (service != null) {
          context.ungetService(ref);
          active = true;
          LOG.info("{} activated with its fixed configuration", ref.getProperty("service.pid"));
        }
      }
    } catch (InvalidSyntaxException e) {
      throw new IllegalStateException(e);
    }
    return active;
  }

  /**
   * Retries, once each, the other TidalDB component configurations in failed activation: a
   * component that failed because the one just activated gave it no service (the store over a
   * failed WAL) is bound to the same registration, which SCR does not offer it again. One that
   * fails for its own configuration fails again (and says so once more).
   */
  private void retryDependents(long activatedId) {
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
      if (!d.name.startsWith("io.tidaldb.")) {
        continue;
      }
      Collection<ComponentConfigurationDTO> configurations = configurations(d);
      if (configurations == null) {
        continue; // in flux: a dependent left failed waits for its own configuration's retry
      }
      for (ComponentConfigurationDTO c : configurations) {
        if (c.id != activatedId
            && c.state == ComponentConfigurationDTO.FAILED_ACTIVATION
            && c.service != null) {
          getOnce(c.service.id);
        }
      }
    }
  }

  /** Whether SCR's properties hold every configured key with its value. */
  static boolean holds(Map<String, Object> scrProperties, Dictionary<String, Object> configured) {
    for (Enumeration<String> keys = configured.keys(); keys.hasMoreElements(); ) {
      String key = keys.nextElement();
      if (key.startsWith(":") || key.equals("service.bundleLocation")) {
        continue; // Configuration Admin's own bookkeeping, never a component property
      }
      if (!same(scrProperties.get(key), configured.get(key))) {
        return false;
      }
    }
    return true;
  }

  private static boolean same(Object a, Object b) {
    if (a != null && b != null && a.getClass().isArray() && b.getClass().isArray()) {
      return Arrays.deepEquals(boxed(a), boxed(b));
    }
    return Objects.equals(a, b);
  }

  private static Object[] boxed(Object array) {
    Object[] out = new Object[Array.getLength(array)];
    for (int i = 0; i < out.length; i++) {
      out[i] = Array.get(array, i);
    }
    return out;
  }
}
