package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignalStoreEngineTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final SignalType LIKE = SignalType.of("like");
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");

  @TempDir Path dir;
  final AtomicLong now = new AtomicLong(T0);
  StoreFixture db;

  @BeforeEach
  void open() {
    db = new StoreFixture(dir, b -> b.clock(now::get).defaultHalfLife(Duration.ofHours(1)), b -> b);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static Timestamp at(long millis) {
    return Timestamp.ofMillis(millis);
  }

  @Test
  void shouldReadBackCountSumScoreAndLastSeen() {
    SignalAck ack = db.store.signal(VIEW, EntityId.of(42), 1.5, at(T0 - 1000));
    db.store.signal(VIEW, EntityId.of(42), 2.5, at(T0));
    SignalAggregate a = db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(42), at(T0));
    assertEquals(2, a.count());
    assertEquals(4.0, a.weightSum());
    assertEquals(T0, a.lastSeen().orElseThrow().epochMillis());
    assertEquals(4.0, a.decayedScore(), 1e-3);
    assertTrue(ack.stamp().value() > 0);
    assertEquals(
        SignalAggregate.empty(at(T0)),
        db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(43), at(T0)));
    assertEquals(0, db.store.read(LIKE, EntityId.of(42)).count());
  }

  @Test
  void shouldDecayScoreByOneHalfPerHalfLife() {
    db.store.signal(VIEW, EntityId.of(1), 8.0, at(T0));
    long hour = Duration.ofHours(1).toMillis();
    assertEquals(
        8.0, db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(1), at(T0)).decayedScore(), 1e-9);
    assertEquals(
        4.0,
        db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(1), at(T0 + hour)).decayedScore(),
        1e-9);
    assertEquals(
        1.0,
        db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(1), at(T0 + 3 * hour)).decayedScore(),
        1e-9);
  }

  @Test
  void shouldSubtractRetractions() {
    db.store.signal(VIEW, EntityId.of(7), 3.0, at(T0));
    db.store.signal(VIEW, EntityId.of(7), -1.0, at(T0));
    SignalAggregate a = db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(7), at(T0));
    assertEquals(0, a.count());
    assertEquals(2.0, a.weightSum());
    assertEquals(2.0, a.decayedScore(), 1e-9);
  }

  @Test
  void shouldRankTopKByDecayedScoreThenEntityId() {
    db.store.signal(VIEW, EntityId.of(1), 1.0, at(T0));
    db.store.signal(VIEW, EntityId.of(2), 5.0, at(T0));
    db.store.signal(VIEW, EntityId.of(3), 5.0, at(T0));
    db.store.signal(VIEW, EntityId.of(4), 9.0, at(T0 - Duration.ofHours(2).toMillis())); // 2.25 now
    db.store.signal(VIEW, EntityId.of(5), -1.0, at(T0)); // no positive score: omitted
    db.store.signal(LIKE, EntityId.of(6), 100.0, at(T0)); // another type
    List<RankedEntity> top = db.store.top(TenantId.DEFAULT, VIEW, 3, at(T0));
    assertEquals(List.of(2L, 3L, 4L), top.stream().map(r -> r.entity().value()).toList());
    assertEquals(5.0, top.get(0).score(), 1e-9);
    assertEquals(4, db.store.top(TenantId.DEFAULT, VIEW, 10, at(T0)).size());
    for (int k : new int[] {0, -1, SignalStore.MAX_TOP_K + 1}) {
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class,
              () -> db.store.top(TenantId.DEFAULT, VIEW, k, at(T0)));
      assertTrue(
          e.getMessage().contains("k") && e.getMessage().contains(String.valueOf(k)),
          e.getMessage());
    }
    assertEquals(4, db.store.top(TenantId.DEFAULT, VIEW, SignalStore.MAX_TOP_K, at(T0)).size());
    // a page of the same ranking
    assertEquals(
        List.of(3L, 4L),
        db.store.topPage(TenantId.DEFAULT, VIEW, 1, 2, at(T0)).stream()
            .map(r -> r.entity().value())
            .toList());
    assertEquals(List.of(), db.store.topPage(TenantId.DEFAULT, VIEW, 9, 2, at(T0)));
    assertThrows(
        InvalidArgumentException.class,
        () -> db.store.topPage(TenantId.DEFAULT, VIEW, SignalStore.MAX_TOP_K, 1, at(T0)));
  }

  @Test
  void shouldRefuseReadsSoFarBeforeTheLandmarkThatScoresOverflowAndKeepServing() {
    db.store.signal(VIEW, EntityId.of(1), 1.0, at(T0));
    db.store.signal(VIEW, EntityId.of(2), 2.0, at(T0));
    Timestamp year = at(T0 - 365L * 86_400_000L); // 8,760 half-lives of 1 h: 2^8760
    InvalidArgumentException read =
        assertThrows(
            InvalidArgumentException.class,
            () -> db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(1), year));
    assertEquals("at", read.argument());
    assertEquals(Long.toString(year.epochMillis()), read.value());
    assertTrue(read.getMessage().contains("earliest time"), read.getMessage());
    for (int k : new int[] {1, 10, SignalStore.MAX_TOP_K}) {
      InvalidArgumentException top =
          assertThrows(
              InvalidArgumentException.class, () -> db.store.top(TenantId.DEFAULT, VIEW, k, year));
      assertEquals("at", top.argument());
    }
    // a week back is 168 half-lives: large scores, finite, in the same order
    List<RankedEntity> week =
        db.store.top(TenantId.DEFAULT, VIEW, 2, at(T0 - Duration.ofDays(7).toMillis()));
    assertEquals(List.of(2L, 1L), week.stream().map(r -> r.entity().value()).toList());
    assertTrue(Double.isFinite(week.get(0).score()));
    assertEquals(
        2.0, db.store.top(TenantId.DEFAULT, VIEW, 1, at(T0)).get(0).score(), 1e-9); // serving
  }

  @Test
  void shouldIsolateTenants() {
    db.store.signal(ACME, VIEW, EntityId.of(1), 1.0, at(T0));
    db.store.signal(GLOBEX, VIEW, EntityId.of(1), 5.0, at(T0));
    assertEquals(1.0, db.store.read(ACME, VIEW, EntityId.of(1), at(T0)).weightSum());
    assertEquals(5.0, db.store.read(GLOBEX, VIEW, EntityId.of(1), at(T0)).weightSum());
    assertEquals(0, db.store.read(VIEW, EntityId.of(1)).count());
    assertEquals(1, db.store.top(ACME, VIEW, 5, at(T0)).size());
    assertEquals(1.0, db.store.top(ACME, VIEW, 5, at(T0)).get(0).score(), 1e-9);
  }

  @Test
  void shouldRejectBadInputNamingTheValueAndKeepServing() {
    db.store.signal(VIEW, EntityId.of(9), 1.0, at(T0));
    assertMessage("weight: NaN", () -> db.store.signal(VIEW, EntityId.of(9), Double.NaN, at(T0)));
    assertMessage(
        "weight: Infinity",
        () -> db.store.signal(VIEW, EntityId.of(9), Double.POSITIVE_INFINITY, at(T0)));
    assertMessage(
        "weight: -Infinity",
        () -> db.store.signal(VIEW, EntityId.of(9), Double.NEGATIVE_INFINITY, at(T0)));
    assertMessage("weight: 1.0E13", () -> db.store.signal(VIEW, EntityId.of(9), 1e13, at(T0)));
    assertMessage(
        "event time",
        () -> db.store.signal(VIEW, EntityId.of(9), 1.0, at(T0 + Duration.ofHours(1).toMillis())));
    assertMessage("event time: -5", () -> db.store.submit(TenantId.DEFAULT, VIEW, 9, 1.0, -5));
    assertMessage("k: -1", () -> db.store.top(VIEW, -1));
    assertMessage("signal type: ''", () -> SignalType.of(""));
    assertMessage("signal type: '9lives'", () -> SignalType.of("9lives"));
    assertMessage("characters", () -> SignalType.of("x".repeat(65)));
    assertMessage("tenant: 'Bad Tenant'", () -> TenantId.of("Bad Tenant"));
    UnknownTenantException unknown =
        assertThrows(
            UnknownTenantException.class,
            () -> db.store.signal(TenantId.of("initech"), VIEW, EntityId.of(9), 1.0, at(T0)));
    assertTrue(unknown.getMessage().contains("'initech'"), unknown.getMessage());
    assertThrows(
        UnknownTenantException.class,
        () -> db.store.read(TenantId.of("initech"), VIEW, EntityId.of(9)));
    CompletionException async =
        assertThrows(
            CompletionException.class,
            () -> db.store.signalAsync(VIEW, EntityId.of(9), Double.NaN, at(T0)).join());
    assertTrue(async.getCause() instanceof InvalidArgumentException);
    // nothing stored, still serving
    assertEquals(1, db.store.read(VIEW, EntityId.of(9)).count());
    db.store.signal(VIEW, EntityId.of(9), 1.0, at(T0));
    assertEquals(2, db.store.read(VIEW, EntityId.of(9)).count());
  }

  @Test
  void shouldRunAsyncContinuationsOffTheCommitThreadSoThatABlockingOneStallsNoCommit()
      throws Exception {
    Thread test = Thread.currentThread();
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<String> blockedOn = new AtomicReference<>();
    EntityId entity = EntityId.of(5);
    try {
      // A caller chains a continuation that blocks. It must run off the thread that commits the
      // shard; until the fix it ran there whenever it was chained before the fsync completed.
      for (int attempt = 0; attempt < 1_000 && blockedOn.get() == null; attempt++) {
        CountDownLatch ran = new CountDownLatch(1);
        CompletableFuture<SignalAck> f = db.store.signalAsync(VIEW, entity, 1.0, at(T0));
        f.thenRun(
            () -> {
              if (Thread.currentThread() != test) { // completed before chaining: try again
                blockedOn.compareAndSet(null, Thread.currentThread().getName());
                ran.countDown();
                awaitQuietly(release);
              } else {
                ran.countDown();
              }
            });
        assertTrue(ran.await(10, TimeUnit.SECONDS), "continuation of attempt " + attempt);
      }
      assertTrue(blockedOn.get() != null, "no continuation ran asynchronously");
      // Other writers of the same shard still commit, and other async acks still complete.
      long start = System.nanoTime();
      db.store.signal(VIEW, entity, 1.0, at(T0));
      assertTrue(
          db.store.signalAsync(VIEW, entity, 1.0, at(T0)).get(10, TimeUnit.SECONDS).position() > 0);
      System.out.printf(
          "store figures: write beside a blocked continuation (%s) took %d us%n",
          blockedOn.get(), TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
      assertFalse(blockedOn.get().startsWith("tidal-wal-commit"), blockedOn.get());
    } finally {
      release.countDown();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void shouldAcknowledgeAsyncAndPipelinedSignals() throws Exception {
    SignalAck ack =
        db.store.signalAsync(VIEW, EntityId.of(5), 1.0, at(T0)).get(10, TimeUnit.SECONDS);
    assertTrue(ack.position() >= 0 && ack.shard().value() < StoreFixture.SHARDS);
    long last = 0;
    for (int i = 0; i < 10_000; i++) {
      last = db.store.submit(TenantId.DEFAULT, VIEW, 1000 + (i % 100), 1.0, T0);
    }
    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      long next = db.wal.shard(shard).nextPosition();
      if (next > 0) {
        db.store.awaitDurable(
            io.tidaldb.api.SignalTickets.ticket(shard, next - 1), Duration.ofSeconds(10));
      }
    }
    db.store.awaitDurable(last, Duration.ofSeconds(10));
    long total = 0;
    for (int e = 1000; e < 1100; e++) {
      total += db.store.read(VIEW, EntityId.of(e)).count();
    }
    assertEquals(10_000, total);
  }

  @Test
  void shouldReportPositionsInStatus() {
    for (int i = 0; i < 100; i++) {
      db.store.signal(VIEW, EntityId.of(i), 1.0, at(T0));
    }
    StoreStatus status = db.store.status();
    assertEquals(100, status.signalsAccepted());
    assertEquals(StoreFixture.SHARDS, status.shards().size());
    long records = 0;
    long entities = 0;
    for (ShardStatus s : status.shards()) {
      assertEquals(s.nextPosition(), s.durablePosition());
      assertEquals(s.durablePosition(), s.appliedPosition());
      records += s.appliedPosition();
      entities += s.entities();
    }
    assertEquals(100 + StoreFixture.SHARDS, records); // plus one DEFINE record per shard
    assertEquals(100, entities);
  }

  @Test
  void shouldRefuseCallsAfterClose() {
    db.store.close();
    assertThrows(
        UnavailableException.class, () -> db.store.signal(VIEW, EntityId.of(1), 1.0, at(T0)));
    assertThrows(UnavailableException.class, () -> db.store.read(VIEW, EntityId.of(1)));
    db.store.close(); // idempotent
  }

  static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, call);
    assertTrue(
        e.getMessage().contains(expected),
        () -> "'" + e.getMessage() + "' lacks '" + expected + "'");
  }
}
