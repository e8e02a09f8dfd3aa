package io.tidaldb.session.client;

import static io.tidaldb.session.client.FakeSessionStore.Fault.LOST_REPLY;
import static io.tidaldb.session.client.FakeSessionStore.Fault.LOST_REQUEST;
import static io.tidaldb.session.client.FakeSessionStore.Fault.NONE;
import static io.tidaldb.session.client.FakeSessionStore.Fault.NOT_STORED;
import static io.tidaldb.session.client.FakeSessionStore.Fault.REFUSAL;
import static io.tidaldb.session.client.FakeSessionStore.Fault.SILENT_AFTER_STORE;
import static io.tidaldb.session.client.FakeSessionStore.Fault.SILENT_BEFORE_STORE;
import static io.tidaldb.session.client.FakeSessionStore.Fault.THROWS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The retrying client, one failure sequence per test, on virtual time. */
class SessionClientTest {
  static final TenantId TENANT = TenantId.of("acme");
  static final long ID = 0x7f3a00000000002aL;

  private final ManualScheduler scheduler = new ManualScheduler();
  private final FakeSessions sessions = new FakeSessions();
  private final List<Deque<Step>> plans = new ArrayList<>();
  private final List<Integer> calledRegions = new ArrayList<>();
  private Session session = Session.of(TENANT, ID, 1);

  private SessionClient client(int stores, RetryPolicy policy) {
    return client(stores, policy, b -> b);
  }

  private SessionClient client(
      int stores, RetryPolicy policy, UnaryOperator<SessionClient.Builder> options) {
    SessionClient.Builder b =
        options.apply(SessionClient.builder(session).policy(policy).scheduler(scheduler));
    for (int r = 0; r < stores; r++) {
      Deque<Step> plan = new ArrayDeque<>();
      plans.add(plan);
      int region = r;
      b.store(
          RegionId.of(r),
          new FakeSessionStore(
              r,
              sessions,
              scheduler,
              () -> {
                calledRegions.add(region);
                return plan.isEmpty() ? Step.OK : plan.poll();
              }));
    }
    return b.build();
  }

  private SessionClient client(int stores) {
    return client(stores, RetryPolicy.DEFAULTS);
  }

  private void plan(int region, Fault... faults) {
    for (Fault f : faults) {
      plans.get(region).add(new Step(f, 5));
    }
  }

  static Signal signal(long entity) {
    return new Signal(
        TENANT, SignalType.of("view"), EntityId.of(entity), 1.0, Timestamp.ofMillis(1_000));
  }

  private <T> T await(CompletableFuture<T> f) {
    scheduler.runUntilIdle();
    assertTrue(f.isDone(), "the write should have ended");
    return f.join();
  }

  private Throwable failure(CompletableFuture<?> f) {
    scheduler.runUntilIdle();
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return e.getCause();
  }

  @Test
  void shouldRetryALostReplyWithTheSameSeqAtTheNextStoreAndReturnTheFirstAck() {
    SessionClient c = client(3);
    plan(0, LOST_REPLY);
    SignalAck ack = await(c.signalAsync(signal(1), Durability.QUORUM));
    assertEquals(List.of(0, 1), calledRegions);
    assertEquals(sessions.stored(TENANT, ID, 1).ack(), ack);
    assertEquals(0, sessions.stored(TENANT, ID, 1).region(), "stored once, by the first attempt");
    assertEquals(1, sessions.storedCount());
    assertEquals(2, session.ackedBelow());
    assertEquals(1, c.retries());
    assertEquals(List.of(), sessions.violations());
  }

  @Test
  void shouldRetryALocalWriteAtTheSameStoreFirstThenMoveOn() {
    SessionClient c = client(3);
    plan(0, LOST_REPLY, LOST_REPLY);
    await(c.signalAsync(signal(1), Durability.LOCAL));
    assertEquals(List.of(0, 0, 1), calledRegions);
  }

