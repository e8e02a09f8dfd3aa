package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Per-link FIFO under concurrency: several regions, each with several sending threads, flood one
 * receiver through small queues (so back-pressure and retries happen all the time); every stream
 * (one sending thread) must arrive whole, in order, with nothing lost or repeated, and the handler
 * must never run twice at once.
 */
class OrderingTest {
  private static final int SENDER_REGIONS = 3;
  private static final int THREADS_PER_REGION = 2;
  private static final int FRAMES_PER_STREAM = 2_000;
  private static final RegionId RECEIVER = RegionId.of(0);

  @Test
  void shouldDeliverEachSendersFramesInOrderUnderConcurrentSenders() throws Exception {
    long seed = Inbox.seed("shouldDeliverEachSendersFramesInOrderUnderConcurrentSenders");
    int streams = SENDER_REGIONS * THREADS_PER_REGION;
    Checker checker = new Checker(streams);
    ExecutorService pool = Executors.newFixedThreadPool(streams);
    try (InProcessTransport transport =
        new InProcessTransport(new InProcessConfig(1024, 8, 4096))) {
      transport.open(RECEIVER, checker);
      List<Future<Integer>> retries = new ArrayList<>();
      for (int r = 1; r <= SENDER_REGIONS; r++) {
        TransportEndpoint sender = transport.open(RegionId.of(r), (from, f) -> {});
        for (int t = 0; t < THREADS_PER_REGION; t++) {
          int stream = (r - 1) * THREADS_PER_REGION + t;
          retries.add(pool.submit(() -> sendStream(sender, stream, new Random(seed + stream))));
        }
      }
      int backPressured = 0;
      for (Future<Integer> f : retries) {
        backPressured += get(f);
      }
      Inbox.waiting().until(() -> checker.total.get() == streams * FRAMES_PER_STREAM);
      assertEquals(List.of(), checker.violations(), "seed " + seed);
      assertEquals(1, checker.maxRunning.get(), "handler calls overlapped; seed " + seed);
      assertEquals(backPressured, transport.metrics().backPressured(), "seed " + seed);
      assertEquals(streams * FRAMES_PER_STREAM, transport.metrics().sent(), "seed " + seed);
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Sends one stream, retrying on back-pressure; returns how many sends were back-pressured. */
  private static int sendStream(TransportEndpoint sender, int stream, Random random) {
    ByteBuffer buffer = ByteBuffer.allocate(1024);
    int backPressured = 0;
    for (int seq = 0; seq < FRAMES_PER_STREAM; seq++) {
      int padding = random.nextInt(1024 - 8 + 1);
      buffer.clear().putInt(stream).putInt(seq);
      for (int i = 0; i < padding; i++) {
        buffer.put((byte) (seq + i));
      }
      buffer.flip();
      SendStatus status;
      while ((status = sender.send(RECEIVER, buffer)) == SendStatus.BACK_PRESSURED) {
        backPressured++;
        Thread.yield();
      }
      if (status != SendStatus.SENT) {
        throw new AssertionError("stream " + stream + " seq " + seq + ": " + status);
      }
    }
    return backPressured;
  }

  private static int get(Future<Integer> f) throws InterruptedException {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a sender failed", e);
    }
  }

  /** Checks every frame against the next expected sequence number of its stream. */
  private static final class Checker implements FrameHandler {
    final AtomicInteger total = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final int[] expected;
    private final List<String> violations = new ArrayList<>();

    Checker(int streams) {
      this.expected = new int[streams];
    }

    @Override
    public void onFrame(RegionId from, ByteBuffer frame) {
      maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      int stream = frame.getInt();
      int seq = frame.getInt();
      if (from.value() != stream / THREADS_PER_REGION + 1) {
        violation("stream " + stream + " came from " + from);
      }
      if (seq != expected[stream]) {
        violation("stream " + stream + ": expected " + expected[stream] + ", got " + seq);
      }
      expected[stream] = seq + 1;
      for (int i = 0; frame.hasRemaining(); i++) {
        if (frame.get() != (byte) (seq + i)) {
          violation("stream " + stream + " seq " + seq + ": corrupt byte " + i);
          break;
        }
      }
      running.decrementAndGet();
      total.incrementAndGet();
    }

    private void violation(String what) {
      synchronized (violations) {
        if (violations.size() < 10) {
          violations.add(what);
        }
      }
    }

    List<String> violations() {
      synchronized (violations) {
        return List.copyOf(violations);
      }
    }
  }
}
