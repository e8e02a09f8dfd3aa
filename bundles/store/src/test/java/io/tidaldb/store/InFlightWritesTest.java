package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The in-flight ring of {@link SessionWrites} agrees with a {@link HashMap} model under seeded
 * random adds, appends, failures, removals and sweeps (seqs in and out of order, so lookups both
 * skip the walk by the session's bound and walk the ring; compaction across the ring's end,
 * growth), keeps a waiting retry's future across a clear, and stays near what is in flight.
 */
class InFlightWritesTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private record Key(TenantId tenant, long session, long seq) {}

  /** The model's entry: its stamp and ticket. */
  private static final class Entry {
    final long stamp;
    final long epoch;
    long ticket = InFlightWrites.APPENDING;

    Entry(long stamp, long epoch) {
      this.stamp = stamp;
      this.epoch = epoch;
    }
  }

  @Test
  void shouldAgreeWithAMapModelUnderRandomAddsAppendsRemovalsAndSweeps() {
    long seed = Long.getLong("inflight.seed", new SplittableRandom().nextLong());
    System.out.println("InFlightWritesTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    InFlightWrites map = new InFlightWrites();
    Map<Key, Entry> model = new HashMap<>();
    List<Key> keys = new ArrayList<>();
    long position = 0;
    for (int step = 0; step < 200_000; step++) {
      int op = random.nextInt(10);
      if (op < 5 || keys.isEmpty()) {
        Key k =
            new Key(random.nextBoolean() ? ACME : GLOBEX, random.nextInt(8), random.nextInt(512));
        assertEquals(
            model.containsKey(k),
            map.find(k.tenant(), k.session(), k.seq()) >= 0,
            k + " at step " + step + ", seed " + seed);
        if (!model.containsKey(k)) {
          long epoch = random.nextInt(2);
          long stamp = map.add(k.tenant(), k.session(), k.seq(), (int) k.seq(), epoch);
          model.put(k, new Entry(stamp, epoch));
          keys.add(k);
        }
      } else {
        Key k = keys.get(random.nextInt(keys.size()));
        Entry e = model.get(k);
        if (e == null) {
          keys.remove(k);
          continue;
        }
        if (op < 8 && e.ticket == InFlightWrites.APPENDING) {
          e.ticket = SignalTickets.ticket(0, position++);
          assertNull(
              map.appended(k.tenant(), k.session(), k.seq(), e.stamp, e.ticket, 7), "seed " + seed);
        } else if (op < 9) {
          assertNull(map.failed(k.tenant(), k.session(), k.seq(), e.stamp), "seed " + seed);
          model.remove(k);
          keys.remove(k);
        } else {
          long epoch = random.nextInt(2);
          long appliedBelow = position - random.nextInt(64);
          map.sweep(epoch, appliedBelow);
          model
              .values()
              .removeIf(
                  x ->
                      x.ticket != InFlightWrites.APPENDING
                          && (x.epoch != epoch || SignalTickets.position(x.ticket) < appliedBelow));
          keys.retainAll(model.keySet());
        }
      }
      assertEquals(model.size(), map.size(), "size at step " + step + ", seed " + seed);
    }
    for (Map.Entry<Key, Entry> me : model.entrySet()) {
      Key k = me.getKey();
      int slot = map.find(k.tenant(), k.session(), k.seq());
      assertTrue(slot >= 0, k + " lost, seed " + seed);
      assertEquals(me.getValue().ticket, map.ticket(slot), k + ", seed " + seed);
      assertEquals(me.getValue().epoch, map.epoch(slot), k + ", seed " + seed);
      assertEquals((int) k.seq(), map.payloadHash(slot), k + ", seed " + seed);
    }
  }

  @Test
  void shouldHandTheWaitingRetrysFutureToTheAppendThatReturnsAfterAClear() {
    InFlightWrites map = new InFlightWrites();
    long stamp = map.add(ACME, 1, 5, 55, 3);
    InFlightWrites.Appended waiting = map.waiter(map.find(ACME, 1, 5));
    map.clear();
    assertEquals(-1, map.find(ACME, 1, 5));
    long again = map.add(ACME, 1, 5, 55, 4); // a later attempt of the same key, after the cut
    assertNull(map.appended(ACME, 1, 5, again, 99, 9), "nobody waits on the later attempt");
    assertSame(waiting, map.appended(ACME, 1, 5, stamp, 42, 7));
    assertNull(map.appended(ACME, 1, 5, stamp, 42, 7), "handed over once");
    assertEquals(99, map.ticket(map.find(ACME, 1, 5)), "the later attempt's entry is untouched");
  }

  @Test
  void shouldHoldABoundedMultipleOfWhatIsInFlightWhenSweptAsDue() {
    // a writer keeps `window` appends unsettled: each write is appended at once and applied
    // `window` writes later; sweeping when due keeps the map below what is in flight plus twice
    // that (or plus the least period), however large the window
    for (int window : new int[] {1, 16, 256, 1024, 8192}) {
      InFlightWrites map = new InFlightWrites();
      int most = 0;
      for (long seq = 1; seq <= 20_000; seq++) {
        long stamp = map.add(ACME, 9, seq, 0, 3);
        map.appended(ACME, 9, seq, stamp, SignalTickets.ticket(0, seq), 7);
        if (map.sweepDue()) {
          map.sweep(3, Math.max(0, seq - window + 1)); // positions below applied
        }
        most = Math.max(most, map.size());
      }
      int bound = window + Math.max(2 * window, InFlightWrites.MIN_SWEEP_EVERY);
      assertTrue(most <= bound, "window " + window + ": the ring held " + most);
      // the ring holds entries side by side: its capacity is the bound rounded up to a power of
      // two, not twice that (a hash table's load factor), so a write touches few cache lines
      assertTrue(
          map.capacity() <= Integer.highestOneBit(bound) * 2,
          "window " + window + ": capacity " + map.capacity() + " for at most " + bound);
      for (long seq = 20_000 - window + 1; seq <= 20_000; seq++) {
        assertTrue(map.find(ACME, 9, seq) >= 0, "window " + window + ": unsettled seq " + seq);
      }
    }
  }
}
