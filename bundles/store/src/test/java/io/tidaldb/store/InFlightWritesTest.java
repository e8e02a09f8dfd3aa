package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * random adds, removals and sweeps (seqs in and out of order, so lookups both skip the walk by the
 * session's bound and walk the ring; compaction across the ring's end, growth), forgets everything
 * on a clear, and stays near what is in flight.
 */
class InFlightWritesTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final TenantId GLOBEX = TenantId.of("globex");

  private record Key(TenantId tenant, long session, long seq) {}

  /** The model's entry: its epoch and ticket. */
  private record Entry(long epoch, long ticket) {}

  @Test
  void shouldAgreeWithAMapModelUnderRandomAddsRemovalsAndSweeps() {
    long seed = Long.getLong("inflight.seed", new SplittableRandom().nextLong());
    System.out.println("InFlightWritesTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    InFlightWrites map = new InFlightWrites();
    Map<Key, Entry> model = new HashMap<>();
    List<Key> keys = new ArrayList<>();
    long position = 0;
    for (int step = 0; step < 200_000; step++) {
      int op = random.nextInt(10);
      if (op < 6 || keys.isEmpty()) {
        Key k =
            new Key(random.nextBoolean() ? ACME : GLOBEX, random.nextInt(8), random.nextInt(512));
        assertEquals(
            model.containsKey(k),
            map.find(k.tenant(), k.session(), k.seq()) >= 0,
            k + " at step " + step + ", seed " + seed);
        if (!model.containsKey(k)) {
          long epoch = random.nextInt(2);
          long ticket = SignalTickets.ticket(0, position++);
          map.add(k.tenant(), k.session(), k.seq(), (int) k.seq(), epoch, ticket, 7);
          model.put(k, new Entry(epoch, ticket));
          keys.add(k);
        }
      } else {
        Key k = keys.get(random.nextInt(keys.size()));
        if (!model.containsKey(k)) {
          keys.remove(k);
          continue;
        }
        if (op < 8) {
          map.removeAt(map.find(k.tenant(), k.session(), k.seq()));
          model.remove(k);
          keys.remove(k);
        } else {
          long epoch = random.nextInt(2);
          long appliedBelow = position - random.nextInt(64);
          map.sweep(epoch, appliedBelow);
          model
              .values()
              .removeIf(
                  x -> x.epoch() != epoch || SignalTickets.position(x.ticket()) < appliedBelow);
          keys.retainAll(model.keySet());
        }
      }
      assertEquals(model.size(), map.size(), "size at step " + step + ", seed " + seed);
    }
    for (Map.Entry<Key, Entry> me : model.entrySet()) {
      Key k = me.getKey();
      int slot = map.find(k.tenant(), k.session(), k.seq());
      assertTrue(slot >= 0, k + " lost, seed " + seed);
      assertEquals(me.getValue().ticket(), map.ticket(slot), k + ", seed " + seed);
      assertEquals(me.getValue().epoch(), map.epoch(slot), k + ", seed " + seed);
      assertEquals(7, map.hlc(slot), k + ", seed " + seed);
      assertEquals((int) k.seq(), map.payloadHash(slot), k + ", seed " + seed);
    }
  }

  @Test
  void shouldForgetEverythingOnClear() {
    InFlightWrites map = new InFlightWrites();
    map.add(ACME, 1, 5, 55, 3, SignalTickets.ticket(0, 8), 7);
    map.clear();
    assertEquals(-1, map.find(ACME, 1, 5));
    assertEquals(0, map.size());
    map.add(ACME, 1, 5, 55, 4, SignalTickets.ticket(0, 9), 9); // a later attempt, after the cut
    assertEquals(SignalTickets.ticket(0, 9), map.ticket(map.find(ACME, 1, 5)));
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
        map.add(ACME, 9, seq, 0, 3, SignalTickets.ticket(0, seq), 7);
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
