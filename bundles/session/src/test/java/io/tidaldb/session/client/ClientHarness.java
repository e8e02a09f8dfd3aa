package io.tidaldb.session.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.client.FakeSessionStore.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Runs a workload of one session's writes through a {@link SessionClient} over {@link
 * FakeSessionStore}s whose calls take their faults from a supplier, on virtual time, and checks the
 * client's promises: every write ends; an acknowledged write is stored exactly once (under its own
 * seq, or under a coalesced batch's) and its ack is that record's first one; a write reported not
 * stored (a refusal, or {@code mayBeStored()} false) is stored nowhere; one reported maybe-stored
 * is stored at most once; no seq is sent after an ackedBelow above it; without coalescing, every
 * write is stored under its own seq with its own signal, and between any two steps ackedBelow is at
 * most every seq whose write has not ended; at the end every seq is settled.
 */
final class ClientHarness {
  /**
   * One write of the workload and its outcome; {@code seq} is its own seq, or -1 when it may be
   * coalesced (its seq is then the batch's, unknown to the workload).
   */
  record Write(long seq, Signal signal, CompletableFuture<SignalAck> future) {}

  final ManualScheduler scheduler = new ManualScheduler();
  final FakeSessions sessions = new FakeSessions();
  final Session session = Session.of(SessionClientTest.TENANT, SessionClientTest.ID, 1);
  final SessionClient client;
  final List<Write> writes = new ArrayList<>();
  private final String where;

  private final boolean coalescing;

  ClientHarness(int stores, RetryPolicy policy, Supplier<Step> steps, String where) {
    this(stores, policy, steps, where, false);
  }

  /**
   * A harness whose client batches pipelined single writes if {@code coalescing} (one alone in
   * flight, batches of up to 8), else sends each alone.
   */
  ClientHarness(
      int stores, RetryPolicy policy, Supplier<Step> steps, String where, boolean coalescing) {
    this.where = where;
    this.coalescing = coalescing;
    SessionClient.Builder b = SessionClient.builder(session).policy(policy).scheduler(scheduler);
    if (coalescing) {
      b.coalescing(1, 8);
    } else {
      b.noCoalescing();
    }
    for (int r = 0; r < stores; r++) {
      b.store(RegionId.of(r), new FakeSessionStore(r, sessions, scheduler, steps));
    }
    client = b.build();
    scheduler.afterEachTask(this::checkAckedBelow);
  }

  /**
   * Writes {@code count} signals, at most {@code depth} in flight (1: one after the other), and
   * runs until every write ended.
   */
  void run(int count, int depth, Durability durability) {
    int[] issued = {0};
    Runnable[] issueMore = new Runnable[1];
    int[] inFlight = {0};
    issueMore[0] =
        () -> {
          while (issued[0] < count && inFlight[0] < depth) {
            Signal signal = SessionClientTest.signal(issued[0]++);
            long seq = coalescing ? -1 : session.nextSeq();
            inFlight[0]++;
            CompletableFuture<SignalAck> f = client.signalAsync(signal, durability);
            writes.add(new Write(seq, signal, f));
            f.whenComplete(
                (a, e) -> {
                  inFlight[0]--;
                  checkAckedBelow();
                  issueMore[0].run();
                });
          }
        };
    issueMore[0].run();
    scheduler.runUntilIdle();
    assertEquals(count, writes.size(), where);
  }

  /** Checks the outcome of every write against the stores; returns the outcome counts. */
  Map<String, Integer> check() {
    Map<String, Integer> outcomes = checkWrites(writes, sessions, session, where);
    if (client.lateAcks() > 0) {
      outcomes.merge("late acks", (int) client.lateAcks(), Integer::sum);
    }
    if (client.retries() > 0) {
      outcomes.merge("retries", (int) client.retries(), Integer::sum);
    }
    return outcomes;
  }

  /** The checks of {@link #check()} over writes made elsewhere (such as by several threads). */
  static Map<String, Integer> checkWrites(
      Iterable<Write> writes, FakeSessions sessions, Session session, String where) {
    Map<String, Integer> outcomes = new TreeMap<>();
    Map<Signal, List<FakeSessions.Stored>> storedBySignal = sessions.storedBySignal();
    for (Write w : writes) {
      String at = where + " " + (w.seq() > 0 ? w.seq() : "(coalesced) of " + w.signal().entity());
      assertTrue(w.future().isDone(), at + ": the write never ended");
      List<FakeSessions.Stored> in = storedBySignal.getOrDefault(w.signal(), List.of());
      assertTrue(in.size() <= 1, at + ": stored " + in.size() + " times: " + in);
      FakeSessions.Stored stored = in.isEmpty() ? null : in.get(0);
      if (w.seq() > 0) {
        FakeSessions.Stored own =
            sessions.stored(SessionClientTest.TENANT, SessionClientTest.ID, w.seq());
        if (own != null) {
          assertEquals(w.signal(), own.payload(), at + ": another signal under the seq");
        }
      }
      try {
        SignalAck ack = w.future().join();
        assertNotNull(stored, at + ": acknowledged but not stored");
        assertEquals(stored.ack(), ack, at + ": not the first ack");
        outcomes.merge("acknowledged", 1, Integer::sum);
      } catch (CompletionException e) {
        Throwable c = e.getCause();
        if (c instanceof InvalidArgumentException || c instanceof UnsupportedOperationException) {
          assertNull(stored, at + ": refused but stored: " + c);
          outcomes.merge("refused", 1, Integer::sum);
        } else if (c instanceof UnavailableException u && !u.mayBeStored()) {
          assertNull(stored, at + ": reported not stored but stored: " + c);
          outcomes.merge("not stored", 1, Integer::sum);
        } else if (c instanceof UnavailableException u) {
          String seq = w.seq() > 0 ? " seq " + w.seq() + " after " : " seq ";
          assertTrue(
              u.getMessage().startsWith("session 7f3a00000000002a" + seq),
              at + ": " + u.getMessage());
          outcomes.merge(
              stored == null ? "unknown, not stored" : "unknown, stored", 1, Integer::sum);
        } else {
          fail(at + ": unexpected failure", c);
        }
      }
      if (stored != null && stored.payload() instanceof List<?>) {
        outcomes.merge("coalesced", 1, Integer::sum);
      }
    }
    assertEquals(List.of(), sessions.violations(), where);
    assertEquals(session.nextSeq(), session.ackedBelow(), where + ": every seq settled");
    return outcomes;
  }

  private void checkAckedBelow() {
    long below = session.ackedBelow();
    for (Write w : writes) {
      if (!w.future().isDone() && w.seq() > 0 && w.seq() < below) {
        fail(where + ": acked below " + below + " passed seq " + w.seq() + ", still in flight");
      }
    }
  }
}
