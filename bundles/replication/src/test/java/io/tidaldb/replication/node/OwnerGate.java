package io.tidaldb.replication.node;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Test fixture: holds a node's replication thread (the owner of its shards) inside its clock, so a
 * test can show what other threads do while the owner does nothing: {@link #hold} closes the gate
 * and returns once the thread waits at it, {@link #release} opens it. Only the thread named {@code
 * tidal-replication-*} waits; delivery and store threads read the clock as usual.
 */
final class OwnerGate {
  private volatile CountDownLatch gate = new CountDownLatch(0);
  private volatile CountDownLatch held = new CountDownLatch(0);

  /** Returns {@code time} behind this gate: the node's clock. */
  LongSupplier clock(LongSupplier time) {
    return () -> {
      pass();
      return time.getAsLong();
    };
  }

  /** Holds the replication thread at its next clock reading; returns once it waits there. */
  void hold(Duration deadline) throws InterruptedException {
    held = new CountDownLatch(1);
    gate = new CountDownLatch(1);
    if (!held.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the replication thread was not held within " + deadline);
    }
  }

  /** Lets the replication thread run again. */
  void release() {
    gate.countDown();
  }

  private void pass() {
    CountDownLatch g = gate;
    if (g.getCount() > 0 && Thread.currentThread().getName().startsWith("tidal-replication-")) {
      held.countDown();
      try {
        g.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
