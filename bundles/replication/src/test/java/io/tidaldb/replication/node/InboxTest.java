package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The bounded handoff from producer threads to the replication thread. */
class InboxTest {
  private record Event(int producer, int seq) {}

  @Test
  void shouldRefuseAnOfferWhenFullAndTakeOneAgainOnceDrained() {
    Inbox<Integer> inbox = new Inbox<>(3);
    assertTrue(inbox.offer(1));
    assertTrue(inbox.offer(2));
    assertTrue(inbox.offer(3));
    assertFalse(inbox.offer(4), "full: refused, not waited for");
    List<Integer> seen = new ArrayList<>();
    assertEquals(2, inbox.drain(seen::add, 2));
    assertEquals(List.of(1, 2), seen);
    assertTrue(inbox.offer(5));
    assertEquals(2, inbox.drain(seen::add, 10));
    assertEquals(List.of(1, 2, 3, 5), seen);
    assertEquals(0, inbox.size());
  }

  @Test
  void shouldHandEachProducersEventsOverInTheOrderItOfferedThem() throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    int producers = 4;
    int perProducer = 20_000;
    Inbox<Event> inbox = new Inbox<>(64 + random.nextInt(256));
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long[] refused = new long[producers];
    for (int p = 0; p < producers; p++) {
      int producer = p;
      Thread t =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perProducer; ) {
                  if (inbox.offer(new Event(producer, i))) {
                    i++;
                  } else {
                    refused[producer]++;
                    Thread.onSpinWait();
                  }
                }
              },
              "producer-" + p);
      t.start();
      threads.add(t);
    }
    int[] next = new int[producers];
    int total = producers * perProducer;
    int drained = 0;
    start.countDown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (drained < total && System.nanoTime() < deadline) {
      drained +=
          inbox.drain(
              e -> {
                assertEquals(
                    next[e.producer()], e.seq(), "producer " + e.producer() + ", seed " + seed);
                next[e.producer()]++;
              },
              1 + random.nextInt(1024));
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(10));
    }
    assertEquals(total, drained, "seed " + seed);
  }
}
