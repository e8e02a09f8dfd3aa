package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.table.Decision;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single region's store takes client session writes at most once per (tenant, session, seq): a
 * retry gets the original acknowledgement and counts nothing, whether the first attempt is applied,
 * still in flight, or from before a restart; another payload under the same seq, a seq below the
 * window and an expired session are refused, naming the values, and store nothing. A session's
 * batch is stored once per shard's part and answered alike; a bad batch stores none of it; a plain
 * batch (the session batch's baseline) stores its signals on every call.
 */
class SessionWriteTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long SESSION = 0x5e55_0000_0000_0042L;

  @TempDir Path dir;

  @Test
  void shouldAnswerARetryWithTheOriginalAcknowledgementAndCountItOnce() {
    try (StoreFixture f = fixture()) {
      Signal s = signal(42, 2.0);
      SignalAck first = f.store.signal(s, Durability.LOCAL, seq(1, 1));
      SignalAck again = f.store.signal(s, Durability.LOCAL, seq(1, 1));
      assertEquals(first, again);
      SignalAck quorum = f.store.signal(s, Durability.QUORUM, seq(1, 1));
      assertEquals(first.position(), quorum.position());
      assertEquals(first.stamp(), quorum.stamp());
      assertEquals(1, count(f, 42));
      assertEquals(2.0, f.store.read(ACME, VIEW, EntityId.of(42)).weightSum());
      SignalAck second = f.store.signal(s, Durability.LOCAL, seq(2, 2));
      assertTrue(second.position() > first.position(), "the next seq is a new write");
      assertEquals(2, count(f, 42));
    }
  }

  @Test
  void shouldAnswerARetryAfterARestartFromTheLog() {
    try (StoreFixture f = fixture()) {
      Signal s = signal(7, 1.0);
      SignalAck first = f.store.signal(s, Durability.LOCAL, seq(1, 1));
      f.reopenWithoutCheckpoint();
      assertEquals(first, f.store.signal(s, Durability.LOCAL, seq(1, 1)));
      assertEquals(1, count(f, 7));
    }
  }

  @Test
  void shouldRefuseAnotherPayloadUnderTheSameSeqStoringNothing() {
    try (StoreFixture f = fixture()) {
      f.store.signal(signal(42, 2.0), Durability.LOCAL, seq(1, 1));
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class,
              () -> f.store.signal(signal(42, 3.0), Durability.LOCAL, seq(1, 1)));
      assertTrue(e.getMessage().contains("payload differs"), e.getMessage());
      assertTrue(e.getMessage().contains("seq 1"), e.getMessage());
      assertEquals(1, count(f, 42));
      assertEquals(2.0, f.store.read(ACME, VIEW, EntityId.of(42)).weightSum());
    }
  }

  @Test
  void shouldRefuseASeqBelowTheWindowStoringNothing() {
    try (StoreFixture f = fixture()) {
      for (long q = 1; q <= 3; q++) {
        f.store.signal(signal(42, 1.0), Durability.LOCAL, seq(q, q));
      }
      f.store.signal(signal(42, 1.0), Durability.LOCAL, seq(5, 4)); // outcomes below 4 delivered
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class,
              () -> f.store.signal(signal(42, 1.0), Durability.LOCAL, seq(2, 2)));
      assertTrue(e.getMessage().contains("below the window"), e.getMessage());
      assertEquals(4, count(f, 42));
    }
  }

  @Test
  void shouldApplyConcurrentCopiesOfEachWriteOnce() throws Exception {
    int writes = 300;
    int copies = 4;
    ExecutorService pool = Executors.newFixedThreadPool(copies);
    try (StoreFixture f = fixture()) {
      List<List<CompletableFuture<SignalAck>>> acks = new ArrayList<>();
      for (int w = 1; w <= writes; w++) {
        Signal s = signal(w % 10, 1.0);
        SessionSeq q = seq(w, 1);
        acks.add(copies(pool, copies, () -> f.store.signalAsync(s, Durability.LOCAL, q)));
      }
      Set<String> positions = new HashSet<>();
      for (List<CompletableFuture<SignalAck>> same : acks) {
        SignalAck first = same.get(0).get(10, TimeUnit.SECONDS);
        for (CompletableFuture<SignalAck> other : same) {
          assertEquals(first, other.get(10, TimeUnit.SECONDS));
        }
        String at = first.shard() + "@" + first.position();
        assertTrue(positions.add(at), "two writes at " + at);
      }
      assertEquals(writes, total(f, 10), "each write counted once");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldCountEachSignalOfAPartAndRecordTheWriteOnceAtItsLastSignal() {
    try (StoreFixture f = fixture()) {
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      long other = 43;
      while (router.shardOf(ACME, other) != router.shardOf(ACME, 42)) {
        other++;
      }
      List<Signal> part = List.of(signal(42, 2.0), signal(other, 1.0), signal(42, 0.5));
      long ticket = f.store.appendSessionPartWrite(part, seq(1, 1), Durability.LOCAL);
      f.store.awaitDurable(ticket, java.time.Duration.ofSeconds(10));
      int shard = SignalTickets.shard(ticket);
      long last = SignalTickets.position(ticket);
      assertEquals(3, last, "the part's last position");
      for (int round = 0; round < 2; round++) { // and again after a restart, replayed from the log
        String what = round == 0 ? "applied" : "replayed";
        ShardState s = f.store.shardState(shard);
        assertEquals(4, s.log.nextPosition(), what + ": the DEFINE, then one position per signal");
        Decision d = s.checkSession(ACME, seq(1, 1), SessionPayload.hash(part));
        assertEquals(Decision.Kind.DUPLICATE, d.kind(), what);
        assertEquals(last, d.position(), what + ": the part's last signal");
        assertEquals(s.stampAt(last), d.hlc(), what);
        assertEquals(
            Decision.Kind.REFUSED,
            s.checkSession(ACME, seq(1, 1), SessionPayload.hash(part.subList(0, 2))).kind(),
            what + ": another payload under the same seq");
        assertEquals(Decision.Kind.NEW, s.checkSession(ACME, seq(2, 2), 7).kind(), what);
        assertEquals(2, count(f, 42), what);
        assertEquals(2.5, f.store.read(ACME, VIEW, EntityId.of(42)).weightSum(), what);
        assertEquals(1, count(f, other), what);
        f.reopenWithoutCheckpoint();
      }
    }
  }

  @Test
  void shouldStoreABatchOncePerPartAndAnswerItsRetriesWithTheOriginalAcknowledgements()
      throws Exception {
    try (StoreFixture f = fixture()) {
      List<Signal> batch = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        batch.add(signal(i % 8, 1.0 + i)); // entities 0..3 twice
      }
      List<SignalAck> acks = f.store.signalBatchAsync(batch, Durability.LOCAL, seq(1, 1)).get();
      Set<Integer> shards = new HashSet<>();
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      for (Signal signal : batch) {
        shards.add(router.shardOf(ACME, signal.entity().value()));
      }
      assertEquals(shards.size(), acks.size(), "one acknowledgement per part");
      int first = router.shardOf(ACME, 0);
      assertEquals(first, acks.get(0).shard().value(), "in the order of each part's first signal");
      for (SignalAck ack : acks) {
        ShardState s = f.store.shardState(ack.shard().value());
        assertEquals(s.log.nextPosition() - 1, ack.position(), "the part's last signal");
        assertEquals(s.stampAt(ack.position()), ack.stamp().value());
      }
      assertEquals(12, total(f, 8));
      assertEquals(
          acks, f.store.signalBatchAsync(batch, Durability.LOCAL, seq(1, 1)).get(), "a retry");
      List<SignalAck> quorum = f.store.signalBatchAsync(batch, Durability.QUORUM, seq(1, 1)).get();
      for (int i = 0; i < acks.size(); i++) {
        assertEquals(acks.get(i).position(), quorum.get(i).position(), "a retry at QUORUM");
        assertEquals(acks.get(i).stamp(), quorum.get(i).stamp());
      }
      assertEquals(12, total(f, 8), "counted once");
      f.reopenWithoutCheckpoint();
      assertEquals(
          acks,
          f.store.signalBatchAsync(batch, Durability.LOCAL, seq(1, 1)).get(),
          "a retry after a restart: answered from the log");
      List<Signal> changed = new ArrayList<>(batch);
      changed.set(11, signal(3, 99.0));
      java.util.concurrent.ExecutionException e =
          assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> f.store.signalBatchAsync(changed, Durability.LOCAL, seq(1, 1)).get());
      // the unchanged parts are stored (by the first attempt): the batch says it may be stored,
      // the changed part's refusal its cause
      io.tidaldb.api.UnavailableException u =
          assertInstanceOf(io.tidaldb.api.UnavailableException.class, e.getCause());
      assertTrue(u.mayBeStored(), u.toString());
      assertTrue(u.getCause() instanceof InvalidArgumentException, u.toString());
      assertTrue(u.getCause().getMessage().contains("payload differs"), u.getMessage());
      assertEquals(12, total(f, 8), "nothing more stored");
      assertEquals(
          shards.size(), f.store.signalBatchAsync(batch, Durability.LOCAL, seq(2, 2)).get().size());
      assertEquals(24, total(f, 8), "the next seq is a new batch");
    }
  }

  @Test
  void shouldRefuseABadBatchBeforeStoringAnyOfIt() {
    try (StoreFixture f = fixture()) {
      Signal good = signal(1, 1.0);
      assertBatchRefused(f, List.of(), "signals", "at least one signal");
      assertBatchRefused(
          f,
          List.of(good, new Signal(TenantId.DEFAULT, VIEW, EntityId.of(2), 1.0, good.eventTime())),
          "signals[1]",
          "the batch's session of acme");
      assertBatchRefused(
          f,
          List.of(
              good,
              new Signal(ACME, VIEW, EntityId.of(2), 1.0, Timestamp.ofMillis(T0 + 86_400_000L))),
          "event time",
          "ahead of the local clock");
      List<Signal> big = new ArrayList<>();
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      int max = f.store.shardState(router.shardOf(ACME, 1)).log.maxPartSignals();
      for (int i = 0; i <= max; i++) {
        big.add(signal(1, 1.0));
      }
      assertBatchRefused(f, big, "signals", "holds at most " + max);
      assertEquals(0, total(f, 8), "nothing stored");
    }
  }

  @Test
  void shouldApplyConcurrentCopiesOfEachBatchOnce() throws Exception {
    int batches = 100;
    int copies = 4;
    ExecutorService pool = Executors.newFixedThreadPool(copies);
    try (StoreFixture f = fixture()) {
      List<List<CompletableFuture<List<SignalAck>>>> acks = new ArrayList<>();
      for (int b = 1; b <= batches; b++) {
        List<Signal> batch = List.of(signal(b % 10, 1.0), signal((b + 3) % 10, 2.0));
        SessionSeq q = seq(b, 1);
        acks.add(copies(pool, copies, () -> f.store.signalBatchAsync(batch, Durability.LOCAL, q)));
      }
      for (List<CompletableFuture<List<SignalAck>>> same : acks) {
        List<SignalAck> first = same.get(0).get(10, TimeUnit.SECONDS);
        for (CompletableFuture<List<SignalAck>> other : same) {
          assertEquals(first, other.get(10, TimeUnit.SECONDS), "every copy the same answer");
        }
      }
      assertEquals(2 * batches, total(f, 10), "each batch's signals counted once");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldStoreAPlainBatchAsConsecutiveSignalsOfEachShardOnEveryCall() throws Exception {
    try (StoreFixture f = fixture()) {
      List<Signal> batch = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        batch.add(signal(i % 8, 1.0));
      }
      batch.add(new Signal(TenantId.DEFAULT, VIEW, EntityId.of(1), 5.0, Timestamp.ofMillis(T0)));
      List<SignalAck> acks = f.store.signalBatchAsync(batch, Durability.LOCAL).get();
      for (SignalAck ack : acks) {
        ShardState s = f.store.shardState(ack.shard().value());
        assertEquals(s.stampAt(ack.position()), ack.stamp().value(), "its last signal's stamp");
      }
      assertEquals(12, total(f, 8));
      assertEquals(5.0, f.store.read(TenantId.DEFAULT, VIEW, EntityId.of(1)).weightSum());
      f.store.signalBatchAsync(batch, Durability.LOCAL).get();
      assertEquals(24, total(f, 8), "no session: a second call stores the signals again");
      assertBatchRefused(
          f.store.signalBatchAsync(List.of(), Durability.LOCAL), "signals", "at least one");
    }
  }

  /** Sends {@code n} copies of a write from the pool's threads at once; their futures. */
  private static <T> List<CompletableFuture<T>> copies(
      ExecutorService pool, int n, java.util.function.Supplier<CompletableFuture<T>> write) {
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<T>> same = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      CompletableFuture<T> ack = new CompletableFuture<>();
      same.add(ack);
      pool.execute(
          () -> {
            try {
              go.await();
              write
                  .get()
                  .whenComplete(
                      (a, t) -> {
                        if (t == null) {
                          ack.complete(a);
                        } else {
                          ack.completeExceptionally(t);
                        }
                      });
            } catch (InterruptedException e) {
              ack.completeExceptionally(e);
            }
          });
    }
    go.countDown();
    return same;
  }

  private static void assertBatchRefused(
      StoreFixture f, List<Signal> batch, String value, String rule) {
    assertBatchRefused(f.store.signalBatchAsync(batch, Durability.LOCAL, seq(9, 9)), value, rule);
  }

  private static void assertBatchRefused(
      CompletableFuture<List<SignalAck>> acks, String value, String rule) {
    java.util.concurrent.ExecutionException e =
        assertThrows(java.util.concurrent.ExecutionException.class, acks::get);
    assertTrue(e.getCause() instanceof InvalidArgumentException, e.toString());
    assertTrue(e.getCause().getMessage().contains(value), e.getCause().getMessage());
    assertTrue(e.getCause().getMessage().contains(rule), e.getCause().getMessage());
  }

  /** The count of entities 0 to {@code entities} - 1. */
  static long total(StoreFixture f, int entities) {
    long total = 0;
    for (int e = 0; e < entities; e++) {
      total += count(f, e);
    }
    return total;
  }

  private StoreFixture fixture() {
    return new StoreFixture(dir, c -> c.clock(() -> T0), w -> w);
  }

  private static SessionSeq seq(long seq, long ackedBelow) {
    return new SessionSeq(SESSION, seq, ackedBelow);
  }

  static Signal signal(long entity, double weight) {
    return new Signal(ACME, VIEW, EntityId.of(entity), weight, Timestamp.ofMillis(T0 - 5));
  }

  private static long count(StoreFixture f, long entity) {
    return f.store.read(ACME, VIEW, EntityId.of(entity)).count();
  }
}
