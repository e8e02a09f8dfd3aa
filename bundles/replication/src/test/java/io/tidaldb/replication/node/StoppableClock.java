package io.tidaldb.replication.node;

import java.util.function.LongSupplier;

/**
 * A test's clock for real nodes: {@link System#nanoTime()} that the test can stop, restart without
 * a leap, and leap forward. While it stands, nothing that times out can fire in a node (elections,
 * heartbeats, lease expiry, durability timeouts), whatever the machine's load; frames, appends and
 * acknowledgements still flow. Thread-safe.
 */
final class StoppableClock implements LongSupplier {
  private long offset;
  private long stoppedAt;
  private boolean stopped;

  @Override
  public synchronized long getAsLong() {
    return stopped ? stoppedAt : System.nanoTime() + offset;
  }

  /** Stops the clock at the current time (no-op if stopped). */
  synchronized void stop() {
    if (!stopped) {
      stoppedAt = System.nanoTime() + offset;
      stopped = true;
    }
  }

  /** Lets the clock run on from where it stood, without a leap (no-op if running). */
  synchronized void resume() {
    if (stopped) {
      offset = stoppedAt - System.nanoTime();
      stopped = false;
    }
  }

  /** Moves the clock forward by {@code nanos}, running or stopped: a pause of every node. */
  synchronized void leap(long nanos) {
    offset += nanos;
    stoppedAt += nanos;
  }
}
