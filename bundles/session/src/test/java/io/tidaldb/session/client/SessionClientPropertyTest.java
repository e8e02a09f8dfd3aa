package io.tidaldb.session.client;

import io.tidaldb.api.Durability;
import io.tidaldb.session.client.FakeSessionStore.Fault;
import io.tidaldb.session.client.FakeSessionStore.Step;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Laws of the retrying client over random failure schedules (the n-th store call takes the n-th
 * step; calls past the schedule succeed at once): see {@link ClientHarness} for what is checked
 * after every run and between its steps. jqwik prints the seed and the shrunk schedule of a
 * failure.
 */
class SessionClientPropertyTest {
  private static final RetryPolicy POLICY =
      new RetryPolicy(
          4,
          Duration.ofMillis(10),
          Duration.ofMillis(80),
          Duration.ofMillis(150),
          Duration.ofSeconds(2));

  /** One write at a time: each ends before the next begins. */
  @Property(tries = 300)
  void sequentialWritesShouldEndAsTheStoresHoldThem(
      @ForAll("schedules") List<Step> schedule,
      @ForAll @IntRange(min = 1, max = 3) int stores,
      @ForAll Durability durability,
      @ForAll @IntRange(min = 1, max = 25) int writes,
      @ForAll @IntRange(min = 1, max = 5) int attempts) {
    run(schedule, stores, durability, writes, 1, attempts, false);
  }

  /** Pipelined writes that settle in any order. */
  @Property(tries = 300)
  void pipelinedWritesShouldSettleCorrectly(
      @ForAll("schedules") List<Step> schedule,
      @ForAll @IntRange(min = 1, max = 3) int stores,
      @ForAll Durability durability,
      @ForAll @IntRange(min = 1, max = 40) int writes,
      @ForAll @IntRange(min = 2, max = 16) int depth,
      @ForAll @IntRange(min = 1, max = 5) int attempts,
      @ForAll boolean coalescing) {
    run(schedule, stores, durability, writes, depth, attempts, coalescing);
  }

  private static void run(
      List<Step> schedule,
      int stores,
      Durability durability,
      int writes,
      int depth,
      int attempts,
      boolean coalescing) {
    Iterator<Step> steps = schedule.iterator();
    ClientHarness h =
        new ClientHarness(
            stores,
            POLICY.withMaxAttempts(attempts),
            () -> steps.hasNext() ? steps.next() : Step.OK,
            "stores "
                + stores
                + " attempts "
                + attempts
                + " "
                + durability
                + " depth "
                + depth
                + (coalescing ? " coalescing" : "")
                + ": seq",
            coalescing);
    h.run(writes, depth, durability);
    h.check();
  }

  @Provide
  Arbitrary<List<Step>> schedules() {
    Arbitrary<Fault> faults =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.just(Fault.NONE)),
            net.jqwik.api.Tuple.of(2, Arbitraries.of(Fault.class)));
    Arbitrary<Long> delays =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(2, Arbitraries.just(0L)),
            net.jqwik.api.Tuple.of(3, Arbitraries.longs().between(1, 250)));
    return Combinators.combine(faults, delays).as(Step::new).list().ofMaxSize(120);
  }
}
