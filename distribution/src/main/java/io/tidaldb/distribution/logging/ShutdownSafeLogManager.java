package io.tidaldb.distribution.logging;

import java.util.logging.LogManager;

/**
 * The node's {@link LogManager} (shipped in {@code lib/}, selected by bin/tidaldb with {@code
 * -Djava.util.logging.manager}): keeps the log handlers open while the JVM shuts down.
 *
 * <p>On SIGTERM the JVM runs its shutdown hooks concurrently. Felix's hook stops the framework, and
 * the bundles log while they close (the store's final checkpoint, "store closed"); the JDK's own
 * hook resets the standard LogManager, which removes and closes every handler, so those lines would
 * be lost. This manager ignores that reset; every other reset (a re-read of the configuration)
 * works as usual. The console and file handlers flush after each record, so nothing is left
 * buffered when the JVM exits. Once the node has logged its last line the launcher closes the
 * handlers ({@link #closeHandlers}), which removes the file handler's {@code .lck} file: without
 * that, every clean stop left {@code logs/tidaldb.log.lck} behind.
 */
public final class ShutdownSafeLogManager extends LogManager {

  /** Creates the manager; the JDK instantiates it once, at the first use of logging. */
  public ShutdownSafeLogManager() {
    super();
  }

  @Override
  public void reset() {
    if (isShuttingDown()) {
      return;
    }
    super.reset();
  }

  /**
   * Closes and removes every handler now, during shutdown too: the node has logged its last line.
   */
  public void closeHandlers() {
    super.reset();
  }

  /**
   * Tells whether the JVM has begun to shut down: registering a shutdown hook is refused then.
   *
   * @return true during shutdown
   */
  static boolean isShuttingDown() {
    Thread probe = new Thread(() -> {}, "tidal-shutdown-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
    } catch (IllegalStateException shuttingDown) {
      return true;
    }
    Runtime.getRuntime().removeShutdownHook(probe);
    return false;
  }
}
