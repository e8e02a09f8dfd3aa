package io.tidaldb.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconnect back-off doubles, caps, jitters within bounds and resets after a stable link. */
class ReconnectBackoffTest {
  private static final long MS = 1_000_000L;

  @Test
  void shouldDoubleUpToTheCapWithinTheJitter() {
    long seed = 42;
    ReconnectBackoff b = new ReconnectBackoff(50 * MS, 2_000 * MS, 1_000 * MS, seed);
    long[] bases = {50, 100, 200, 400, 800, 1600, 2000, 2000, 2000};
    long now = 0;
    for (long base : bases) {
      long wait = b.failed(now);
      long lo = base * MS * 80 / 100;
      long hi = Math.min(2_000 * MS, base * MS * 120 / 100);
      assertTrue(wait >= lo && wait <= hi, "seed " + seed + ": wait " + wait + " for base " + base);
      now += wait;
    }
    assertEquals(bases.length, b.failures());
  }

  @Test
  void shouldStartOverOnlyAfterALinkStayedUpLongEnough() {
    ReconnectBackoff b = new ReconnectBackoff(100 * MS, 10_000 * MS, 1_000 * MS, 7);
    long now = 0;
    for (int i = 0; i < 4; i++) {
      now += b.failed(now); // 100, 200, 400, 800
    }
    b.up(now);
    long wait = b.failed(now + 500 * MS); // up for only 500 ms: keeps growing (1600)
    assertTrue(wait >= 1_280 * MS, "wait " + wait);
    now += 500 * MS + wait;
    b.up(now);
    wait = b.failed(now + 1_000 * MS); // up for 1 s: starts over at 100
    assertTrue(wait >= 80 * MS && wait <= 120 * MS, "wait " + wait);
    assertEquals(1, b.failures());
  }

  @Test
  void shouldReplayTheSameWaitsForTheSameSeed() {
    assertEquals(waits(99), waits(99));
    assertTrue(!waits(99).equals(waits(100)), "different seeds should jitter differently");
  }

  private static List<Long> waits(long seed) {
    ReconnectBackoff b = new ReconnectBackoff(50 * MS, 2_000 * MS, 1_000 * MS, seed);
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      out.add(b.failed(i * MS));
    }
    return out;
  }
}
