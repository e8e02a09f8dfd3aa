package io.tidaldb.session.table;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Replicas agree: tables fed the same log are equal after every record and expire the same sessions
 * at the same records, whether one is fed straight through, another is also re-fed replayed
 * prefixes (a restart replaying from an older position), or a third restarts from its own encoding
 * (a snapshot) partway and replays from before it.
 */
class SessionTableDeterminismTest {
  private static final SessionConfig CONFIG = new SessionConfig(2_000, 5, 1_000, 8);

  @Property(tries = 100, seed = "12002")
  void tablesFedTheSameLogShouldBeEqualAtEveryRecord(@ForAll long seed) {
    System.out.println("SessionTableDeterminismTest seed " + seed);
    SplittableRandom random = new SplittableRandom(seed ^ 0x5eed);
    List<Workload.Write> log = new Workload(seed, CONFIG.ttlMillis()).log(800);
    SessionTable straight = new SessionTable(CONFIG);
    SessionTable replayed = new SessionTable(CONFIG);
    SessionTable restarted = new SessionTable(CONFIG);
    List<String> expiries = new ArrayList<>();
    for (int i = 0; i < log.size(); i++) {
      String where = "seed " + seed + " record " + i;
      if (random.nextInt(50) == 0) { // replay a prefix into one table
        int from = random.nextInt(i + 1);
        log.subList(from, i).forEach(w -> Workload.feed(replayed, w));
      }
      if (random.nextInt(100) == 0) { // restart another from its snapshot, replay from before it
        restarted = restart(restarted);
        int from = Math.max(0, i - random.nextInt(20));
        for (Workload.Write w : log.subList(from, i)) {
          Workload.feed(restarted, w);
        }
      }
      Workload.Write w = log.get(i);
      Workload.feed(straight, w);
      Workload.feed(replayed, w);
      Workload.feed(restarted, w);
      assertTrue(straight.sameContentAs(replayed), where + " (replayed)");
      assertTrue(straight.sameContentAs(restarted), where + " (restarted)");
      assertEquals(ModelTable.dump(straight), ModelTable.dump(restarted), where);
      expiries.add(straight.liveSessions() + "/" + straight.tombstones());
    }
    assertEquals(straight.digest(), replayed.digest());
    assertTrue(expiries.stream().distinct().count() > 1, "the log expired nothing");
  }

  private static SessionTable restart(SessionTable t) {
    ByteBuffer b = ByteBuffer.allocate(t.encodedLength());
    t.writeTo(b);
    return SessionTable.readFrom(b.flip(), CONFIG);
  }
}
