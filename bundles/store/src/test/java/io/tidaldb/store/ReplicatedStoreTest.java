package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.router.HashShardRouter;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

class ReplicatedStoreTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final TenantId ACME = TenantId.of("acme");
  static final HashShardRouter ROUTER = new HashShardRouter(StoreFixture.SHARDS);

  /**
   * The store's ack timeout, which also bounds the local fsync of every write: long, because the
   * tests do not control fsync speed.
   */
  static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);

  /** The ack timeout of a test that asserts that it fires (the store adds a 1 s margin). */
  static final Duration SHORT_ACK_TIMEOUT = Duration.ofSeconds(1);

  /** How long a test waits for a write's outcome: beyond either ack timeout. */
  static final long WAIT_SECONDS = 60;

  /** Marks a test whose store runs with {@link #SHORT_ACK_TIMEOUT}. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @interface ShortAckTimeout {}

  @TempDir Path dir;
  final FakeReplication replication = new FakeReplication();
  final ExecutorService writers = Executors.newCachedThreadPool();
  StoreFixture db;

  @BeforeEach
  void open(TestInfo test) {
    Duration ackTimeout =
        test.getTestMethod().filter(m -> m.isAnnotationPresent(ShortAckTimeout.class)).isPresent()
            ? SHORT_ACK_TIMEOUT
            : ACK_TIMEOUT;
    db = new StoreFixture(dir, b -> b.clock(() -> T0).ackTimeout(ackTimeout), b -> b, replication);
  }

  @AfterEach
  void close() {
    writers.shutdownNow();
    db.close();
  }

  static int shardOf(TenantId tenant, long entity) {
    return ROUTER.shardOf(tenant, entity);
  }

  /** Returns an entity other than {@code other} that lies in the same shard. */
  static long sameShardAs(TenantId tenant, long other) {
    for (long e = other + 1; ; e++) {
      if (shardOf(tenant, e) == shardOf(tenant, other)) {
        return e;
      }
    }
  }

  SignalAck signal(TenantId tenant, long entity, Durability durability) {
    return db.store.signal(
        tenant, VIEW, EntityId.of(entity), 1.0, Timestamp.ofMillis(T0), durability);
  }

  Future<SignalAck> signalInBackground(TenantId tenant, long entity, Durability durability) {
    return writers.submit(() -> signal(tenant, entity, durability));
  }

  static <T> T get(Future<T> f) throws Exception {
    try {
      return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  @Test
  void shouldRefuseWritesToShardsItDoesNotLeadAndAppendNothing() {
    int shard = shardOf(TenantId.DEFAULT, 1);
    replication.notLeading.add(shard);
    NotLeaderException e =
        assertThrows(NotLeaderException.class, () -> signal(TenantId.DEFAULT, 1, Durability.LOCAL));
    assertEquals(shard, e.shard());
    assertEquals(7, e.epoch());
    assertThrows(
        NotLeaderException.class, () -> db.store.submit(TenantId.DEFAULT, VIEW, 1, 1.0, T0));
    CompletionException async =
        assertThrows(
            CompletionException.class,
            () -> db.store.signalAsync(VIEW, EntityId.of(1), 1.0, Timestamp.ofMillis(T0)).join());
    assertTrue(async.getCause() instanceof NotLeaderException, async.toString());
    assertEquals(0, db.wal.shard(shard).nextPosition(), "no DEFINE, no signal");
    assertEquals(-1, db.store.shardState(shard).registry.find(TenantId.DEFAULT, VIEW));
    assertEquals(0, db.store.status().signalsAccepted());

    replication.notLeading.remove(shard);
    assertEquals(1, signal(TenantId.DEFAULT, 1, Durability.LOCAL).position()); // after the DEFINE
    assertEquals(1, db.store.read(VIEW, EntityId.of(1)).count());
  }

  @Test
  void shouldForwardABatchsPartOfAShardLedElsewhereAndStoreTheOtherHere() throws Exception {
    long other = 1;
    while (shardOf(TenantId.DEFAULT, other) == shardOf(TenantId.DEFAULT, 0)) {
      other++;
    }
    int led = shardOf(TenantId.DEFAULT, 0);
    int notLed = shardOf(TenantId.DEFAULT, other);
    replication.notLeading.add(notLed); // led by region 1
    List<Signal> batch =
        List.of(
            new Signal(TenantId.DEFAULT, VIEW, EntityId.of(0), 1.0, Timestamp.ofMillis(T0)),
            new Signal(TenantId.DEFAULT, VIEW, EntityId.of(other), 2.0, Timestamp.ofMillis(T0)),
            new Signal(TenantId.DEFAULT, VIEW, EntityId.of(0), 3.0, Timestamp.ofMillis(T0)));
    SessionSeq seq = new SessionSeq(0x5e55L, 1, 1);
    List<SignalAck> acks = get(db.store.signalBatchAsync(batch, Durability.QUORUM, seq));
    assertEquals(2, acks.size(), "one acknowledgement per part: " + acks);
    assertEquals(led, acks.get(0).shard().value(), "the part stored here first");
    assertEquals(77, acks.get(1).position(), "the leader's acknowledgement of the forwarded part");
    FakeReplication.PartForward sent = replication.partForwards.poll();
    assertEquals(notLed, sent.shard());
    assertEquals(List.of(batch.get(1)), sent.signals());
    assertEquals(seq, sent.session());
    assertEquals(Durability.QUORUM, sent.durability());
    assertEquals(2, db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(0)).count());
    assertEquals(0, db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(other)).count());

    ExecutionException plain =
        assertThrows(
            ExecutionException.class,
            () -> db.store.signalBatchAsync(batch, Durability.LOCAL).get());
    assertTrue(plain.getCause() instanceof NotLeaderException, plain.toString());
    assertEquals(notLed, ((NotLeaderException) plain.getCause()).shard());
    assertEquals(2, db.store.status().signalsAccepted(), "a plain batch is led here whole or not");

    // the leader's side: a part forwarded here, checked and stored once like its own
    replication.notLeading.remove(notLed);
    List<Signal> part = List.of(batch.get(1));
    SignalAck first = get(db.store.acceptForwardedPart(part, Durability.QUORUM, seq));
    assertEquals(first, get(db.store.acceptForwardedPart(part, Durability.QUORUM, seq)), "a retry");
    assertEquals(1, db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(other)).count());
    ExecutionException twoShards =
        assertThrows(
            ExecutionException.class,
            () -> db.store.acceptForwardedPart(batch, Durability.QUORUM, seq).get());
    assertTrue(twoShards.getCause().getMessage().contains("a part holds one shard's"));
  }

  @Test
  void shouldHoldABatchWhileItsShardsLeaderIsUnknownOrJustElectedHereUpToTheLeaderWait()
      throws Exception {
    int shard = shardOf(TenantId.DEFAULT, 0);
    List<Signal> batch =
        List.of(new Signal(TenantId.DEFAULT, VIEW, EntityId.of(0), 1.0, Timestamp.ofMillis(T0)));
    SessionSeq seq = new SessionSeq(0x5e56L, 1, 1);
    replication.notLeading.add(shard);
    replication.knownLeader = FakeReplication.LOCAL; // elected here, not yet taking writes
    CompletableFuture<List<SignalAck>> held =
        db.store.signalBatchAsync(batch, Durability.LOCAL, seq);
    assertThrows(
        java.util.concurrent.TimeoutException.class, () -> held.get(50, TimeUnit.MILLISECONDS));
    replication.notLeading.remove(shard);
    replication.leaderChanged(); // its leadership became active
    assertEquals(1, held.get(WAIT_SECONDS, TimeUnit.SECONDS).size());
    assertEquals(1, db.store.status().signalsAccepted());

    replication.notLeading.add(shard);
    replication.knownLeader = null; // no leader known, and none comes: refused after the wait
    long start = System.nanoTime();
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                db.store
                    .signalBatchAsync(batch, Durability.QUORUM, new SessionSeq(0x5e56L, 2, 2))
                    .get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof NotLeaderException, e.toString());
    assertTrue(
        System.nanoTime() - start >= StoreConfig.DEFAULT_LEADER_WAIT_MILLIS * 1_000_000 / 2,
        "refused only once the leader wait ran out");
    assertEquals(1, db.store.status().signalsAccepted(), "nothing more stored");

    // a LOCAL one (its retry) goes to this region's local stream once the wait ran out
    List<SignalAck> local =
        db.store
            .signalBatchAsync(batch, Durability.LOCAL, new SessionSeq(0x5e56L, 2, 2))
            .get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertTrue(local.get(0).local(), local.toString());
    assertEquals(2, db.store.status().signalsAccepted());
  }

  @Test
  void shouldWaitForQuorumAndAllAndReturnTheLevelMet() throws Exception {
    signal(TenantId.DEFAULT, 1, Durability.LOCAL); // defines the series
    replication.autoComplete = false;
    assertEquals(Durability.LOCAL, signal(TenantId.DEFAULT, 1, Durability.LOCAL).durability());
    assertTrue(replication.calls.isEmpty(), "LOCAL does not ask replication");

    for (Durability level : new Durability[] {Durability.QUORUM, Durability.ALL}) {
      Future<SignalAck> ack = signalInBackground(TenantId.DEFAULT, 1, level);
      FakeReplication.Call call = replication.next();
      assertEquals(level, call.level());
      assertEquals(shardOf(TenantId.DEFAULT, 1), call.shard());
      assertFalse(ack.isDone(), "acknowledged before replication stored it");
      // local durability came first: the record is already applied
      assertTrue(db.wal.shard(call.shard()).durablePosition() > call.position());
      call.future().complete(null);
      SignalAck done = get(ack);
      assertEquals(level, done.durability());
      assertEquals(call.position(), done.position());
    }
  }

  @Test
  @ShortAckTimeout
  void shouldSurfaceAFailedOrTimedOutQuorumAsUnavailable() throws Exception {
    signal(TenantId.DEFAULT, 1, Durability.LOCAL);
    replication.autoComplete = false;

    Future<SignalAck> failed = signalInBackground(TenantId.DEFAULT, 1, Durability.QUORUM);
    UnavailableException cause = new UnavailableException("QUORUM not reached: only region-0");
    replication.next().future().completeExceptionally(cause);
    assertSame(cause, assertThrows(UnavailableException.class, () -> get(failed)));

    Future<SignalAck> wrapped = signalInBackground(TenantId.DEFAULT, 1, Durability.ALL);
    replication.next().future().completeExceptionally(new CompletionException(cause));
    assertSame(cause, assertThrows(UnavailableException.class, () -> get(wrapped)));

    Future<SignalAck> timedOut = signalInBackground(TenantId.DEFAULT, 1, Durability.QUORUM);
    FakeReplication.Call never = replication.next();
    UnavailableException e = assertThrows(UnavailableException.class, () -> get(timedOut));
    assertTrue(e.getMessage().contains("QUORUM"), e.getMessage());
    assertTrue(e.getMessage().contains("position " + never.position()), e.getMessage());
    assertTrue(e.getMessage().contains("not reached within 2000 ms"), e.getMessage());
    // the signals are stored locally all the same
    assertEquals(4, db.store.read(VIEW, EntityId.of(1)).count());
  }

  @Test
  void shouldAppendANewSeriesFirstSignalOnlyOnceItsDefineIsOnAQuorum() throws Exception {
    replication.autoComplete = false;
    long first = 3;
    long second = sameShardAs(ACME, first);
    int shard = shardOf(ACME, first);
    Future<SignalAck> a = signalInBackground(ACME, first, Durability.LOCAL);
    FakeReplication.Call define = replication.next();
    assertEquals(Durability.QUORUM, define.level());
    assertEquals(shard, define.shard());
    assertEquals(0, define.position());
    // a concurrent writer of the same new series waits for the same DEFINE
    Future<SignalAck> b = signalInBackground(ACME, second, Durability.LOCAL);
    FakeReplication.Call again = replication.next();
    assertEquals(0, again.position());
    assertEquals(1, db.wal.shard(shard).nextPosition(), "only the DEFINE is appended");
    assertFalse(a.isDone() || b.isDone());

    define.future().complete(null);
    again.future().complete(null);
    assertEquals(Durability.LOCAL, get(a).durability());
    get(b);
    assertEquals(3, db.wal.shard(shard).nextPosition());
    assertTrue(db.store.shardState(shard).pendingDefines.isEmpty());
    signal(ACME, first, Durability.LOCAL);
    assertTrue(replication.calls.isEmpty(), "a confirmed series does not wait again");
    assertEquals(2, db.store.read(ACME, VIEW, EntityId.of(first)).count());
  }

  @Test
  void shouldNameTheSeriesWhenItsDefineIsNotStoredAndRetryTheWaitLater() throws Exception {
    replication.autoComplete = false;
    int shard = shardOf(ACME, 5);
    Future<SignalAck> refused = signalInBackground(ACME, 5, Durability.LOCAL);
    replication.next().future().completeExceptionally(new UnavailableException("no quorum"));
    UnavailableException e = assertThrows(UnavailableException.class, () -> get(refused));
    assertTrue(e.getMessage().contains("tenant acme, type view"), e.getMessage());
    assertTrue(e.getMessage().contains("shard " + shard), e.getMessage());
    assertTrue(e.getMessage().contains("no quorum"), e.getMessage());
    assertEquals(1, db.wal.shard(shard).nextPosition(), "the DEFINE, no signal");

    Future<SignalAck> retry = signalInBackground(ACME, 5, Durability.LOCAL);
    FakeReplication.Call call = replication.next();
    assertEquals(0, call.position(), "waits for the same DEFINE again");
    call.future().complete(null);
    assertEquals(1, get(retry).position());
    assertEquals(1, db.store.read(ACME, VIEW, EntityId.of(5)).count());
  }

  @Test
  void shouldCompleteAsyncSignalsAtLocalDurability() throws Exception {
    SignalAck ack =
        db.store
            .signalAsync(VIEW, EntityId.of(9), 1.0, Timestamp.ofMillis(T0))
            .get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(Durability.LOCAL, ack.durability());
    assertTrue(replication.calls.isEmpty());
  }

  @Test
  void shouldForwardSignalsOfShardsItDoesNotLeadAndAppendNothing() throws Exception {
    int shard = shardOf(ACME, 5);
    replication.notLeading.add(shard);
    SignalAck leaders =
        new SignalAck(
            io.tidaldb.api.ShardId.of(shard),
            42,
            new io.tidaldb.api.HlcStamp(9),
            Durability.QUORUM);
    replication.forwardAnswer = f -> CompletableFuture.completedFuture(leaders);

    assertSame(leaders, signal(ACME, 5, Durability.QUORUM));
    assertEquals(
        new FakeReplication.Forward(
            shard,
            new Signal(ACME, VIEW, EntityId.of(5), 1.0, Timestamp.ofMillis(T0)),
            Durability.QUORUM),
        replication.forwards.poll());
    assertSame(
        leaders,
        db.store.signalAsync(ACME, VIEW, EntityId.of(5), 1.0, Timestamp.ofMillis(T0)).get());
    assertEquals(Durability.LOCAL, replication.forwards.poll().durability());
    assertThrows(NotLeaderException.class, () -> db.store.submit(ACME, VIEW, 5, 1.0, T0));
    assertEquals(0, db.wal.shard(shard).nextPosition(), "nothing appended at the origin");
    assertEquals(0, db.store.status().signalsAccepted());
  }

  @Test
  void shouldValidateLocallyBeforeForwarding() {
    int shard = shardOf(ACME, 5);
    replication.notLeading.add(shard);
    io.tidaldb.api.InvalidArgumentException e =
        assertThrows(
            io.tidaldb.api.InvalidArgumentException.class,
            () ->
                db.store.signal(
                    ACME,
                    VIEW,
                    EntityId.of(5),
                    Double.NaN,
                    Timestamp.ofMillis(T0),
                    Durability.ALL));
    assertEquals("invalid weight: NaN (must be finite)", e.getMessage());
    assertThrows(
        io.tidaldb.api.UnknownTenantException.class,
        () -> signal(TenantId.of("initech"), 5, Durability.QUORUM));
    assertTrue(replication.forwards.isEmpty(), "bad input is never forwarded");
  }

  @Test
  void shouldSurfaceTheLeadersRefusalUnchanged() {
    int shard = shardOf(ACME, 5);
    replication.notLeading.add(shard);
    UnavailableException refusal = new UnavailableException("forwarded to region 1: full");
    replication.forwardAnswer = f -> CompletableFuture.failedFuture(refusal);
    assertSame(
        refusal, assertThrows(UnavailableException.class, () -> signal(ACME, 5, Durability.LOCAL)));
  }

  @Test
  void shouldAcceptAForwardedSignalAsALeaderWriteAtTheAskedDurability() throws Exception {
    CompletableFuture<SignalAck> local = // blocks this thread for the DEFINE's QUORUM (at once)
        db.store.acceptForwarded(
            new Signal(ACME, VIEW, EntityId.of(5), 2.0, Timestamp.ofMillis(T0)), Durability.LOCAL);
    assertEquals(Durability.LOCAL, local.get(WAIT_SECONDS, TimeUnit.SECONDS).durability());
    replication.autoComplete = false;
    CompletableFuture<SignalAck> quorum =
        db.store.acceptForwarded(
            new Signal(ACME, VIEW, EntityId.of(5), 2.0, Timestamp.ofMillis(T0)), Durability.QUORUM);
    FakeReplication.Call call = replication.next();
    assertEquals(Durability.QUORUM, call.level());
    assertFalse(quorum.isDone(), "waits for whenStored");
    call.future().complete(null);
    SignalAck ack = quorum.get(WAIT_SECONDS, TimeUnit.SECONDS);
    assertEquals(Durability.QUORUM, ack.durability());
    assertEquals(call.position(), ack.position());
    assertEquals(2, db.store.read(ACME, VIEW, EntityId.of(5), Timestamp.ofMillis(T0)).count());

    int shard = shardOf(ACME, 5);
    replication.notLeading.add(shard);
    ExecutionException refused =
        assertThrows(
            ExecutionException.class,
            () ->
                db.store
                    .acceptForwarded(
                        new Signal(ACME, VIEW, EntityId.of(5), 2.0, Timestamp.ofMillis(T0)),
                        Durability.LOCAL)
                    .get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof NotLeaderException, refused.toString());
  }
}
