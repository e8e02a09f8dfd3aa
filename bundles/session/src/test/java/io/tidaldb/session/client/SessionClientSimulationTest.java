package io.tidaldb.session.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.session.client.FakeSessionStore.Fault;
import io.tidaldb.session.client.FakeSessionStore.Step;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A seeded simulation of one session writing through 1 to 4 regions whose calls fail at random: per
 * seed a fault mix, reply delays, a pipeline depth, a durability and a retry policy, then the
 * checks of {@link ClientHarness}. Seeds 1 to {@code tidal.session.sim.seeds} (default 200); one
 * seed alone with {@code -Dtidal.session.sim.seed=N}. A failure names its seed.
 */
class SessionClientSimulationTest {
  private static final Fault[] FAULTS = Fault.values();

  @Test
  void everySeedShouldKeepTheClientsPromises() {
    String one = System.getProperty("tidal.session.sim.seed");
    long first = one == null ? 1 : Long.parseLong(one);
    long last = one == null ? Long.getLong("tidal.session.sim.seeds", 200) : first;
    Map<String, Integer> seen = new TreeMap<>();
    for (long seed = first; seed <= last; seed++) {
      try {
        simulate(seed).forEach((k, v) -> seen.merge(k, v, Integer::sum));
      } catch (AssertionError | RuntimeException e) {
        throw new AssertionError(
            "seed " + seed + " failed (rerun with -Dtidal.session.sim.seed=" + seed + "): " + e, e);
      }
    }
    System.out.println("SessionClientSimulationTest seeds " + first + "-" + last + ": " + seen);
    if (one == null) {
      // The workload must reach every outcome, else the checks above prove little.
      for (String k :
          new String[] {
            "acknowledged",
            "refused",
            "not stored",
            "unknown, stored",
            "unknown, not stored",
            "late acks",
            "retries",
            "coalesced"
          }) {
        assertTrue(seen.getOrDefault(k, 0) > 0, k + " never happened: " + seen);
      }
    }
  }

  static Map<String, Integer> simulate(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int stores = 1 + random.nextInt(4);
    Durability durability = Durability.values()[random.nextInt(3)];
    int faultPercent = random.nextInt(60);
    double[] weights = new double[FAULTS.length];
    for (int i = 1; i < FAULTS.length; i++) {
      weights[i] = random.nextDouble();
    }
    long maxDelay = 1 + random.nextInt(400);
    RetryPolicy policy =
        new RetryPolicy(
            1 + random.nextInt(6),
            Duration.ofMillis(random.nextInt(50)),
            Duration.ofMillis(50 + random.nextInt(500)),
            Duration.ofMillis(20 + random.nextInt(300)),
            Duration.ofMillis(200 + random.nextInt(3_000)));
    int writes = 20 + random.nextInt(300);
    int depth = random.nextInt(3) == 0 ? 1 : 1 + random.nextInt(64);
    SplittableRandom faults = random.split();
    boolean coalescing = random.nextBoolean();
    ClientHarness h =
        new ClientHarness(
            stores,
            policy,
            () -> step(faults, faultPercent, weights, maxDelay),
            "seed " + seed + (coalescing ? " coalescing" : "") + ": seq",
            coalescing);
    h.run(writes, depth, durability);
    return h.check();
  }

  private static Step step(SplittableRandom r, int faultPercent, double[] weights, long maxDelay) {
    long delay = r.nextInt(3) == 0 ? 0 : 1 + r.nextLong(maxDelay);
    if (r.nextInt(100) >= faultPercent) {
      return new Step(Fault.NONE, delay);
    }
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double x = r.nextDouble() * total;
    for (int i = 1; i < FAULTS.length; i++) {
      x -= weights[i];
      if (x <= 0) {
        return new Step(FAULTS[i], delay);
      }
    }
    return new Step(FAULTS[FAULTS.length - 1], delay);
  }
}
