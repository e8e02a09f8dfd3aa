package io.tidaldb.transport.inprocess;

import static org.awaitility.Awaitility.await;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.core.ConditionFactory;

/**
 * A test handler that records every frame it receives (a copy, as the SPI requires), the thread it
 * ran on, and the most handler calls it saw running at once.
 */
class Inbox implements FrameHandler {
  /** How long tests wait for a condition. */
  static final Duration PATIENCE = Duration.ofSeconds(5);

  /** One received frame. */
  record Received(RegionId from, byte[] bytes, Thread thread, boolean readOnly) {
    String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  private final List<Received> received = new ArrayList<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();

  @Override
  public void onFrame(RegionId from, ByteBuffer frame) {
    int now = running.incrementAndGet();
    maxRunning.accumulateAndGet(now, Math::max);
    try {
      byte[] copy = new byte[frame.remaining()];
      frame.get(copy);
      synchronized (received) {
        received.add(new Received(from, copy, Thread.currentThread(), frame.isReadOnly()));
      }
      onReceived(from, copy);
    } finally {
      running.decrementAndGet();
    }
  }

  /**
   * Called after a frame is recorded, on the transport thread; tests override it to block, throw or
   * reply.
   *
   * @param from the sender
   * @param bytes the frame's bytes
   */
  void onReceived(RegionId from, byte[] bytes) {}

  List<Received> received() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  List<String> texts() {
    return received().stream().map(Received::text).toList();
  }

  int count() {
    synchronized (received) {
      return received.size();
    }
  }

  int maxConcurrentCalls() {
    return maxRunning.get();
  }

  /**
   * Starts a wait for a condition: checked at once, then every few milliseconds (Awaitility's
   * default first delay of 100 ms would dominate these tests), for at most {@link #PATIENCE}.
   */
  static ConditionFactory waiting() {
    return await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
  }

  /** Waits until at least {@code n} frames were received, and returns their texts. */
  List<String> texts(int n) {
    return awaitCount(n).stream().map(Received::text).toList();
  }

  /** Waits until at least {@code n} frames were received, and returns them. */
  List<Received> awaitCount(int n) {
    waiting().until(() -> count() >= n);
    return received();
  }

  /**
   * Returns an inbox whose handler, on its first frame, counts {@code entered} down and then waits
   * (at most 5 s) for {@code release}: the receiver is stuck while the test fills its queues.
   */
  static Inbox blockingOnFirstFrame(CountDownLatch entered, CountDownLatch release) {
    return new Inbox() {
      private boolean first = true;

      @Override
      void onReceived(RegionId from, byte[] bytes) {
        if (first) {
          first = false;
          entered.countDown();
          try {
            release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    };
  }

  /** Returns a heap buffer holding the UTF-8 bytes of a text. */
  static ByteBuffer frame(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Returns a seed from {@code -Dtidal.seed} or the clock, and prints it for a rerun. */
  static long seed(String test) {
    String given = System.getProperty("tidal.seed");
    long seed = given != null ? Long.parseLong(given) : System.nanoTime();
    System.out.println(test + ": seed " + seed + " (rerun with -Dtidal.seed=" + seed + ")");
    return seed;
  }
}
