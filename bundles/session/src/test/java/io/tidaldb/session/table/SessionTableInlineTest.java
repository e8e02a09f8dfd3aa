package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.TenantId;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Laws of the inline window entry ({@link SessionWindows}): whatever the records, the table equals
 * its model ({@link ModelTable}, which knows nothing of inline entries) after every record, every
 * live window is in the form its contents call for (inline exactly when its one entry is the
 * highest seq and its HLC lies at most 2^32 - 1 below the last HLC), and a table read back from its
 * encoding holds the same forms. Each property aims at one edge: a window of 1, ackedBelow moving
 * past the inline entry, an inline HLC falling far behind the last HLC, tombstones and revivals,
 * growth of the entry pages, the index and the pool.
 */
class SessionTableInlineTest {
  private static final TenantId ACME = TenantId.of("acme");
  private static final long DAY = 24L * 60 * 60 * 1000;

  @Property(tries = 100, seed = "12011")
  void aWindowOfOneShouldMatchTheModel(@ForAll long seed) {
    run(seed, new SessionConfig(DAY, 100, 50, 1), 3, Step.NEAR, 400, new TreeMap<>());
  }

  @Property(tries = 100, seed = "12012")
  void ackedBelowMovingPastTheInlineEntryShouldMatchTheModel(@ForAll long seed) {
    run(seed, new SessionConfig(DAY, 100, 50, 4), 2, Step.NEAR, 400, new TreeMap<>());
  }

  @Property(tries = 100, seed = "12013")
  void anInlineHlcFarBelowTheLastHlcShouldMatchTheModel(@ForAll long seed) {
    run(seed, new SessionConfig(DAY, 100, 50, 4), 2, Step.FAR, 400, new TreeMap<>());
  }

  @Property(tries = 100, seed = "12014")
  void tombstonesAndRevivalsShouldMatchTheModel(@ForAll long seed) {
    run(seed, new SessionConfig(100_000, 100, 50, 3), 4, Step.PAST_TTL, 400, new TreeMap<>());
  }

  @Property(tries = 5, seed = "12015")
  void growthShouldMatchTheModel(
      @ForAll long seed, @ForAll @IntRange(min = 1_100, max = 3_000) int sessions) {
    Map<String, Integer> seen = new TreeMap<>();
    run(
        seed,
        new SessionConfig(200_000, 10_000, 50, 3),
        sessions,
        Step.RARELY_PAST_TTL,
        20 * sessions,
        seen);
    assertTrue(seen.get("most entries") > 1_024, "a second page of entries: " + seen);
    assertTrue(seen.containsKey("tombstone removed"), "removals moved entries: " + seen);
  }

  /** How far each record's HLC moves. */
  enum Step {
    /** A few ms forwards or back: the inline HLC stays within reach of the last HLC. */
    NEAR,
    /** Sometimes minutes forwards: an inline entry falls more than 2^32 below the last HLC. */
    FAR,
    /** Sometimes past the ttl or twice the ttl: sessions expire, tombstones go, records revive. */
    PAST_TTL,
    /** As PAST_TTL, but a jump once in about 5,000 records: many sessions live at once. */
    RARELY_PAST_TTL
  }

