package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadQuantumTest {
  private static final ReadQuantum.Logs NO_SHARDS = ReadQuantum.of(new ShardState[0]);
  private static final Runnable FAIL =
      () -> {
        throw new AssertionError("parked with no stalled commit");
      };

  /** Two shards' logs whose bounds the test sets. */
  private static final class Logs implements ReadQuantum.Logs {
    final long[] next = new long[2];
    final long[] durable = new long[2];

    @Override
    public int count() {
      return 2;
    }

    @Override
    public long next(int shard) {
      return next[shard];
    }

    @Override
    public long durable(int shard) {
      return durable[shard];
    }
  }

  @Test
  void shouldParkOnlyWhenACommitMadeNoProgressForAWholeQuantum() {
    AtomicLong clock = new AtomicLong();
    AtomicInteger yields = new AtomicInteger();
    AtomicInteger parks = new AtomicInteger();
    Logs logs = new Logs();
    ReadQuantum quantum =
        new ReadQuantum(100, clock::get, logs, yields::incrementAndGet, parks::incrementAndGet);
    clock.addAndGet(100);
    quantum.spent(); // nothing waits
    assertEquals(1, yields.get());
    logs.next[1] = 5; // shard 1: appends 0..4 wait, durable 0
    clock.addAndGet(100);
    quantum.spent(); // first seen waiting: the commit may be running, so yield
    assertEquals(2, yields.get());
    assertEquals(0, parks.get());
    clock.addAndGet(100);
    quantum.spent(); // still waiting at the same bound a quantum later: stalled, park
    assertEquals(1, parks.get());
    logs.durable[1] = 3;
    clock.addAndGet(100);
    quantum.spent(); // progress (3 of 5 durable): yield
    assertEquals(3, yields.get());
    assertEquals(1, parks.get());
    logs.durable[1] = 5;
    logs.next[0] = 1; // shard 0 now waits; shard 1 is durable
    clock.addAndGet(100);
    quantum.spent();
    logs.next[0] = 9; // more appends, the bound still 0: no progress
    clock.addAndGet(100);
    quantum.spent();
    assertEquals(2, parks.get());
    logs.durable[0] = 9;
    logs.next[1] = 6; // shard 1 waits again at 5, which it saw durable (not pending) last time
    clock.addAndGet(100);
    quantum.spent();
    assertEquals(2, parks.get(), "a bound seen durable before is not a stall");
    clock.addAndGet(50);
    quantum.spent(); // inside the quantum: nothing
    assertEquals(5, yields.get());
  }

  @Test
  void shouldYieldOncePerQuantumOfReadingOnEachThread() throws InterruptedException {
    AtomicLong clock = new AtomicLong(1_000);
    AtomicInteger yields = new AtomicInteger();
    ReadQuantum quantum =
        new ReadQuantum(100, clock::get, NO_SHARDS, yields::incrementAndGet, FAIL);
    for (int i = 0; i < 9; i++) {
      clock.addAndGet(10); // nine reads of 10 ns: 90 ns, inside the quantum
      quantum.spent();
    }
    assertEquals(0, yields.get());
    clock.addAndGet(10);
    quantum.spent(); // 100 ns
    assertEquals(1, yields.get());
    clock.addAndGet(99);
    quantum.spent(); // the quantum restarts at the yield
    assertEquals(1, yields.get());
    Thread other = new Thread(quantum::spent); // another thread keeps its own quantum
    other.start();
    other.join();
    assertEquals(2, yields.get(), "the other thread's quantum started when the store did");
    clock.addAndGet(1);
    quantum.spent();
    assertEquals(3, yields.get());
  }

  @Test
  void shouldNeverYieldWhenTheQuantumIsZero() {
    AtomicLong clock = new AtomicLong();
    AtomicInteger yields = new AtomicInteger();
    ReadQuantum quantum = new ReadQuantum(0, clock::get, NO_SHARDS, yields::incrementAndGet, FAIL);
    for (int i = 0; i < 100; i++) {
      clock.addAndGet(1_000_000);
      quantum.spent();
    }
    assertEquals(0, yields.get());
  }
}
