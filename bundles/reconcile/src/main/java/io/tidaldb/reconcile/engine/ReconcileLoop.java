package io.tidaldb.reconcile.engine;

import io.tidaldb.support.errors.ErrorCounters;
import io.tidaldb.support.errors.ThreadDeaths;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Runs a {@link ReconciliationEngine} on its own thread, {@code tidal-reconcile-<region>}: {@code
 * doWork} in a loop, parking up to 5 ms when idle and woken when a frame or a demand arrives. A
 * round that throws is counted and logged once per cause, and the loop backs off 1 ms. The thread
 * is made through {@link ThreadDeaths}, so its death is counted and logged.
 */
public final class ReconcileLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileLoop.class);
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final ReconciliationEngine engine;
  private final ErrorCounters errors;
  private final Thread thread;
  private volatile boolean running = true;

  /**
   * Starts the thread.
   *
   * @param engine the engine it drives
   */
  public ReconcileLoop(ReconciliationEngine engine) {
    this.engine = engine;
    String region = engine.config().region().toString();
    this.errors =
        new ErrorCounters(
            LOG, "reconciliation of " + region, Level.ERROR, TimeUnit.SECONDS.toNanos(10));
    this.thread =
        new ThreadDeaths(
                errors, System::nanoTime, "reconciliation stops until the bundle restarts", null)
            .daemon("tidal-reconcile-" + region.replace("region-", ""), this::run);
    engine.wakeUpWith(() -> LockSupport.unpark(thread));
    thread.start();
  }

  private void run() {
    while (running) {
      long now = System.nanoTime();
      try {
        if (!engine.doWork(now)) {
          LockSupport.parkNanos(IDLE_PARK_NANOS);
        }
      } catch (RuntimeException e) {
        errors.record(e, now, "a reconciliation round failed: " + e);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
    engine.failPending();
  }

  /** Stops the thread (waiting up to 5 s) and fails the demands still waiting. */
  @Override
  public void close() {
    engine.close();
    running = false;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      LOG.warn("{} still runs 5 s after close", thread.getName());
    }
  }

  /** Returns the engine. */
  public ReconciliationEngine engine() {
    return engine;
  }
}
