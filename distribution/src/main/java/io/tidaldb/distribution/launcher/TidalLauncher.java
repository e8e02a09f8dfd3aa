package io.tidaldb.distribution.launcher;

import io.tidaldb.distribution.launcher.NodeState.Phase;
import io.tidaldb.distribution.logging.ShutdownSafeLogManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.felix.main.AutoProcessor;
import org.apache.felix.main.Main;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.service.log.LoggerFactory;

/**
 * The node's main class (bin/tidaldb runs it in place of Felix's {@code Main}): starts Apache Felix
 * from {@code conf/config.properties} as Felix's launcher does, and tells the node's story in the
 * log.
 *
 * <ul>
 *   <li>Framework and Declarative Services messages go to java.util.logging (so to {@code
 *       logs/tidaldb.log}): the framework through {@link FelixJulLogger}, DS through {@link
 *       OsgiLogBridge}, the OSGi Log Service this launcher registers on the system bundle.
 *   <li>One line each when the node starts (version, pid, JDK, directories), is ready (the store
 *       open and serving, see {@link StartupMonitor}), stops (and why: a signal, a framework stop
 *       such as the console's {@code stop 0}, or a failure) and has stopped.
 *   <li>A node that cannot open its store logs one ERROR line naming the component and the cause
 *       (the path and what is wrong with it); with {@code --service} it then stops and exits 1
 *       instead of running on as if healthy. On a console it stays up for the operator.
 *   <li>The state file ({@link NodeState}) tells {@code bin/tidaldb --wait-ready} where it is.
 * </ul>
 *
 * System properties (set by bin/tidaldb): {@code tidaldb.mode} ({@code service} or {@code
 * console}), {@code tidaldb.state} (the state file), {@code tidaldb.log.console} ({@code false}:
 * log lines go to the log file only).
 */
public final class TidalLauncher {
  static final Logger LOG = Logger.getLogger("io.tidaldb.node");
  private static final Duration STOP_WAIT = Duration.ofSeconds(60);
  private static final long POLL_MILLIS = 100;

  private final long startNanos = System.nanoTime();
  private final long pid = ProcessHandle.current().pid();
  private final String version;
  private final boolean service;
  private final Path stateFile;
  private final AtomicReference<String> stopReason = new AtomicReference<>();
  private final AtomicBoolean stoppedLogged = new AtomicBoolean();
  private volatile boolean failed;
  private volatile boolean frameworkStarted;
  private final OsgiLogBridge logBridge = new OsgiLogBridge();
  private Framework framework;

  private TidalLauncher() {
    String v = TidalLauncher.class.getPackage().getImplementationVersion();
    this.version = v == null ? "(unknown version)" : v;
    this.service = "service".equals(System.getProperty("tidaldb.mode"));
    this.stateFile = Path.of(System.getProperty("tidaldb.state", "run/tidaldb.state"));
  }

  /**
   * Starts the node and returns when its framework has stopped; exits the JVM with 0 after a
   * requested stop, 1 after a failure in service mode.
   *
   * @param args none
   */
  public static void main(String[] args) throws Exception {
    if (args.length > 0) {
      System.err.println("tidaldb launcher: no arguments expected, got " + String.join(" ", args));
      System.exit(2);
    }
    if ("false".equals(System.getProperty("tidaldb.log.console"))) {
      fileOnly();
    }
    System.exit(new TidalLauncher().run());
  }

