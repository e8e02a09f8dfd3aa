package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * {@link PendingSessions} against a map model: random adds over few and many entities (so the map
 * sweeps, grows and rehashes), a known commit that rises (sometimes past everything, sometimes not
 * at all for long stretches) and clears; after every step each entity is pending exactly when its
 * highest added position lies at or above the commit.
 */
class PendingSessionsPropertyTest {
  private record Key(int series, long entity) {}

  @Property(tries = 25)
  void shouldAnswerAsTheModelThroughSweepsGrowthAndClears(@ForAll long seed) {
    Random random = new Random(seed);
    PendingSessions p = new PendingSessions();
    Map<Key, Long> model = new HashMap<>();
    long committed = 0;
    long position = 0;
    int entities = 1 + random.nextInt(random.nextBoolean() ? 20 : 5_000);
    for (int step = 0; step < 10_000; step++) {
      int op = random.nextInt(100);
      if (op < 80) {
        Key k = new Key(random.nextInt(3), random.nextInt(entities) * 0x1_0000_0001L);
        position += 1 + random.nextInt(3);
        p.add(k.series(), k.entity(), position);
        if (position >= committed) {
          model.merge(k, position, Math::max);
        }
      } else if (op < 99) {
        long to = committed + random.nextInt(random.nextInt(10) == 0 ? 100_000 : 50);
        p.committed(to);
        p.committed(to - 1 - random.nextInt(10)); // never lowers it
        committed = Math.max(committed, to);
      } else {
        p.clear(position);
        model.clear();
      }
      if (step % 97 == 0 || op >= 99) {
        check(p, model, committed, entities, "seed " + seed + " step " + step);
      }
    }
    check(p, model, committed, entities, "seed " + seed + " at the end");
  }

  private static void check(
      PendingSessions p, Map<Key, Long> model, long committed, int entities, String what) {
    assertEquals(committed, p.committed(), what);
    for (int s = 0; s < 3; s++) {
      for (int e = 0; e < Math.min(entities, 300); e++) {
        Key k = new Key(s, e * 0x1_0000_0001L);
        Long highest = model.get(k);
        assertEquals(
            highest != null && highest >= committed,
            p.pending(k.series(), k.entity()),
            what + ": " + k + " highest " + highest + ", commit " + committed);
      }
    }
  }
}
