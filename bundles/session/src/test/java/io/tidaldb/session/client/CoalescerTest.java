package io.tidaldb.session.client;

import static io.tidaldb.session.client.SessionClientTest.ID;
import static io.tidaldb.session.client.SessionClientTest.TENANT;
import static io.tidaldb.session.client.SessionClientTest.signal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.client.FakeSessionStore.Fault;
import io.tidaldb.session.client.FakeSessionStore.Step;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The client's natural batching of single writes ({@link Coalescer}), one situation per test, on
 * virtual time: writes past the alone limit share one seq and each gets its own part's
 * acknowledgement; a refused batch's signals go again alone, so only a bad one is refused; a store
 * without per-signal answers stops the coalescing; a batch whose parts are answered differently
 * gives each write its own part's outcome.
 */
class CoalescerTest {
  private final ManualScheduler scheduler = new ManualScheduler();
  private final FakeSessions sessions = new FakeSessions();
  private final Deque<Step> plan = new ArrayDeque<>();
  private final Session session = Session.of(TENANT, ID, 1);

  private SessionClient client(int alone, int maxBatch) {
    return SessionClient.builder(session)
        .store(
            RegionId.of(0),
            new FakeSessionStore(
                0, sessions, scheduler, () -> plan.isEmpty() ? Step.OK : plan.poll()))
        .scheduler(scheduler)
        .coalescing(alone, maxBatch)
        .build();
  }

  /** A client over {@code store}: batches from 2 in flight, retries without back-off. */
  private SessionClient client(SignalStore store) {
    return SessionClient.builder(session)
        .store(RegionId.of(0), store)
        .scheduler(scheduler)
        .policy(RetryPolicy.DEFAULTS.withBackoff(Duration.ZERO, Duration.ZERO))
        .coalescing(1, 100)
        .build();
  }

  private List<CompletableFuture<SignalAck>> write(SessionClient c, int from, int to) {
    List<CompletableFuture<SignalAck>> out = new ArrayList<>();
    for (int e = from; e <= to; e++) {
      out.add(c.signalAsync(signal(e), Durability.QUORUM));
    }
    return out;
  }

  private FakeSessions.Stored stored(long seq) {
    return sessions.stored(TENANT, ID, seq);
  }

  @Test
  void shouldSendWritesPastTheAloneLimitAsOneBatchOnceAWriteInFlightEnds() {
    SessionClient c = client(2, 100);
    plan.add(new Step(Fault.NONE, 10)); // seq 1, alone
    plan.add(new Step(Fault.NONE, 20)); // seq 2, alone
    List<CompletableFuture<SignalAck>> writes = write(c, 1, 7);
    assertEquals(3, session.nextSeq(), "two alone, five pending: no seq yet");
    scheduler.runUntilIdle();
    assertEquals(4, session.nextSeq(), "the five went as one batch when the first write ended");
    assertEquals(signal(1), stored(1).payload());
    assertEquals(signal(2), stored(2).payload());
    assertEquals(
        List.of(signal(3), signal(4), signal(5), signal(6), signal(7)), stored(3).payload());
    for (int i = 2; i < 7; i++) {
      assertEquals(stored(3).ack(), writes.get(i).join(), "write " + (i + 1) + ": the batch's ack");
    }
    assertEquals(stored(1).ack(), writes.get(0).join());
    assertEquals(4, session.ackedBelow(), "every seq settled");
    assertTrue(c.token().position(0) >= stored(3).ack().position(), "the token covers the batch");
    assertEquals(List.of(), sessions.violations());
  }

  @Test
  void shouldSendAFullBatchAtOnce() {
    SessionClient c = client(1, 3);
    plan.add(new Step(Fault.NONE, 10)); // seq 1, alone
    List<CompletableFuture<SignalAck>> writes = write(c, 1, 5);
    assertEquals(3, session.nextSeq(), "writes 2 to 4 went when the batch was full; 5 waits");
    scheduler.runUntilIdle();
    assertEquals(List.of(signal(2), signal(3), signal(4)), stored(2).payload());
    assertEquals(signal(5), stored(3).payload(), "a batch of one goes as a single write");
    for (CompletableFuture<SignalAck> w : writes) {
      assertTrue(w.isDone() && !w.isCompletedExceptionally(), w.toString());
    }
  }

  @Test
  void shouldSendEachSignalOfARefusedBatchAgainAloneUnderAFreshSeq() {
    SessionClient c = client(1, 100);
    plan.add(new Step(Fault.NONE, 10)); // seq 1, alone
    plan.add(new Step(Fault.REFUSAL, 0)); // seq 2: the batch of 2..4, refused, nothing stored
    plan.add(new Step(Fault.NONE, 0)); // seq 3: signal 2 alone
    plan.add(new Step(Fault.REFUSAL, 0)); // seq 4: signal 3 alone, refused
    List<CompletableFuture<SignalAck>> writes = write(c, 1, 4);
    scheduler.runUntilIdle();
    assertNull(stored(2), "the refused batch stored nothing");
    assertEquals(signal(2), stored(3).payload());
    assertEquals(stored(3).ack(), writes.get(1).join());
    CompletionException e = assertThrows(CompletionException.class, writes.get(2)::join);
    assertInstanceOf(InvalidArgumentException.class, e.getCause(), "only signal 3 refused");
    assertNull(stored(4));
    assertEquals(signal(4), stored(5).payload());
    assertEquals(stored(5).ack(), writes.get(3).join());
    assertEquals(6, session.ackedBelow(), "every seq settled");
    assertEquals(List.of(), sessions.violations());
  }

