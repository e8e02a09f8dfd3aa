package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ReadQuantumTest {
  @Test
  void shouldYieldOncePerQuantumOfReadingOnEachThread() throws InterruptedException {
    AtomicLong clock = new AtomicLong(1_000);
    AtomicInteger yields = new AtomicInteger();
    ReadQuantum quantum = new ReadQuantum(100, clock::get, yields::incrementAndGet);
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
    ReadQuantum quantum = new ReadQuantum(0, clock::get, yields::incrementAndGet);
    for (int i = 0; i < 100; i++) {
      clock.addAndGet(1_000_000);
      quantum.spent();
    }
    assertEquals(0, yields.get());
  }
}
