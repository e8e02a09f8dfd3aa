package io.tidaldb.itests;

import static org.awaitility.Awaitility.await;

import io.tidaldb.api.SignalStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;
import org.awaitility.core.ConditionFactory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Probe-side handle on the node under test: its bundles, its services (always looked up afresh,
 * since bundle restarts replace them) and its configuration. Every wait has a deadline.
 */
final class Node implements AutoCloseable {
  /** How long a service may take to (re)appear. */
  static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(20);

  /**
   * Starts a wait with a deadline that checks at once and then every 10 ms (Awaitility's default
   * first waits 100 ms, which adds up over a suite).
   *
   * @param alias what is awaited, for the timeout message
   * @param deadline the longest wait
   * @return the condition factory
   */
  static ConditionFactory waitFor(String alias, Duration deadline) {
    return await(alias)
        .atMost(deadline)
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10));
  }

  private final BundleContext context;
  private final ServiceTracker<SignalStore, SignalStore> stores;
  private final ServiceTracker<ConfigurationAdmin, ConfigurationAdmin> configAdmins;

  /**
   * Opens the handle.
   *
   * @param context the probe's bundle context
   */
  Node(BundleContext context) {
    this.context = Objects.requireNonNull(context, "context");
    this.stores = new ServiceTracker<>(context, SignalStore.class, null);
    this.configAdmins = new ServiceTracker<>(context, ConfigurationAdmin.class, null);
    stores.open();
    configAdmins.open();
  }

  /**
   * Returns the tracker of the store service, for callers that look it up on every call.
   *
   * @return an open tracker
   */
  ServiceTracker<SignalStore, SignalStore> stores() {
    return stores;
  }

  /**
   * Returns the store service, waiting for it.
   *
   * @return the current store
   */
  SignalStore store() {
    return waitFor("SignalStore service", SERVICE_TIMEOUT)
        .until(stores::getService, Objects::nonNull);
  }

  /**
   * Returns the bundle of a symbolic name.
   *
   * @param symbolicName such as {@code io.tidaldb.wal}
   * @return the bundle
   * @throws AssertionError if no such bundle is installed
   */
  Bundle bundle(String symbolicName) {
    for (Bundle b : context.getBundles()) {
      if (symbolicName.equals(b.getSymbolicName())) {
        return b;
      }
    }
    throw new AssertionError("no bundle " + symbolicName);
  }

  /**
   * Returns the Configuration Admin service.
   *
   * @return the service
   */
  ConfigurationAdmin configAdmin() {
    return waitFor("ConfigurationAdmin service", SERVICE_TIMEOUT)
        .until(configAdmins::getService, Objects::nonNull);
  }

  /**
   * Returns a configuration's current properties (a copy).
   *
   * @param pid the PID
   * @return the properties
   */
  Dictionary<String, Object> properties(String pid) {
    try {
      Dictionary<String, Object> props = configAdmin().getConfiguration(pid, "?").getProperties();
      Hashtable<String, Object> copy = new Hashtable<>();
      if (props != null) {
        for (var keys = props.keys(); keys.hasMoreElements(); ) {
          String k = keys.nextElement();
          copy.put(k, props.get(k));
        }
      }
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replaces a configuration's properties.
   *
   * @param pid the PID
   * @param properties the new properties
   */
  void configure(String pid, Dictionary<String, Object> properties) {
    try {
      Configuration c = configAdmin().getConfiguration(pid, "?");
      c.update(properties);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Moves the node to a new, empty data directory: stops the store and WAL bundles, points their
   * configurations at the directory, starts them again and waits for the store on it.
   *
   * @param name a prefix for the directory's name, such as the test's name
   * @return the new data directory
   */
  Path freshDataDirectory(String name) {
    Path root = Path.of(context.getProperty(ItOptions.DATA_ROOT));
    Path dir;
    try {
      dir = Files.createTempDirectory(Files.createDirectories(root), name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Bundle wal = bundle("io.tidaldb.wal");
    Bundle store = bundle("io.tidaldb.store");
    try {
      store.stop();
      wal.stop();
      Dictionary<String, Object> walProps = properties("io.tidaldb.wal");
      walProps.put("directory", dir.resolve("wal").toString());
      configure("io.tidaldb.wal", walProps);
      Dictionary<String, Object> storeProps = properties("io.tidaldb.store");
      storeProps.put("directory", dir.resolve("store").toString());
      configure("io.tidaldb.store", storeProps);
      wal.start();
      store.start();
    } catch (BundleException e) {
      throw new AssertionError("cannot restart the store and WAL bundles", e);
    }
    awaitStoreOn(dir.resolve("store"));
    return dir;
  }

  /**
   * Waits until the store service registered is the one on a given store directory.
   *
   * @param storeDirectory the store's {@code directory}
   * @return that store
   */
  SignalStore awaitStoreOn(Path storeDirectory) {
    return waitFor("SignalStore on " + storeDirectory, SERVICE_TIMEOUT)
        .until(() -> storeOn(storeDirectory), Objects::nonNull);
  }

  /**
   * Returns the store service registered on a given store directory, without waiting.
   *
   * @param storeDirectory the store's {@code directory}
   * @return that store, or null if none is registered
   * @throws InvalidSyntaxException never for a well-formed path
   */
  SignalStore storeOn(Path storeDirectory) throws InvalidSyntaxException {
    String filter =
        "(&(objectClass="
            + SignalStore.class.getName()
            + ")(directory="
            + escape(storeDirectory.toString())
            + "))";
    var refs = context.getServiceReferences(SignalStore.class, filter);
    if (refs.isEmpty()) {
      return null;
    }
    return context.getService(refs.iterator().next());
  }

  private static String escape(String value) {
    return value
        .replace("\\", "\\5c")
        .replace("*", "\\2a")
        .replace("(", "\\28")
        .replace(")", "\\29");
  }

  /**
   * Returns the probe's bundle context.
   *
   * @param testClass a class of the probe
   * @return the context
   */
  static BundleContext contextOf(Class<?> testClass) {
    return FrameworkUtil.getBundle(testClass).getBundleContext();
  }

  @Override
  public void close() {
    stores.close();
    configAdmins.close();
  }
}