  /** Removes the console handlers: log lines go to the file only. */
  private static void fileOnly() {
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      if (h instanceof ConsoleHandler) {
        root.removeHandler(h);
        h.close();
      }
    }
  }

  private int run() throws Exception {
    Main.loadSystemProperties();
    Map<String, String> props = Main.loadConfigProperties();
    if (props == null) {
      LOG.severe("TidalDB cannot start: no conf/config.properties beside bin/felix.jar");
      return 1;
    }
    Main.copySystemProperties(props);
    Path home = Path.of("").toAbsolutePath();
    String conf = props.getOrDefault("felix.fileinstall.dir", "conf");
    LOG.info(
        () ->
            String.format(
                "TidalDB %s starting: pid %d, Java %s (%s, %s), %s mode, home %s, conf %s, data %s,"
                    + " logs %s",
                version,
                pid,
                System.getProperty("java.version"),
                System.getProperty("java.vendor"),
                System.getProperty("java.home"),
                service ? "service" : "console",
                home,
                home.resolve(conf).normalize(),
                home.resolve("data"),
                logDirectory(home)));
    state(Phase.STARTING, "framework starting");

    FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
    framework = factory.newFramework(objectValues(frameworkConfig(props)));
    framework.init();
    framework.getBundleContext().registerService(LoggerFactory.class, logBridge, null);
    listen();
    AutoProcessor.process(props, framework.getBundleContext());
    Runtime.getRuntime().addShutdownHook(new Thread(this::onShutdown, "tidal-shutdown"));
    Thread monitor = new Thread(this::monitor, "tidal-startup-monitor");
    monitor.setDaemon(true);
    monitor.start();
    framework.start();

    FrameworkEvent event = framework.waitForStop(0);
    stopping("framework stopped");
    stopped(event);
    return failed && service ? 1 : 0;
  }

  /**
   * The framework's configuration: {@code config.properties}, plus the framework logger and the Log
   * Service API exported by the system bundle.
   */
  private static Map<String, Object> frameworkConfig(Map<String, String> props) {
    Map<String, Object> config = new HashMap<>(props);
    config.put("felix.log.logger", new FelixJulLogger());
    config.put("felix.log.level", Integer.toString(FelixJulLogger.felixLevel()));
    String extra = props.get("org.osgi.framework.system.packages.extra");
    String log = "org.osgi.service.log;version=\"1.4.0\"";
    config.put(
        "org.osgi.framework.system.packages.extra",
        extra == null || extra.isBlank() ? log : extra + "," + log);
    return config;
  }

  /** Hears the framework reach its start level, and the system bundle begin to stop. */
  private void listen() {
    framework
        .getBundleContext()
        .addFrameworkListener(
            e -> {
              if (e.getType() == FrameworkEvent.STARTED) {
                frameworkStarted = true;
              }
            });
    framework
        .getBundleContext()
        .addBundleListener(
            (SynchronousBundleListener)
                e -> {
                  if (e.getBundle().getBundleId() == 0 && e.getType() == BundleEvent.STOPPING) {
                    stopping(
                        "framework stop requested (the console's 'stop 0' or a management"
                            + " client)");
                  }
                });
  }

  /** Felix takes objects as values (the logger); the OSGi signature says strings. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Map<String, String> objectValues(Map<String, Object> config) {
    return (Map) config;
  }

  private static String logDirectory(Path home) {
    String pattern =
        java.util.logging.LogManager.getLogManager()
            .getProperty("java.util.logging.FileHandler.pattern");
    if (pattern == null) {
      return "(no log file)";
    }
    Path parent = Path.of(pattern).getParent();
    return parent == null ? home.toString() : home.resolve(parent).normalize().toString();
  }

  /** Checks the starting node until it is ready or has failed. */
  private void monitor() {
    StartupMonitor monitor = new StartupMonitor(framework.getBundleContext(), logBridge::lastError);
    String lastDetail = null;
    try {
      while (stopReason.get() == null) {
        StartupMonitor.Status status = monitor.check(frameworkStarted);
        switch (status.verdict()) {
          case READY -> {
            ready(status.detail());
            return;
          }
          case FAILED -> {
            fail(status.detail());
            return;
          }
          case WAITING -> {
            if (!status.detail().equals(lastDetail)) {
              lastDetail = status.detail();
              LOG.fine("TidalDB starting: " + lastDetail);
              state(Phase.STARTING, lastDetail);
            }
          }
        }
        Thread.sleep(POLL_MILLIS); // polls the DS runtime's state, which raises no event
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "TidalDB startup monitor failed; readiness unknown", e);
    }
  }

  private void ready(String stores) {
    LOG.info(
        String.format(
            "TidalDB %s ready in %.1f s: %s", version, seconds(System.nanoTime()), stores));
    state(Phase.READY, stores);
  }

  private void fail(String reason) {
    failed = true;
    LOG.severe("TidalDB cannot serve: " + reason);
    state(Phase.FAILED, reason);
    if (service) {
      if (stopping("failure in --service mode, the process exits 1: " + reason)) {
        try {
          framework.stop();
        } catch (BundleException e) {
          LOG.log(Level.SEVERE, "TidalDB cannot stop the framework after a failure", e);
        }
      }
    } else {
      LOG.info("TidalDB keeps running for the console; it cannot serve until this is fixed");
    }
  }

  /** Records the first reason for stopping and logs it; later reasons are ignored. */
  private boolean stopping(String reason) {
    if (!stopReason.compareAndSet(null, reason)) {
      return false;
    }
    LOG.info("TidalDB stopping: " + reason);
    state(Phase.STOPPING, reason);
    return true;
  }

  /** The JVM shuts down (SIGTERM, SIGINT or System.exit): stop the framework cleanly first. */
  private void onShutdown() {
    if (!stopping("signal (SIGTERM or SIGINT): the JVM is shutting down")) {
      return; // the framework stopped by itself and main is exiting
    }
    try {
      framework.stop();
      stopped(framework.waitForStop(STOP_WAIT.toMillis()));
    } catch (BundleException e) {
      LOG.log(Level.SEVERE, "TidalDB could not stop the framework", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Logs the stopped line once. Synchronized: the shutdown hook, returning from here, lets the JVM
   * halt, so it must wait while the main thread is still writing the line and the state file.
   */
  private synchronized void stopped(FrameworkEvent event) {
    if (!stoppedLogged.compareAndSet(false, true)) {
      return;
    }
    String how = event.getType() == FrameworkEvent.WAIT_TIMEDOUT ? " (timed out waiting)" : "";
    String reason = stopReason.get();
    LOG.info(
        String.format(
            "TidalDB %s stopped after %.1f s%s: %s",
            version, seconds(System.nanoTime()), how, reason));
    state(failed ? Phase.FAILED : Phase.STOPPED, reason);
    // the last line: close the log files now, which removes their .lck files
    if (java.util.logging.LogManager.getLogManager() instanceof ShutdownSafeLogManager manager) {
      manager.closeHandlers();
    }
  }

  private double seconds(long now) {
    return (now - startNanos) / 1e9;
  }

  private void state(Phase phase, String detail) {
    try {
      new NodeState(phase, pid, detail).write(stateFile);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "TidalDB cannot write its state file " + stateFile, e);
    }
  }
}
