package io.tidaldb.support.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/** A thread that dies is counted, logged once per cause, and the component reacts. */
class ThreadDeathsTest {
  private final ErrorCounters errors =
      new ErrorCounters(
          LoggerFactory.getLogger(ThreadDeathsTest.class), "test", Level.ERROR, Long.MAX_VALUE);

  @Test
  void shouldCountLogAndReactWhenAThreadDies() throws Exception {
    CompletableFuture<Throwable> reacted = new CompletableFuture<>();
    ThreadDeaths deaths =
        new ThreadDeaths(
            errors, System::nanoTime, "the test reacts", (t, e) -> reacted.complete(e));
    Error boom = new AssertionError("injected");
    Thread t =
        deaths.daemon(
            "doomed",
            () -> {
              throw boom;
            });
    assertTrue(t.isDaemon());
    t.start();
    assertSame(boom, reacted.get(10, TimeUnit.SECONDS));
    t.join(10_000);
    assertEquals(1, errors.total());
    assertEquals(1, errors.linesLogged());
  }

  @Test
  void shouldNameAndNumberThePoolsThreads() {
    ThreadFactory f = new ThreadDeaths(errors, System::nanoTime, "x", null).factory("pool", true);
    Thread first = f.newThread(() -> {});
    Thread second = f.newThread(() -> {});
    assertEquals("pool-1", first.getName());
    assertEquals("pool-2", second.getName());
    assertTrue(first.getUncaughtExceptionHandler() instanceof ThreadDeaths);
  }
}
