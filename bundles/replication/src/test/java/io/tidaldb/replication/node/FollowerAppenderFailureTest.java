package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.RegionId;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The follower's append thread when appends fail: a RuntimeException on every batch is counted and
 * logged once (before: an ERROR with a stack trace per batch), and an Error that kills the thread
 * reaches the node's reaction (before: the thread died silently and the region went on receiving
 * batches nobody appended, until its queue filled).
 */
class FollowerAppenderFailureTest {
  private static final RegionId SELF = RegionId.of(2);
  private static final RegionId LEADER = RegionId.of(1);
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  /** A shard whose every append throws the given Error, or else the RuntimeException. */
  private static final class FailingShard implements FollowerAppender.Target {
    final AtomicInteger calls = new AtomicInteger();
    final RuntimeException runtime;
    final Error error;

    FailingShard(RuntimeException runtime, Error error) {
      this.runtime = runtime;
      this.error = error;
    }

    @Override
    public int shard() {
      return 3;
    }

    @Override
    public void appendFromLeader(RegionId from, long frameEpoch, ByteBuffer batch) {
      calls.incrementAndGet();
      if (error != null) {
        throw error;
      }
      throw runtime;
    }
  }

  @Test
  void shouldCountEveryFailedAppendAndLogItsCauseOnce() {
    NodeFailures failures = new NodeFailures(SELF, 4, System::nanoTime, (t, e) -> {});
    FailingShard shard = new FailingShard(new IllegalStateException("injected"), null);
    try (FollowerAppender appender = new FollowerAppender(SELF, new DropCounters(SELF), failures)) {
      for (int i = 0; i < 100; i++) {
        appender.offer(shard, LEADER, 7, ByteBuffer.allocate(16));
      }
      await().atMost(DEADLINE).until(() -> failures.total() == 100);
    }
    assertEquals(100, shard.calls.get(), "the thread went on after each failure");
    assertEquals(1, failures.linesLogged());
    assertEquals(0, failures.deaths());
  }

  @Test
  void shouldTellTheNodeWhenTheThreadDies() throws Exception {
    CompletableFuture<Thread> died = new CompletableFuture<>();
    NodeFailures failures = new NodeFailures(SELF, 4, System::nanoTime, (t, e) -> died.complete(t));
    FailingShard shard = new FailingShard(null, new OutOfMemoryError("injected"));
    try (FollowerAppender appender = new FollowerAppender(SELF, new DropCounters(SELF), failures)) {
      appender.offer(shard, LEADER, 7, ByteBuffer.allocate(16));
      Thread thread = died.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
      assertEquals("tidal-follower-" + SELF, thread.getName());
    }
    assertEquals(1, failures.deaths());
    assertEquals(1, failures.linesLogged());
  }
}
