package io.tidaldb.session.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.TenantId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** {@link Session}: seqs, out-of-order settling, the in-flight bound, misuse, threads. */
class SessionTest {
  private static final TenantId TENANT = TenantId.of("acme");

  @Test
  void shouldHandOutSeqsFromOneWithTheLowestUnsettledAsAckedBelow() {
    Session s = Session.of(TENANT, 42, 1);
    assertEquals(new SessionSeq(42, 1, 1), s.next());
    assertEquals(new SessionSeq(42, 2, 1), s.next());
    assertEquals(new SessionSeq(42, 3, 1), s.next());
    s.settled(2);
    assertEquals(1, s.ackedBelow(), "seq 1 is unsettled");
    assertEquals(new SessionSeq(42, 4, 1), s.next());
    s.settled(1);
    assertEquals(3, s.ackedBelow(), "1 and 2 settled, 3 not");
    s.settled(4);
    s.settled(3);
    assertEquals(5, s.ackedBelow());
    assertEquals(new SessionSeq(42, 5, 5), s.next());
  }

  @Test
  void shouldOpenWithARandomNonZeroId() {
    Session a = Session.open(TENANT);
    Session b = Session.open(TENANT);
    assertNotEquals(0, a.id());
    assertNotEquals(a.id(), b.id());
    assertEquals(new SessionSeq(a.id(), 1, 1), a.next());
  }

  @Test
  void shouldResumeAtTheGivenSeq() {
    Session s = Session.of(TENANT, 7, 41);
    assertEquals(41, s.ackedBelow());
    assertEquals(new SessionSeq(7, 41, 41), s.next());
  }

  @Test
  void shouldRefuseMisuseNamingTheValues() {
    assertThrows(IllegalArgumentException.class, () -> Session.of(TENANT, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> Session.of(TENANT, 1, 0));
    Session s = Session.of(TENANT, 0x2a, 1);
    s.next();
    IllegalArgumentException notHanded =
        assertThrows(IllegalArgumentException.class, () -> s.settled(2));
    assertEquals(
        "session 000000000000002a: seq 2 was not handed out (next seq 2)", notHanded.getMessage());
    s.settled(1);
    IllegalArgumentException twice =
        assertThrows(IllegalArgumentException.class, () -> s.settled(1));
    assertEquals(
        "session 000000000000002a: seq 1 settled twice (acked below 2)", twice.getMessage());
    s.next();
    s.next();
    s.settled(3);
    assertThrows(IllegalArgumentException.class, () -> s.settled(3));
    assertEquals(2, s.ackedBelow());
  }

  @Test
  void shouldRefuseMoreThanMaxInFlightUnsettledSeqs() {
    Session s = Session.of(TENANT, 0x2a, 1);
    for (int i = 0; i < Session.MAX_IN_FLIGHT; i++) {
      s.next();
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, s::next);
    assertEquals(
        "session 000000000000002a: 1024 writes in flight (seq 1 to 1024 unsettled, at most 1024);"
            + " settle some before the next",
        e.getMessage());
    s.settled(2);
    assertThrows(IllegalStateException.class, s::next, "seq 1 still holds the window");
    s.settled(1);
    assertEquals(new SessionSeq(0x2a, 1025, 3), s.next());
  }

  /**
   * Random next/settle sequences against a model (a sorted set of unsettled seqs): ackedBelow is
   * always the lowest unsettled seq (or the next seq), and every handed-out ackedBelow is at most
   * every seq unsettled at that moment.
   */
  @Property(tries = 300)
  void ackedBelowShouldBeTheLowestUnsettledSeq(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 3_000) int steps) {
    SplittableRandom random = new SplittableRandom(seed);
    long start = 1 + random.nextInt(1_000_000);
    Session s = Session.of(TENANT, seed == 0 ? 1 : seed, start);
    TreeSet<Long> unsettled = new TreeSet<>();
    long next = start;
    for (int i = 0; i < steps; i++) {
      String where = "seed " + seed + " step " + i;
      boolean full = !unsettled.isEmpty() && next - unsettled.first() >= Session.MAX_IN_FLIGHT;
      if (full && random.nextInt(20) == 0) {
        assertThrows(IllegalStateException.class, s::next, where);
      } else if (!full && (unsettled.isEmpty() || random.nextInt(5) < 3)) {
        SessionSeq q = s.next();
        assertEquals(next, q.seq(), where);
        assertEquals(unsettled.isEmpty() ? next : unsettled.first(), q.ackedBelow(), where);
        unsettled.add(next++);
      } else {
        List<Long> open = new ArrayList<>(unsettled);
        long seq = open.get(random.nextInt(open.size()));
        s.settled(seq);
        unsettled.remove(seq);
      }
      assertEquals(unsettled.isEmpty() ? next : unsettled.first(), s.ackedBelow(), where);
      assertEquals(next, s.nextSeq(), where);
    }
  }

  /**
   * Four threads take seqs and settle them in shuffled batches: every seq is handed out once,
   * densely, and no handed-out ackedBelow is above a seq that was unsettled when it was handed out
   * (checked after the fact: it is at most the lowest seq still unsettled then, i.e. at most its
   * own seq and at most any seq settled after it was handed out).
   */
  @Test
  void shouldStayConsistentUnderConcurrentWritersAndSettlers() throws Exception {
    Session s = Session.of(TENANT, 99, 1);
    int threads = 4;
    int perThread = 20_000;
    ConcurrentLinkedQueue<SessionSeq> handed = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      long seed = 1_000 + t;
      Thread worker =
          new Thread(
              () -> {
                try {
                  SplittableRandom random = new SplittableRandom(seed);
                  List<Long> mine = new ArrayList<>();
                  for (int i = 0; i < perThread; i++) {
                    SessionSeq q;
                    try {
                      q = s.next();
                    } catch (IllegalStateException full) { // another thread holds the lowest
                      mine.forEach(s::settled);
                      mine.clear();
                      i--;
                      Thread.onSpinWait();
                      continue;
                    }
                    assertTrue(q.ackedBelow() <= q.seq(), q.toString());
                    handed.add(q);
                    mine.add(q.seq());
                    if (mine.size() >= 1 + random.nextInt(50)) {
                      Collections.shuffle(mine, new java.util.Random(random.nextLong()));
                      mine.forEach(s::settled);
                      mine.clear();
                    }
                  }
                  mine.forEach(s::settled);
                } catch (Throwable e) {
                  errors.add(e);
                } finally {
                  done.countDown();
                }
              },
              "session-test-" + t);
      worker.start();
    }
    assertTrue(done.await(60, TimeUnit.SECONDS), "threads did not finish");
    assertEquals(List.of(), List.copyOf(errors));
    long total = (long) threads * perThread;
    TreeSet<Long> seqs = new TreeSet<>();
    handed.forEach(q -> seqs.add(q.seq()));
    assertEquals(total, seqs.size(), "every seq once");
    assertEquals(1, seqs.first());
    assertEquals(total, seqs.last());
    assertEquals(total + 1, s.ackedBelow());
    assertEquals(total + 1, s.nextSeq());
  }
}
