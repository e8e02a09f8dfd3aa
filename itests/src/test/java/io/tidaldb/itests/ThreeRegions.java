package io.tidaldb.itests;

import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.frameworkStartLevel;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import io.tidaldb.api.SignalStore;
import io.tidaldb.paxexam.FeatureBundle;
import io.tidaldb.paxexam.NodeFeature;
import io.tidaldb.paxexam.TidalOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Objects;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.ops4j.pax.exam.Constants;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Three regions of the node feature's own DS components in one framework, configured only through
 * Configuration Admin (as an operator's {@code conf/three-regions} does): per region N the factory
 * configurations {@code io.tidaldb.wal~rN}, {@code io.tidaldb.replication~rN}, {@code
 * io.tidaldb.store~rN} and, when asked, {@code io.tidaldb.reconcile~rN}, over the one in-process
 * transport. The feature is installed with the framework held below the engine's start level, so
 * the factory configurations exist before the components first activate and no unconfigured default
 * instance opens a directory; {@link #start} then raises the start level.
 */
final class ThreeRegions {
  /** Regions 0, 1 and 2. */
  static final int REGIONS = 3;

  private static final String MAX_START_ORDER = "tidaldb.it.maxStartOrder";

  private ThreeRegions() {}

  /**
   * Every bundle of the node feature, the framework held at the test bundle's start level.
   *
   * @param timeoutMillis Pax Exam's system timeout
   * @return the options
   */
  static Option[] options(long timeoutMillis) {
    NodeFeature feature = TidalOptions.feature();
    List<Option> options = new ArrayList<>();
    options.add(junitBundles());
    options.add(mavenBundle("org.hamcrest", "hamcrest").versionAsInProject());
    options.add(mavenBundle("org.awaitility", "awaitility").versionAsInProject());
    for (FeatureBundle b : feature.bundles()) {
      options.add(TidalOptions.bundleOption(b));
    }
    options.add(frameworkProperty("gosh.args").value("--nointeractive --noshutdown"));
    options.add(systemProperty("org.jline.terminal.dumb").value("true"));
    options.add(
        frameworkProperty("felix.fileinstall.poll").value(TidalOptions.FILEINSTALL_POLL_MILLIS));
    options.add(frameworkStartLevel(Constants.START_LEVEL_TEST_BUNDLE));
    options.add(
        frameworkProperty(MAX_START_ORDER).value(Integer.toString(feature.maxStartOrder())));
    options.add(systemTimeout(timeoutMillis));
    return options.toArray(Option[]::new);
  }

  /**
   * Creates the router's and every region's configurations.
   *
   * @param configAdmin Configuration Admin
   * @param data the data root: region N under {@code region-N}
   * @param reconcileIntervalMillis each region's reconciliation interval, or -1 for none
   * @throws IOException if Configuration Admin cannot store a configuration
   */
  static void configure(ConfigurationAdmin configAdmin, Path data, long reconcileIntervalMillis)
      throws IOException {
    Dictionary<String, Object> router = new Hashtable<>();
    router.put("shardCount", ItOptions.SHARDS);
    configAdmin.getConfiguration("io.tidaldb.router", "?").update(router);
    for (int region = 0; region < REGIONS; region++) {
      Path dir = data.resolve("region-" + region).toAbsolutePath();
      String self = "(region=" + region + ")";

      Dictionary<String, Object> wal = new Hashtable<>();
      wal.put("directory", dir.resolve("wal").toString());
      wal.put("shardCount", ItOptions.SHARDS);
      wal.put("region", region);
      factory(configAdmin, "io.tidaldb.wal", region).update(wal);

      Dictionary<String, Object> replication = new Hashtable<>();
      replication.put("region", region);
      replication.put("regions", "0,1,2");
      replication.put("directory", dir.resolve("epochs").toString());
      replication.put("wal.target", self);
      factory(configAdmin, "io.tidaldb.replication", region).update(replication);

      Dictionary<String, Object> store = new Hashtable<>();
      store.put("directory", dir.resolve("store").toString());
      store.put("region", region);
      store.put("wal.target", self);
      store.put("replication.target", self);
      store.put("replication.cardinality.minimum", "1");
      factory(configAdmin, "io.tidaldb.store", region).update(store);

      if (reconcileIntervalMillis >= 0) {
        Dictionary<String, Object> reconcile = new Hashtable<>();
        reconcile.put("region", region);
        reconcile.put("regions", "0,1,2");
        reconcile.put("interval.ms", reconcileIntervalMillis);
        reconcile.put("state.target", self);
        factory(configAdmin, "io.tidaldb.reconcile", region).update(reconcile);
      }
    }
  }

  private static org.osgi.service.cm.Configuration factory(
      ConfigurationAdmin configAdmin, String pid, int region) throws IOException {
    return configAdmin.getFactoryConfiguration(pid, "r" + region, "?");
  }

  /**
   * Raises the framework's start level to the feature's highest start order: the engine (and the
   * console) start on the configurations made by {@link #configure}.
   *
   * @param context the probe's bundle context
   */
  static void start(BundleContext context) {
    int maxStartOrder = Integer.parseInt(context.getProperty(MAX_START_ORDER));
    context.getBundle(0).adapt(FrameworkStartLevel.class).setStartLevel(maxStartOrder);
  }

  /**
   * Returns a region's store service, or null while none is registered.
   *
   * @param context the probe's bundle context
   * @param region the region
   * @return the store or null
   */
  static SignalStore store(BundleContext context, int region) {
    return service(context, SignalStore.class, region);
  }

  /**
   * Returns a region's service of a type, or null while none is registered.
   *
   * @param context the probe's bundle context
   * @param type the service type
   * @param region the region ({@code region} service property)
   * @param <T> the type
   * @return the service or null
   */
  static <T> T service(BundleContext context, Class<T> type, int region) {
    try {
      Collection<ServiceReference<T>> refs =
          context.getServiceReferences(type, "(region=" + region + ")");
      return refs.isEmpty() ? null : context.getService(refs.iterator().next());
    } catch (InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Runs a Gogo command once the console bundle (start level 20) has registered its processor and
   * the {@code tidal:} commands answer.
   *
   * @param context the probe's bundle context
   * @param command the command line
   * @param deadline how long to wait for the console
   * @return the command's result and what it printed
   * @throws Exception if the session cannot be closed
   */
  static String console(BundleContext context, String command, Duration deadline) throws Exception {
    CommandProcessor gogo =
        Node.waitFor("Gogo CommandProcessor", deadline)
            .until(
                () -> {
                  ServiceReference<CommandProcessor> ref =
                      context.getServiceReference(CommandProcessor.class);
                  return ref == null ? null : context.getService(ref);
                },
                Objects::nonNull);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    try (CommandSession session =
        gogo.createSession(new ByteArrayInputStream(new byte[0]), print, print)) {
      Object result =
          Node.waitFor("the tidal commands to answer", deadline)
              .until(
                  () -> {
                    try {
                      return session.execute(command);
                    } catch (Exception e) {
                      return null; // "command not found" until the shell bundle registers them
                    }
                  },
                  Objects::nonNull);
      return result + out.toString(StandardCharsets.UTF_8);
    }
  }
}
