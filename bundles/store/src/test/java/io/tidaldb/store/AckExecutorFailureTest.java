package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A completion that throws on an acknowledgement thread ends that thread: before, its death went
 * only to the JVM's default handler on stderr, uncounted; now it is counted and logged once per
 * cause, and the completions after it still run on a new thread.
 */
class AckExecutorFailureTest {
  @Test
  void shouldCountAThreadThatDiesAndKeepCompleting() throws Exception {
    try (AckExecutor acks = new AckExecutor(RegionId.of(3))) {
      for (int i = 0; i < 5; i++) {
        acks.execute(
            () -> {
              throw new AssertionError("injected");
            });
      }
      CompletableFuture<String> after = new CompletableFuture<>();
      acks.execute(() -> after.complete(Thread.currentThread().getName()));
      String thread = after.get(10, TimeUnit.SECONDS);
      assertTrue(thread.startsWith("tidal-ack-region-3-"), thread);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (acks.threadDeaths() < 5 && System.nanoTime() - deadline < 0) {
        Thread.onSpinWait(); // the handler runs as each dying thread exits
      }
      assertEquals(5, acks.threadDeaths());
    }
  }
}