  /** Seed 9208 of the data-path simulation: the retry at the same store, forwarded elsewhere. */
  @Test
  void shouldRetryALocalWriteAtQuorumOnceAnAttemptMayHaveStoredItAndSayWhatItGot() {
    SessionClient c = client(3);
    plan(0, LOST_REQUEST);
    SignalAck ack = await(c.signalAsync(signal(1), Durability.LOCAL));
    assertEquals(List.of(0, 0), calledRegions);
    assertEquals(
        List.of(Durability.LOCAL, Durability.QUORUM),
        sessions.levels(),
        "the first attempt may be stored: the retry, at the same store too, asks for QUORUM");
    assertEquals(Durability.QUORUM, ack.durability(), "the ack may be stronger than asked");
    assertEquals(sessions.stored(TENANT, ID, 1).ack(), ack);
  }

  @Test
  void shouldRetryALocalWriteAtLocalWhileNoAttemptMayHaveStoredIt() {
    SessionClient c = client(3);
    plan(0, NOT_STORED, NOT_STORED);
    SignalAck ack = await(c.signalAsync(signal(1), Durability.LOCAL));
    assertEquals(List.of(0, 0, 1), calledRegions);
    assertEquals(List.of(Durability.LOCAL), sessions.levels().stream().distinct().toList());
    assertEquals(Durability.LOCAL, ack.durability());
  }

  @Test
  void shouldKeepALocalWritesRetriesAtQuorumAfterAnAmbiguousAttempt() {
    SessionClient c = client(2);
    plan(0, NOT_STORED, SILENT_BEFORE_STORE);
    plan(1, NOT_STORED);
    SignalAck ack = await(c.signalAsync(signal(1), Durability.LOCAL));
    assertEquals(List.of(0, 0, 1, 0), calledRegions);
    assertEquals(
        List.of(Durability.LOCAL, Durability.LOCAL, Durability.QUORUM, Durability.QUORUM),
        sessions.levels(),
        "LOCAL until the timeout, QUORUM from then on, back at the first store too");
    assertEquals(Durability.QUORUM, ack.durability());
    assertEquals(1, sessions.storedCount());
  }

  @Test
  void shouldRetryQuorumAndAllWritesAtTheirOwnLevel() {
    SessionClient c = client(3);
    plan(0, NOT_STORED);
    plan(1, NOT_STORED);
    await(c.signalAsync(signal(1), Durability.ALL));
    await(c.signalAsync(signal(2), Durability.QUORUM));
    assertEquals(List.of(0, 1, 2, 2), calledRegions);
    assertEquals(
        List.of(Durability.ALL, Durability.ALL, Durability.ALL, Durability.QUORUM),
        sessions.levels());
  }

  @Test
  void shouldStartAtTheStoreThatLastAcknowledged() {
    SessionClient c = client(3);
    plan(0, NOT_STORED);
    await(c.signalAsync(signal(1), Durability.QUORUM));
    await(c.signalAsync(signal(2), Durability.QUORUM));
    assertEquals(List.of(0, 1, 1), calledRegions);
  }

  @Test
  void shouldPassARefusalThroughAndSettleTheSeq() {
    SessionClient c = client(2);
    plan(0, REFUSAL);
    Throwable e = failure(c.signalAsync(signal(1), Durability.QUORUM));
    InvalidArgumentException refusal = assertInstanceOf(InvalidArgumentException.class, e);
    assertTrue(refusal.rule().startsWith("too many live sessions"), refusal.rule());
    assertTrue(
        refusal.getSuppressed()[0].getMessage().contains("7f3a00000000002a seq 1 after 1 attempt"),
        refusal.getSuppressed()[0].getMessage());
    assertEquals(List.of(0), calledRegions, "a refusal is not retried");
    assertEquals(0, sessions.storedCount());
    assertEquals(2, session.ackedBelow());
  }

