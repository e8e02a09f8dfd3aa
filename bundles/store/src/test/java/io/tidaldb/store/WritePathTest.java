package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's one write-path decision ({@link WritePath}) against a replication the test controls:
 * append at the leader, forward elsewhere, wait (bounded by the leader wait) and decide again while
 * a forward stores nothing, fail once the bound passes with {@code mayBeStored()} false naming the
 * shard, the leader, the durability and why; a LOCAL write then takes the {@code LOCAL_STREAM}
 * branch, this region's own local stream, and the shard's next LOCAL writes take it at once until a
 * write reaches a leader again.
 */
class WritePathTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final Duration LEADER_WAIT = Duration.ofMillis(300);
  static final RegionId LEADER = RegionId.of(1);

  @TempDir Path dir;
  final FakeReplication replication = new FakeReplication();
  StoreFixture db;
  int shard;
  Signal signal;

  @BeforeEach
  void open() {
    db =
        new StoreFixture(
            dir,
            b -> b.clock(() -> T0).ackTimeout(Duration.ofSeconds(30)).leaderWait(LEADER_WAIT),
            b -> b,
            replication);
    signal = new Signal(TenantId.DEFAULT, VIEW, EntityId.of(5), 1.0, Timestamp.ofMillis(T0));
    shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(TenantId.DEFAULT, 5);
    replication.notLeading.add(shard);
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void shouldRetryAForwardThatReachedNobodyAndReturnTheLeadersAck() {
    SignalAck leaders = new SignalAck(ShardId.of(shard), 42, new HlcStamp(9), Durability.QUORUM);
    AtomicInteger tries = new AtomicInteger();
    replication.forwardAnswer =
        f ->
            tries.incrementAndGet() < 3
                ? CompletableFuture.failedFuture(unreachable())
                : CompletableFuture.completedFuture(leaders);
    assertSame(leaders, db.store.signal(signal, Durability.QUORUM));
    assertEquals(3, replication.forwards.size(), "two retries after 'not sent'");
    assertEquals(0, db.store.status().signalsAccepted(), "nothing appended here");
  }

  /** A failed future of an asynchronous write counts as refused, as a synchronous throw does. */
  @Test
  void shouldCountAnAsynchronousWriteThatFailsUnavailableAmongTheRefused() {
    replication.forwardAnswer = f -> CompletableFuture.failedFuture(unreachable());
    CompletableFuture<SignalAck> ack = db.store.signalAsync(signal, Durability.QUORUM);
    java.util.concurrent.ExecutionException e =
        assertThrows(
            java.util.concurrent.ExecutionException.class, () -> ack.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof UnavailableException, e.toString());
    assertThrows(UnavailableException.class, () -> db.store.signal(signal, Durability.QUORUM));
    StoreMetricsTest.Samples s = new StoreMetricsTest.Samples();
    db.store.collectMetrics(s);
    assertEquals(
        2.0,
        s.values.get("tidaldb_signals_refused_total{region=0,cause=unavailable,argument=}"),
        s.values.toString());
  }

  @Test
  void shouldFailAQuorumWriteWhoseLeaderStaysUnreachableAfterTheLeaderWait() {
    replication.forwardAnswer = f -> CompletableFuture.failedFuture(unreachable());
    long start = System.nanoTime();
    UnavailableException e =
        assertThrows(UnavailableException.class, () -> db.store.signal(signal, Durability.QUORUM));
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(took >= LEADER_WAIT.toMillis(), took + " ms");
    assertFalse(e instanceof NotLeaderException, e.toString());
    assertFalse(e.mayBeStored(), e.getMessage());
    assertTrue(e.region().isEmpty());
    assertTrue(
        e.getMessage()
            .startsWith(
                "shard "
                    + shard
                    + ": leader region-1 unreachable (cannot forward: UNREACHABLE; not sent,"
                    + " nothing stored); no leader took this QUORUM write of shard "
                    + shard
                    + " within the leader wait of 300 ms (timed out after "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("); nothing stored"), e.getMessage());
    assertTrue(replication.forwards.size() >= 2, "retried within the bound");
    assertEquals(0, db.store.status().signalsAccepted());
  }

  @Test
  void shouldTakeALocalWriteInTheLocalStreamOnceTheLeaderStaysOutOfReachAndTheNextOnesAtOnce()
      throws Exception {
    replication.notLeading.clear();
    db.store.signal(signal, Durability.LOCAL); // defines the series while this region leads
    replication.notLeading.add(shard);
    replication.forwardAnswer = f -> CompletableFuture.failedFuture(unreachable());
    WritePath path = db.store.writePath();
    WriteAttempt a = new WriteAttempt(shard, Durability.LOCAL, System.nanoTime());
    assertEquals(WritePath.Route.FORWARD, path.decide(a), "tries once");
    a.failed(unreachable());
    a.waited();
    assertEquals(WritePath.Route.LOCAL_STREAM, path.decide(a));
    WriteAttempt q = new WriteAttempt(shard, Durability.QUORUM, System.nanoTime());
    q.refused(new NotLeaderException(FakeReplication.LOCAL, shard, 7, Optional.of(LEADER)));
    q.failed(unreachable());
    q.waited();
    assertEquals(WritePath.Route.FAIL, path.decide(q));

    long start = System.nanoTime();
    SignalAck first = db.store.signal(signal, Durability.LOCAL);
    assertTrue(System.nanoTime() - start >= LEADER_WAIT.toNanos(), "waited the bound first");
    assertTrue(first.local(), first.toString());
    assertEquals(Durability.LOCAL, first.durability());
    int forwards = replication.forwards.size();
    SignalAck second = db.store.signal(signal, Durability.LOCAL);
    assertTrue(second.local(), second.toString());
    assertEquals(forwards + 1, replication.forwards.size(), "one forward, no wait, then local");
    SignalAck third = db.store.signalAsync(signal).get(30, TimeUnit.SECONDS);
    assertTrue(third.local(), third.toString());
    UnavailableException quorum =
        assertThrows(UnavailableException.class, () -> db.store.signal(signal, Durability.QUORUM));
    assertFalse(quorum.mayBeStored(), quorum.getMessage());
    assertEquals(
        4,
        db.store.read(TenantId.DEFAULT, VIEW, EntityId.of(5), Timestamp.ofMillis(T0)).count(),
        "one through the log, three in the local stream, the QUORUM one nowhere");

    SignalAck leaders = new SignalAck(ShardId.of(shard), 42, new HlcStamp(9), Durability.LOCAL);
    replication.forwardAnswer = f -> CompletableFuture.completedFuture(leaders);
    assertSame(leaders, db.store.signal(signal, Durability.LOCAL), "the leader is back");
    replication.forwardAnswer = f -> CompletableFuture.failedFuture(unreachable());
    forwards = replication.forwards.size();
    assertTrue(db.store.signal(signal, Durability.LOCAL).local());
    assertTrue(
        replication.forwards.size() >= forwards + 2,
        "a leader was reached since: the bound is waited again, retrying");
  }

  @Test
  void shouldFailWithNotLeaderNamingTheWaitWhenNoLeaderIsKnown() {
    replication.knownLeader = null;
    long start = System.nanoTime();
    NotLeaderException e =
        assertThrows(NotLeaderException.class, () -> db.store.signal(signal, Durability.ALL));
    assertTrue(System.nanoTime() - start >= LEADER_WAIT.toNanos());
    assertFalse(e.mayBeStored());
    assertTrue(e.leader().isEmpty());
    assertTrue(
        e.getMessage()
            .startsWith(
                "region region-0 does not lead shard "
                    + shard
                    + " (epoch 7, leader unknown, election in progress); no leader took this ALL"
                    + " write of shard "
                    + shard
                    + " within the leader wait of 300 ms"),
        e.getMessage());
  }

  @Test
  void shouldNeverRetryAForwardThatMayBeStored() {
    UnavailableException lost = new UnavailableException("sent to region 1, may be", true, LEADER);
    replication.forwardAnswer = f -> CompletableFuture.failedFuture(lost);
    assertSame(
        lost,
        assertThrows(UnavailableException.class, () -> db.store.signal(signal, Durability.ALL)));
    assertEquals(1, replication.forwards.size());
  }

  @Test
  void shouldAppendHereOnceThisRegionLeadsAfterTheLeaderChange() throws Exception {
    replication.knownLeader = null; // an election: the forward is refused, nothing sent
    replication.forwardAnswer =
        f -> {
          replication.notLeading.remove(shard); // this region wins meanwhile
          replication.leaderChanged();
          return CompletableFuture.failedFuture(
              new NotLeaderException(FakeReplication.LOCAL, shard, 7, Optional.empty()));
        };
    SignalAck ack = db.store.signalAsync(signal, Durability.QUORUM).get(30, TimeUnit.SECONDS);
    assertEquals(Durability.QUORUM, ack.durability());
    assertEquals(1, db.store.status().signalsAccepted(), "appended here");
    assertEquals(1, replication.forwards.size());
  }

  @Test
  void shouldHonourQuorumForAnAsyncWriteAtTheLeader() throws Exception {
    replication.notLeading.clear();
    db.store.signal(signal, Durability.LOCAL); // defines the series (its DEFINE waits here)
    replication.autoComplete = false;
    CompletableFuture<SignalAck> f = db.store.signalAsync(signal, Durability.QUORUM);
    FakeReplication.Call call = replication.next();
    assertEquals(Durability.QUORUM, call.level());
    assertFalse(f.isDone(), "waits for QUORUM");
    call.future().complete(null);
    assertEquals(Durability.QUORUM, f.get(30, TimeUnit.SECONDS).durability());
  }

  private static UnavailableException unreachable() {
    return new UnavailableException(
        "cannot forward: UNREACHABLE; not sent, nothing stored", false, null);
  }

  private static String withoutWaits(String message) {
    return message.replaceAll(" \\(timed out after \\d+ waits?\\)", "");
  }
}