  /**
   * Feeds random records of a few sessions (seqs near each session's highest, retries, copies,
   * ackedBelow at the seq, at the highest seq or lagging) and compares after each record; restarts
   * from the encoding now and then.
   */
  private static void run(
      long seed,
      SessionConfig config,
      int sessions,
      Step step,
      int records,
      Map<String, Integer> seen) {
    System.out.println("SessionTableInlineTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed);
    SessionTable table = new SessionTable(config);
    ModelTable model = new ModelTable(config);
    long[] highest = new long[sessions];
    long millis = 1_000_000;
    for (int p = 0; p < records; p++) {
      String where = "seed " + seed + " record " + p;
      millis = next(random, millis, step, config.ttlMillis());
      long hlc = HlcStamp.pack(Math.max(0, millis - random.nextInt(3)), random.nextInt(4));
      int i = random.nextInt(sessions);
      long session = 0x5EED_0000_0000_0000L + i;
      int r = random.nextInt(10);
      long seq = r < 5 ? highest[i] + 1 : r < 8 ? Math.max(1, highest[i] - random.nextInt(3)) : 1;
      int a = random.nextInt(4); // all but this one acknowledged, up to the highest, or lagging
      long ackedBelow = a < 2 ? seq : a == 2 ? Math.min(seq, highest[i]) : seq - random.nextInt(3);
      ackedBelow = Math.max(1, ackedBelow);
      int hash = (int) (seq * 31 + i);
      int known = model.live.size() + model.tombstones.size();
      if (random.nextInt(20) == 0) {
        table.advance(p, hlc);
        model.advance(p, hlc);
      } else {
        String expected = model.check(ACME, session, seq, ackedBelow, hash);
        assertEquals(expected, render(table.check(ACME, session, seq, ackedBelow, hash)), where);
        seen.merge(expected.startsWith("DUPLICATE") ? "DUPLICATE" : expected, 1, Integer::sum);
        ModelTable.Key key = new ModelTable.Key(ACME, session);
        ModelTable.Session before = model.live.get(key);
        if (before != null && before.window.size() == 1 && seq > before.highest) {
          long only = before.window.firstKey();
          String edge =
              only < ackedBelow ? "acked past" : only == ackedBelow ? "acked up to" : "acked below";
          seen.merge(edge + " the only entry", 1, Integer::sum);
        }
        boolean wasTomb = model.tombstones.containsKey(key);
        boolean added = model.apply(ACME, session, seq, ackedBelow, hash, p, hlc);
        assertEquals(added, table.apply(ACME, session, seq, ackedBelow, hash, p, hlc), where);
        highest[i] = Math.max(highest[i], seq);
        ModelTable.Session after = model.live.get(key);
        if (wasTomb && after != null) {
          seen.merge("revived", 1, Integer::sum);
        }
        if (after != null
            && after.window.size() == 1
            && after.window.firstKey() == after.highest
            && after.lastHlc - after.window.firstEntry().getValue()[2]
                > SessionWindows.MAX_INLINE_DISTANCE) {
          seen.merge("spilled", 1, Integer::sum);
        }
      }
      seen.merge("most entries", table.slots.size(), Math::max);
      if (model.live.size() + model.tombstones.size() < known) {
        seen.merge("tombstone removed", 1, Integer::sum);
      }
      if (random.nextInt(50) == 0) {
        table = restart(table, config);
      }
      if (sessions < 100 || p % sessions == 0 || p == records - 1) {
        assertEquals(model.dump(), ModelTable.dump(table), where);
        assertForms(table, where);
      }
    }
  }

  private static long next(SplittableRandom random, long millis, Step step, long ttl) {
    int r = random.nextInt(30);
    return switch (step) {
      case NEAR -> millis + random.nextInt(5);
      case FAR -> millis + (r == 0 ? random.nextLong(60_000, 200_000) : random.nextInt(5));
      case PAST_TTL -> millis + (r == 0 ? random.nextLong(ttl / 2, 3 * ttl) : random.nextInt(50));
      case RARELY_PAST_TTL ->
          millis
              + (random.nextInt(5_000) == 0
                  ? random.nextLong(ttl / 2, 3 * ttl)
                  : random.nextInt(10));
    };
  }

  /** Every live window is inline exactly when its contents allow it; counts agree. */
  static void assertForms(SessionTable t, String where) {
    SessionWindows w = t.windows;
    int inline = 0;
    int entries = 0;
    for (int e = 0; e < t.slots.size(); e++) {
      if (t.slots.tombstone(e)) {
        assertEquals(SessionWindows.NONE, w.first(e), where);
        continue;
      }
      int first = w.first(e);
      int count = w.count(e);
      entries += count;
      boolean fits =
          count == 1
              && w.seq(e, first) == t.slots.get(e, SessionSlots.HIGHEST)
              && t.slots.get(e, SessionSlots.LAST_HLC) - w.hlc(e, first)
                  <= SessionWindows.MAX_INLINE_DISTANCE;
      assertEquals(fits, first == SessionWindows.INLINE, where + " entry " + e);
      inline += first == SessionWindows.INLINE ? 1 : 0;
    }
    assertEquals(inline, w.inlineEntries(), where);
    assertEquals(entries, t.windowEntries(), where);
  }

  private static SessionTable restart(SessionTable t, SessionConfig config) {
    ByteBuffer b = ByteBuffer.allocate(t.encodedLength());
    t.writeTo(b);
    SessionTable back = SessionTable.readFrom(b.flip(), config);
    assertTrue(back.sameContentAs(t));
    return back;
  }

  private static String render(Decision d) {
    return switch (d.kind()) {
      case NEW -> "NEW";
      case DUPLICATE -> "DUPLICATE " + d.position() + " hlc " + d.hlc();
      case REFUSED -> "REFUSED " + d.refusal();
    };
  }

  /** Proves the properties reach the edges they are named for (else they are weak). */
  @net.jqwik.api.Example
  void runsShouldReachTheirEdges() {
    Map<String, Integer> one = new TreeMap<>();
    Map<String, Integer> acked = new TreeMap<>();
    Map<String, Integer> far = new TreeMap<>();
    Map<String, Integer> ttl = new TreeMap<>();
    for (long seed = 1; seed <= 10; seed++) {
      run(seed, new SessionConfig(DAY, 100, 50, 1), 3, Step.NEAR, 400, one);
      run(seed, new SessionConfig(DAY, 100, 50, 4), 2, Step.NEAR, 400, acked);
      run(seed, new SessionConfig(DAY, 100, 50, 4), 2, Step.FAR, 400, far);
      run(seed, new SessionConfig(100_000, 100, 50, 3), 4, Step.PAST_TTL, 400, ttl);
    }
    System.out.println("SessionTableInlineTest edges over seeds 1-10: window of 1 " + one);
    System.out.println("  acked " + acked + "; far " + far + "; ttl " + ttl);
    assertReached(one, "REFUSED WINDOW_FULL", "DUPLICATE", "acked past the only entry");
    assertReached(acked, "REFUSED BELOW_WINDOW");
    assertReached(
        acked,
        "acked past the only entry",
        "acked up to the only entry",
        "acked below the only entry");
    assertReached(far, "spilled", "DUPLICATE");
    assertReached(ttl, "revived", "tombstone removed", "REFUSED EXPIRED");
  }

  private static void assertReached(Map<String, Integer> seen, String... edges) {
    for (String k : edges) {
      assertTrue(seen.getOrDefault(k, 0) > 0, k + " never happened: " + seen);
    }
  }
}