  @Test
  void shouldDeliverTheOutcomeEvenIfTheCallerSettledTheSeqItself() {
    SessionClient c = client(1);
    plans.get(0).add(new Step(NONE, 5));
    CompletableFuture<SignalAck> f = c.signalAsync(signal(1), Durability.QUORUM);
    session.settled(1); // misuse: the client owns its writes' seqs
    assertEquals(sessions.stored(TENANT, ID, 1).ack(), await(f));
  }

  @Test
  void shouldStopAtAStoreWithoutSessionWrites() {
    SessionClient c = client(2);
    plan(0, Fault.NO_SESSION_WRITES);
    Throwable e = failure(c.signalAsync(signal(1), Durability.QUORUM));
    assertInstanceOf(UnsupportedOperationException.class, e);
    assertEquals(List.of(0), calledRegions);
    assertEquals(2, session.ackedBelow());
  }

  @Test
  void shouldSayMayBeStoredWhenARefusalFollowsAnAmbiguousAttempt() {
    SessionClient c = client(2);
    plan(0, SILENT_BEFORE_STORE);
    plan(1, REFUSAL);
    Throwable e = failure(c.signalAsync(signal(1), Durability.QUORUM));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e);
    assertTrue(u.mayBeStored(), u.getMessage());
    assertInstanceOf(InvalidArgumentException.class, u.getCause());
    assertEquals(RegionId.of(0), u.region().orElseThrow());
  }

  @Test
  void shouldSayNotStoredWhenEveryAttemptSaidNothingWasStored() {
    SessionClient c = client(2, RetryPolicy.DEFAULTS.withMaxAttempts(3));
    plan(0, NOT_STORED, NOT_STORED);
    plan(1, NOT_STORED);
    Throwable e = failure(c.signalAsync(signal(1), Durability.QUORUM));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e);
    assertFalse(u.mayBeStored(), u.getMessage());
    assertEquals(List.of(0, 1, 0), calledRegions);
    assertEquals(
        "session 7f3a00000000002a seq 1 after 3 attempts in ",
        u.getMessage().substring(0, u.getMessage().indexOf(" in ") + 4));
    assertTrue(
        u.getMessage()
            .contains(
                "(attempts: 1: region 0 NOT_STORED, 2: region 1 NOT_STORED, 3: region 0"
                    + " NOT_STORED): not stored"),
        u.getMessage());
    assertEquals(2, session.ackedBelow());
  }

  @Test
  void shouldReportAnUnknownOutcomeWhenTheAttemptsRunOutAfterAStore() {
    SessionClient c = client(2, RetryPolicy.DEFAULTS.withMaxAttempts(2));
    plan(0, LOST_REPLY);
    plan(1, NOT_STORED);
    Throwable e = failure(c.signalAsync(signal(1), Durability.QUORUM));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e);
    assertTrue(u.mayBeStored());
    assertTrue(u.getMessage().contains("outcome unknown"), u.getMessage());
    assertEquals(1, sessions.storedCount(), "stored once, by the first attempt");
    assertEquals(2, session.ackedBelow(), "settled: never sent again");
  }

  @Test
  void shouldTimeOutASilentAttemptAndTakeTheAckOfTheRetry() {
    RetryPolicy p =
        RetryPolicy.DEFAULTS.withTimeouts(Duration.ofMillis(100), Duration.ofSeconds(5));
    SessionClient c = client(2, p);
    plan(0, SILENT_AFTER_STORE);
    SignalAck ack = await(c.signalAsync(signal(1), Durability.QUORUM));
    assertEquals(sessions.stored(TENANT, ID, 1).ack(), ack, "the retry answers the first ack");
    assertEquals(List.of(0, 1), calledRegions);
  }

  @Test
  void shouldAcceptTheLateAckOfAnAttemptItStoppedWaitingFor() {
    RetryPolicy p =
        RetryPolicy.DEFAULTS
            .withTimeouts(Duration.ofMillis(100), Duration.ofSeconds(5))
            .withBackoff(Duration.ofMillis(50), Duration.ofMillis(50));
    SessionClient c = client(2, p);
    plans.get(0).add(new Step(NONE, 120)); // stored, the ack comes after the timeout
    plans.get(1).add(new Step(SILENT_BEFORE_STORE, 0));
    SignalAck ack = await(c.signalAsync(signal(1), Durability.QUORUM));
    assertEquals(sessions.stored(TENANT, ID, 1).ack(), ack);
    assertEquals(1, c.lateAcks());
    assertEquals(2, session.ackedBelow());
  }

  @Test
  void shouldGiveUpAtTheDeadline() {
    RetryPolicy p =
        new RetryPolicy(
            100,
            Duration.ofMillis(10),
            Duration.ofMillis(10),
            Duration.ofMillis(300),
            Duration.ofSeconds(1));
    SessionClient c = client(2, p);
    for (int i = 0; i < 10; i++) {
      plan(i % 2, SILENT_BEFORE_STORE);
    }
    long start = scheduler.nowMillis();
    UnavailableException u =
        assertInstanceOf(
            UnavailableException.class, failure(c.signalAsync(signal(1), Durability.QUORUM)));
    long took = scheduler.nowMillis() - start;
    assertTrue(took <= 1_000, "took " + took + " ms, deadline 1,000");
    assertTrue(u.getMessage().contains("after 4 attempts"), u.getMessage());
    assertTrue(u.mayBeStored(), "a silent store may have stored it");
  }

  @Test
  void shouldRetryAStoreThatThrowsAsAnAmbiguousAttempt() {
    SessionClient c = client(2);
    plan(0, THROWS);
    await(c.signalAsync(signal(1), Durability.QUORUM));
    assertEquals(List.of(0, 1), calledRegions);
  }

  @Test
  void shouldRetryWithTheSameSeqAndTheAckedBelowThatRoseMeanwhile() {
    SessionClient c = client(1);
    plans.get(0).add(new Step(NONE, 3)); // seq 1: acknowledged at 3 ms
    plans.get(0).add(new Step(LOST_REPLY, 1)); // seq 2: ambiguous at 1 ms, retried after 25+ ms
    CompletableFuture<SignalAck> one = c.signalAsync(signal(1), Durability.QUORUM);
    CompletableFuture<SignalAck> two = c.signalAsync(signal(2), Durability.QUORUM);
    await(two);
    assertTrue(one.isDone());
    assertEquals(
        List.of(new SessionSeq(ID, 1, 1), new SessionSeq(ID, 2, 1), new SessionSeq(ID, 2, 2)),
        sessions.sent());
    assertEquals(3, session.ackedBelow());
    assertEquals(List.of(), sessions.violations());
  }

  @Test
  void shouldRefuseASignalOfAnotherTenantWithoutTakingASeq() {
    SessionClient c = client(1);
    Signal other =
        new Signal(
            TenantId.of("other"),
            SignalType.of("view"),
            EntityId.of(1),
            1.0,
            Timestamp.ofMillis(1));
    InvalidArgumentException e =
        assertInstanceOf(
            InvalidArgumentException.class, failure(c.signalAsync(other, Durability.LOCAL)));
    assertEquals("tenant", e.argument());
    assertTrue(e.rule().contains("7f3a00000000002a"), e.rule());
    assertEquals(1, session.nextSeq());
    assertEquals(List.of(), calledRegions);
  }

  @Test
  void shouldRetryABatchWholeUnderItsOneSeqAndTakeTheFirstAcks() {
    SessionClient c = client(3);
    List<Signal> batch = List.of(signal(1), signal(2), signal(3));
    plan(0, LOST_REPLY); // stored at region 0, the reply lost
    List<SignalAck> acks = await(c.signalBatchAsync(batch, Durability.QUORUM));
    assertEquals(List.of(0, 1), calledRegions);
    assertEquals(List.of(sessions.stored(TENANT, ID, 1).ack()), acks, "the first attempt's");
    assertEquals(batch, sessions.stored(TENANT, ID, 1).payload(), "one seq for the batch");
    assertEquals(1, sessions.storedCount());
    assertEquals(2, session.ackedBelow(), "settled");
    assertEquals(ReadToken.EMPTY.with(RegionId.of(1), acks.get(0)), c.token());
    assertEquals(List.of(), sessions.violations());
  }

  @Test
  void shouldRetryALocalBatchAtQuorumOnceAnAttemptMayHaveStoredIt() {
    SessionClient c = client(2);
    plan(0, LOST_REQUEST);
    List<SignalAck> acks = await(c.signalBatchAsync(List.of(signal(1)), Durability.LOCAL));
    assertEquals(List.of(0, 0), calledRegions);
    assertEquals(List.of(Durability.LOCAL, Durability.QUORUM), sessions.levels());
    assertEquals(Durability.QUORUM, acks.get(0).durability());
  }

  @Test
  void shouldEndABatchRefusedInOnePartAfterAnotherWasStoredAsPossiblyStored() {
    SessionClient c = client(3);
    plan(0, FakeSessionStore.Fault.PARTLY_REFUSED);
    UnavailableException u =
        assertInstanceOf(
            UnavailableException.class,
            failure(c.signalBatchAsync(List.of(signal(1), signal(2)), Durability.QUORUM)));
    assertTrue(u.mayBeStored(), u.toString());
    assertTrue(u.getMessage().contains("a part of the batch refused"), u.getMessage());
    assertEquals(List.of(0), calledRegions, "not retried: a retry would be refused again");
    assertEquals(2, session.ackedBelow(), "settled");
  }

  @Test
  void shouldRefuseAnEmptyBatchOrASignalOfAnotherTenantWithoutTakingASeq() {
    SessionClient c = client(1);
    Signal other =
        new Signal(
            TenantId.of("other"),
            SignalType.of("view"),
            EntityId.of(1),
            1.0,
            Timestamp.ofMillis(1));
    InvalidArgumentException e =
        assertInstanceOf(
            InvalidArgumentException.class,
            failure(c.signalBatchAsync(List.of(signal(1), other), Durability.LOCAL)));
    assertEquals("tenant", e.argument());
    assertTrue(e.rule().contains("signals[1]"), e.rule());
    assertInstanceOf(
        InvalidArgumentException.class, failure(c.signalBatchAsync(List.of(), Durability.LOCAL)));
    assertEquals(1, session.nextSeq());
    assertEquals(List.of(), calledRegions);
  }

  @Test
  void shouldBlockInSignalUntilTheWriteEnds() {
    // The client's own retry thread: real time, zero back-off, replies at once.
    try (SessionClient c =
        SessionClient.builder(session)
            .store(new FakeSessionStore(0, sessions, scheduler, () -> new Step(LOST_REPLY, 0)))
            .store(new FakeSessionStore(1, sessions, scheduler, () -> Step.OK))
            .policy(RetryPolicy.DEFAULTS.withBackoff(Duration.ZERO, Duration.ZERO))
            .build()) {
      SignalAck ack = c.signal(signal(1), Durability.ALL);
      assertEquals(sessions.stored(TENANT, ID, 1).ack(), ack);
      assertEquals(2, session.ackedBelow());
    }
  }

  @Test
  void shouldFailAtOnceWhenTheSessionHasTooManyWritesInFlight() {
    SessionClient c = client(1, RetryPolicy.DEFAULTS, SessionClient.Builder::noCoalescing);
    for (int i = 0; i < Session.MAX_IN_FLIGHT; i++) {
      plans.get(0).add(new Step(NONE, 10));
      c.signalAsync(signal(i), Durability.QUORUM);
    }
    CompletableFuture<SignalAck> more = c.signalAsync(signal(-1), Durability.QUORUM);
    UnavailableException u = assertInstanceOf(UnavailableException.class, failure(more));
    assertFalse(u.mayBeStored());
    assertTrue(u.getMessage().contains("1024 writes in flight"), u.getMessage());
    assertEquals(Session.MAX_IN_FLIGHT + 1, session.ackedBelow());
  }
}