  @Test
  void shouldStopCoalescingAtAStoreWithoutAnswersPerSignal() {
    SessionClient c = client(1, 100);
    plan.add(new Step(Fault.NONE, 10)); // seq 1, alone
    plan.add(new Step(Fault.NO_SESSION_WRITES, 0)); // seq 2: the batch, unsupported
    List<CompletableFuture<SignalAck>> writes = write(c, 1, 3);
    scheduler.runUntilIdle();
    assertEquals(signal(2), stored(3).payload(), "sent again alone");
    assertEquals(signal(3), stored(4).payload());
    plan.add(new Step(Fault.NONE, 10));
    plan.add(new Step(Fault.NONE, 10));
    writes.addAll(write(c, 4, 5));
    scheduler.runUntilIdle();
    assertEquals(signal(4), stored(5).payload(), "alone from now on, however many in flight");
    assertEquals(signal(5), stored(6).payload());
    for (CompletableFuture<SignalAck> w : writes) {
      assertTrue(w.isDone() && !w.isCompletedExceptionally(), w.toString());
    }
  }

  @Test
  void shouldGiveEachWriteItsOwnPartsOutcome() {
    PartsStore store = new PartsStore();
    SessionClient c = client(store);
    List<CompletableFuture<SignalAck>> writes = write(c, 1, 5); // 1 alone; 2..5 one batch
    store.answer(1, null); // write 1 (entity 1: the odd part)
    // the batch: the even entities' part stored, the odd ones' refused
    store.answer(0, null);
    store.answer(1, new InvalidArgumentException("entity", 3, "refused by the test"));
    assertEquals(store.ackOf(2), writes.get(1).join(), "write 2: its part's ack");
    assertEquals(store.ackOf(4), writes.get(3).join(), "write 4: its part's ack");
    assertEquals(4, store.calls.size(), "1, the batch, then 3 and 5 alone under fresh seqs");
    assertEquals(List.of(signal(3)), store.calls.get(2));
    assertEquals(List.of(signal(5)), store.calls.get(3));
    store.answer(1, null); // 3 alone
    store.answer(1, null); // 5 alone
    scheduler.runUntilIdle();
    assertEquals(store.ackOf(3), writes.get(2).join());
    assertEquals(store.ackOf(5), writes.get(4).join());
    assertEquals(session.nextSeq(), session.ackedBelow(), "every seq settled");
  }

  /**
   * Attempt 1: one part says nothing was stored, the other may have stored; attempt 2 refuses both.
   * The write must remember the part that may be stored: its signals end as possibly stored, never
   * sent again alone (which could count them twice).
   */
  @Test
  void shouldNeverSendAgainAloneASignalAnEarlierAttemptMayHaveStored() {
    PartsStore store = new PartsStore();
    SessionClient c = client(store);
    List<CompletableFuture<SignalAck>> writes = write(c, 1, 5);
    store.answer(1, null); // write 1 alone; the batch of 2..5 goes
    store.answer(0, new UnavailableException("nothing stored", false, null)); // 2, 4 first
    store.answer(1, new UnavailableException("lost reply", true, null)); // 3, 5: may be stored
    scheduler.runFor(1_000_000); // the retry, no back-off
    assertEquals(3, store.calls.size(), "the batch retried whole under its seq");
    store.answer(0, new InvalidArgumentException("session", 1, "refused by the test"));
    store.answer(1, new InvalidArgumentException("session", 1, "refused by the test"));
    assertEquals(3, store.calls.size(), "nothing sent again alone");
    for (int i = 1; i < 5; i++) {
      CompletionException e = assertThrows(CompletionException.class, writes.get(i)::join);
      UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
      assertTrue(u.mayBeStored(), "write " + (i + 1) + ": " + u.getMessage());
    }
  }

  /**
   * A store of two parts (even and odd entities) whose calls wait until the test answers them:
   * {@code answer(part, failure)} completes the oldest open future of that part.
   */
  private static final class PartsStore extends SessionOnlyStore {
    final List<List<Signal>> calls = new ArrayList<>();
    private final List<Deque<CompletableFuture<SignalAck>>> open =
        List.of(new ArrayDeque<>(), new ArrayDeque<>());
    private final List<Deque<Long>> positions = List.of(new ArrayDeque<>(), new ArrayDeque<>());
    private final java.util.Map<Long, SignalAck> acks = new java.util.HashMap<>();
    private long position;

    @Override
    public CompletableFuture<SignalAck> signalAsync(
        Signal signal, Durability durability, SessionSeq session) {
      return signalEachAsync(List.of(signal), durability, session).get(0);
    }

    @Override
    public List<CompletableFuture<SignalAck>> signalEachAsync(
        List<Signal> signals, Durability durability, SessionSeq session) {
      calls.add(List.copyOf(signals));
      List<CompletableFuture<SignalAck>> parts = new ArrayList<>();
      List<CompletableFuture<SignalAck>> each = new ArrayList<>();
      long[] at = new long[2];
      for (int p = 0; p < 2; p++) {
        parts.add(null);
      }
      for (Signal s : signals) {
        int p = (int) (s.entity().value() % 2);
        if (parts.get(p) == null) {
          parts.set(p, new CompletableFuture<>());
          open.get(p).add(parts.get(p));
          at[p] = ++position;
          positions.get(p).add(at[p]);
        }
        each.add(parts.get(p));
        acks.put(s.entity().value(), ack(at[p], p));
      }
      return each;
    }

    void answer(int part, Throwable failure) {
      CompletableFuture<SignalAck> f = open.get(part).poll();
      long at = positions.get(part).poll();
      if (failure == null) {
        f.complete(ack(at, part));
      } else {
        f.completeExceptionally(failure);
      }
    }

    SignalAck ackOf(long entity) {
      return acks.get(entity);
    }

    private static SignalAck ack(long position, int part) {
      return new SignalAck(
          ShardId.of(part), position, new HlcStamp(position), Durability.QUORUM, false);
    }
  }
}
