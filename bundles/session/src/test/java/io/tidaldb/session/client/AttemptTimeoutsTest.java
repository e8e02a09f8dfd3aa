package io.tidaldb.session.client;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AttemptTimeoutsTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final AttemptTimeouts timeouts = new AttemptTimeouts(scheduler);
  private final List<String> fired = new ArrayList<>();
  private final long t0 = scheduler.nanoTime();

  private Runnable record(String name) {
    return () -> fired.add(name + "@" + (scheduler.nanoTime() - t0));
  }

  @Test
  void shouldFireEachTimeoutAtItsOwnDueTimeInDueOrder() {
    timeouts.start(1, t0 + 100, record("a"));
    timeouts.start(2, t0 + 300, record("b"));
    timeouts.start(3, t0 + 200, record("c")); // due before b, after the sweep armed for a
    scheduler.runUntilIdle();
    assertEquals(List.of("a@100", "c@200", "b@300"), fired);
    assertEquals(0, timeouts.live());
  }

  @Test
  void shouldFireAnEntryDueBeforeTheArmedSweepAtItsOwnTime() {
    timeouts.start(1, t0 + 1_000, record("late"));
    timeouts.start(2, t0 + 10, record("early")); // arms a sweep of its own
    scheduler.runUntilIdle();
    assertEquals(List.of("early@10", "late@1000"), fired);
  }

  @Test
  void shouldNotFireAnEndedTimeout() {
    AttemptTimeouts.Entry a = timeouts.start(1, t0 + 100, record("a"));
    timeouts.start(2, t0 + 200, record("b"));
    timeouts.end(1, a);
    scheduler.runUntilIdle();
    assertEquals(List.of("b@200"), fired);
    assertEquals(0, timeouts.live());
  }

  @Test
  void shouldFireOnlyTheCurrentAttemptOfASeq() {
    AttemptTimeouts.Entry first = timeouts.start(7, t0 + 100, record("first"));
    timeouts.end(7, first);
    timeouts.start(7, t0 + 250, record("retry"));
    timeouts.end(7, first); // a late end of the first attempt leaves the retry's timeout
    scheduler.runUntilIdle();
    assertEquals(List.of("retry@250"), fired);
  }

  @Test
  void shouldStartATimeoutWhileASweepRunsAndFireIt() {
    timeouts.start(
        1,
        t0 + 100,
        () -> {
          fired.add("a@" + (scheduler.nanoTime() - t0));
          timeouts.start(2, scheduler.nanoTime() + 50, record("b")); // a retry's next timeout
        });
    scheduler.runUntilIdle();
    assertEquals(List.of("a@100", "b@150"), fired);
  }

  @Test
  void shouldKeepALaterSeqsTimeoutWhenAnEndedWritesAttemptStartsLate() {
    // seq 3's write ended (a late answer of its first attempt) while its retry was starting, and
    // seq 3 + MAX_IN_FLIGHT, which shares the slot, started its attempt meanwhile
    long later = 3 + Session.MAX_IN_FLIGHT;
    timeouts.start(later, t0 + 200, record("later"));
    AttemptTimeouts.Entry stale = timeouts.start(3, t0 + 100, record("stale"));
    timeouts.end(3, stale); // the retry finds its write done
    scheduler.runUntilIdle();
    assertEquals(List.of("later@200"), fired);
  }

  @Test
  void shouldLeaveTimeoutsUnfiredWhenTheSchedulerRefusesASweep() {
    AttemptTimeouts closed =
        new AttemptTimeouts(
            new RetryScheduler() {
              @Override
              public long nanoTime() {
                return 0;
              }

              @Override
              public Cancellable schedule(long delayNanos, Runnable task) {
                throw new IllegalStateException("shut down");
              }
            });
    assertDoesNotThrow(() -> closed.start(1, 100, record("a")));
    assertEquals(List.of(), fired);
  }
}
