package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/**
 * The table against its reference model ({@link ModelTable}) under seeded random operations as a
 * leader and its log produce them: checks (compared decision by decision), applies of checked
 * writes and of unchecked records (another leader's), replays of old positions, advances, expiry
 * and tombstones, with small limits so every refusal happens. After every operation the whole table
 * (list order, windows, clock) equals the model's; {@link SessionTable#checkAboveHighest}, the
 * leader's check without the lock, answers NEW only where the check does, and null otherwise.
 */
class SessionTableModelTest {
  private static final SessionConfig SMALL = new SessionConfig(1_000, 3, 50, 4);

  @Property(tries = 200, seed = "12001")
  void tableShouldMatchTheModel(@ForAll long seed) {
    System.out.println("SessionTableModelTest seed " + seed);
    run(seed, new TreeMap<>());
  }

  /**
   * Proves the workload reaches every answer, expiry and tombstone removal (else the model test is
   * weak).
   */
  @Test
  void workloadShouldReachEveryDecisionAndExpiry() {
    Map<String, Integer> seen = new TreeMap<>();
    for (long seed = 1; seed <= 40; seed++) {
      run(seed, seen);
    }
    System.out.println("SessionTableModelTest decisions over seeds 1-40: " + seen);
    for (Refusal r : Refusal.values()) {
      assertTrue(seen.getOrDefault("REFUSED " + r, 0) > 0, r + " never happened: " + seen);
    }
    for (String k :
        List.of(
            "NEW",
            "NEW without the lock",
            "DUPLICATE",
            "expired",
            "tombstone removed",
            "revived")) {
      assertTrue(seen.getOrDefault(k, 0) > 0, k + " never happened: " + seen);
    }
  }

  private static void run(long seed, Map<String, Integer> seen) {
    SessionConfig config = seed % 3 == 0 ? SessionConfig.DEFAULTS.withTtlMillis(1_000) : SMALL;
    Workload load = new Workload(seed, config.ttlMillis());
    SplittableRandom random = load.random();
    SessionTable table = new SessionTable(config);
    ModelTable model = new ModelTable(config);
    List<Workload.Write> applied = new ArrayList<>();
    for (int step = 0; step < 600; step++) {
      String where = "seed " + seed + " step " + step;
      int r = random.nextInt(20);
      if (r == 0) {
        long p = load.nextPosition();
        long hlc = load.hlc();
        table.advance(p, hlc);
        model.advance(p, hlc);
      } else if (r == 1 && !applied.isEmpty()) { // a replayed record: ignored
        Workload.Write w = applied.get(random.nextInt(applied.size()));
        assertEquals(false, apply(table, w), where);
        assertEquals(false, apply(model, w), where);
      } else {
        Workload.Write w = load.nextWrite();
        Decision d = table.check(w.tenant(), w.session(), w.seq(), w.ackedBelow(), w.hash());
        String expected = model.check(w.tenant(), w.session(), w.seq(), w.ackedBelow(), w.hash());
        assertEquals(expected, render(d), where + " check " + w);
        Decision fast = table.checkAboveHighest(w.tenant(), w.session(), w.seq(), w.ackedBelow());
        if (fast != null) { // the lock-free check answers only NEW, and only where check does
          assertEquals("NEW", expected, where + " checkAboveHighest " + w);
          assertSame(Decision.NEW, fast, where);
          seen.merge("NEW without the lock", 1, Integer::sum);
        }
        seen.merge(expected.startsWith("DUPLICATE") ? "DUPLICATE" : expected, 1, Integer::sum);
        boolean wasTomb = model.tombstones.containsKey(new ModelTable.Key(w.tenant(), w.session()));
        int tombs = model.tombstones.size();
        int lives = model.live.size();
        if (d.kind() == Decision.Kind.NEW || r == 2) { // r == 2: an unchecked record
          Workload.Write p = load.positioned(w);
          assertEquals(apply(model, p), apply(table, p), where + " apply " + p);
          applied.add(p);
          if (wasTomb) {
            seen.merge("revived", 1, Integer::sum);
          }
        }
        count(seen, lives, tombs, model);
      }
      assertEquals(model.dump(), ModelTable.dump(table), where);
      assertEquals(model.live.size(), table.liveSessions(), where);
      assertEquals(model.tombstones.size(), table.tombstones(), where);
      for (var tenant : Workload.TENANTS) {
        long live = model.live.keySet().stream().filter(k -> k.tenant().equals(tenant)).count();
        assertEquals(live, table.liveSessions(tenant), where + " " + tenant);
      }
    }
  }

  private static void count(Map<String, Integer> seen, int lives, int tombs, ModelTable model) {
    if (model.tombstones.size() > tombs) {
      seen.merge("expired", 1, Integer::sum);
    }
    if (model.tombstones.size() + model.live.size() < lives + tombs) {
      seen.merge("tombstone removed", 1, Integer::sum);
    }
  }

  private static String render(Decision d) {
    return switch (d.kind()) {
      case NEW -> "NEW";
      case DUPLICATE -> "DUPLICATE " + d.position() + " hlc " + d.hlc();
      case REFUSED -> "REFUSED " + d.refusal();
    };
  }

  private static boolean apply(SessionTable t, Workload.Write w) {
    return t.apply(
        w.tenant(), w.session(), w.seq(), w.ackedBelow(), w.hash(), w.position(), w.hlc());
  }

  private static boolean apply(ModelTable t, Workload.Write w) {
    return t.apply(
        w.tenant(), w.session(), w.seq(), w.ackedBelow(), w.hash(), w.position(), w.hlc());
  }
}
