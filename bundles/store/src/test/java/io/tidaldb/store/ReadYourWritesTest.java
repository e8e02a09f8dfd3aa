package io.tidaldb.store;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StaleReadException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-your-writes and bounded staleness at a follower: A is a single-region store whose logs are
 * in epoch 3 (a leader of every shard), F (region 1) follows every shard through a {@link
 * FakeReplication} and is fed A's batches by the test. A token built from A's acknowledgements
 * makes F's read wait until F applied them, or fail as stale after F's read wait.
 */
class ReadYourWritesTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final TenantId ACME = TenantId.of("acme");

  @TempDir Path dir;
  StoreFixture a;
  StoreFixture f;
  final FakeReplication followerReplication = new FakeReplication();

  @BeforeEach
  void openLeader() {
    a = new StoreFixture(dir.resolve("a"), s -> s.clock(() -> T0), w -> w);
    for (int i = 0; i < StoreFixture.SHARDS; i++) {
      a.wal.shard(i).advanceEpoch(3);
      followerReplication.notLeading.add(i);
    }
  }

  void openFollower(Duration readWait) {
    f =
        new StoreFixture(
            dir.resolve("f"),
            s -> s.clock(() -> T0).region(RegionId.of(1)).readWaitMax(readWait),
            w -> w,
            followerReplication);
  }

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
    a.close();
  }

  SignalAck write(long entity) {
    return a.store.signal(
        new Signal(ACME, VIEW, EntityId.of(entity), 1.0, Timestamp.ofMillis(T0)), Durability.LOCAL);
  }

  SignalAggregate readAtF(long entity, ReadToken token) {
    return f.store.read(ACME, VIEW, EntityId.of(entity), Timestamp.ofMillis(T0), token);
  }

  @Test
  void shouldWaitAtAFollowerUntilItAppliesTheTokenThenAnswerWithTheWrites() throws Exception {
    openFollower(Duration.ofSeconds(60));
    ReadToken token = ReadToken.EMPTY;
    for (int i = 0; i < 3; i++) {
      token = token.merge(ReadToken.EMPTY.with(write(7)));
    }
    int shard = write(7).shard().value(); // a fourth write the token does not hold
    ReadToken held = token;
    CompletableFuture<SignalAggregate> read = CompletableFuture.supplyAsync(() -> readAtF(7, held));
    ShardState s = f.store.shardState(shard);
    await().atMost(30, TimeUnit.SECONDS).until(() -> s.readWaits.waiters() == 1);
    assertFalse(read.isDone(), "answered before the follower applied anything");
    assertEquals(0, f.store.read(ACME, VIEW, EntityId.of(7), Timestamp.ofMillis(T0)).count());

    SessionRegions.feedAll(a, f);

    SignalAggregate answer = read.get(30, TimeUnit.SECONDS);
    assertTrue(answer.count() >= 3, "the read saw " + answer.count() + " of the 3 writes");
    assertEquals(0, s.readWaits.waiters());
  }

  @Test
  void shouldFailWithTheStaleMessageAfterTheReadWaitWhenTheFollowerStaysBehind() {
    openFollower(Duration.ofMillis(300));
    int shard = -1;
    long[] last = new long[StoreFixture.SHARDS];
    Arrays.fill(last, -1);
    for (int i = 0; i < 1_400; i++) {
      long ticket = a.store.submit(ACME, VIEW, 7, 1.0, T0);
      shard = io.tidaldb.api.SignalTickets.shard(ticket);
      a.store.awaitDurable(ticket, Duration.ofSeconds(30)); // one batch per signal
    }
    SignalAck ack = write(7);
    long[] to = new long[StoreFixture.SHARDS];
    to[shard] = 1_205;
    SessionRegions.feed(a, f, to);
    long through = f.wal.shard(shard).nextPosition() - 1;
    assertEquals(1_204, through, "fed batch by batch up to position 1,205");
    long needed = ack.position();

    long started = System.nanoTime();
    StaleReadException e =
        assertThrows(StaleReadException.class, () -> readAtF(7, ReadToken.EMPTY.with(ack)));
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

    String expected =
        String.format(
            Locale.ROOT,
            "stale: shard %d applied through 1,204, token needs %,d (%,d records behind, waited ",
            shard,
            needed,
            needed - 1_204);
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    Matcher waited = Pattern.compile("waited ([0-9,]+) ms\\)$").matcher(e.getMessage());
    assertTrue(waited.find(), e.getMessage());
    long waitedMillis = Long.parseLong(waited.group(1).replace(",", ""));
    assertTrue(waitedMillis >= 300 && waitedMillis <= elapsedMillis, e.getMessage());
    assertEquals(StaleReadException.Reason.BEHIND_TOKEN, e.reason());
    assertEquals(shard, e.shard());
    assertEquals(1_204, e.applied());
    assertEquals(needed, e.needed());
    assertEquals(waitedMillis, e.waitedMillis());
    assertFalse(e.mayBeStored(), "a read stores nothing");
    assertTrue(e instanceof UnavailableException);
    assertEquals(0, f.store.shardState(shard).readWaits.waiters());
  }

  @Test
  void shouldNotAnswerFromAnotherWriteAtTheTokensPositionUntilTheCutReplacesIt() throws Exception {
    // B: a deposed leader (epoch 2) whose records F holds; A (epoch 3) took the client's write at
    // the same position. F must not answer the token from B's record there.
    StoreFixture b = new StoreFixture(dir.resolve("b"), s -> s.clock(() -> T0 - 5_000), w -> w);
    try {
      for (int i = 0; i < StoreFixture.SHARDS; i++) {
        b.wal.shard(i).advanceEpoch(2);
      }
      openFollower(Duration.ofMillis(300));
      SignalAck ours = write(7);
      SignalAck theirs =
          b.store.signal(
              new Signal(ACME, VIEW, EntityId.of(7), 5.0, Timestamp.ofMillis(T0)),
              Durability.LOCAL);
      assertEquals(ours.position(), theirs.position(), "the same position in both logs");
      assertNotEquals(ours.stamp(), theirs.stamp());
      int shard = ours.shard().value();
      SessionRegions.feedAll(b, f);
      ReadToken token = ReadToken.EMPTY.with(ours);

      StaleReadException e = assertThrows(StaleReadException.class, () -> readAtF(7, token));
      assertEquals(StaleReadException.Reason.OTHER_WRITE, e.reason());
      String expected =
          String.format(
              Locale.ROOT,
              "stale: shard %d applied through %d, but its record at %d is another write than the"
                  + " token's (a deposed leader's records not cut yet, or the token's write was"
                  + " cut in a failover; waited ",
              shard,
              theirs.position(),
              ours.position());
      assertTrue(e.getMessage().startsWith(expected), e.getMessage());
      assertTrue(e.waitedMillis() >= 300, e.getMessage());

      f.close();
      f = null;
      openFollower(Duration.ofSeconds(60)); // F again, over its files
      CompletableFuture<SignalAggregate> read =
          CompletableFuture.supplyAsync(() -> readAtF(7, token));
      ShardState s = f.store.shardState(shard);
      await().atMost(30, TimeUnit.SECONDS).until(() -> s.readWaits.waiters() == 1);
      f.store.truncateLog(shard, 0, 3); // the epoch sync cuts B's records
      SessionRegions.feedAll(a, f); // and A's log arrives
      assertTrue(read.get(30, TimeUnit.SECONDS).count() >= 1);
    } finally {
      b.close();
    }
  }

  @Test
  void shouldAnswerAtOnceWhenTheRegionAlreadyAppliedTheToken() {
    openFollower(Duration.ZERO);
    SignalAck ack = write(9);
    SessionRegions.feedAll(a, f);
    assertEquals(1, readAtF(9, ReadToken.EMPTY.with(ack)).count());
    assertEquals(1, readAtF(9, ReadToken.EMPTY).count());
    assertEquals(
        1, f.store.top(ACME, VIEW, 10, Timestamp.ofMillis(T0), ReadToken.EMPTY.with(ack)).size());
  }

  @Test
  void shouldFailATopWhoseTokenNamesAShardNotAppliedYet() {
    openFollower(Duration.ZERO);
    SignalAck ack = write(11);
    StaleReadException e =
        assertThrows(
            StaleReadException.class,
            () -> f.store.top(ACME, VIEW, 10, Timestamp.ofMillis(T0), ReadToken.EMPTY.with(ack)));
    assertEquals(ack.shard().value(), e.shard());
    assertEquals(-1, e.applied());
  }

  @Test
  void shouldRefuseALocalWriteOfAnotherRegionAtOnceSayingReconciliationBringsIt() {
    openFollower(Duration.ofSeconds(60));
    SignalAck local =
        new SignalAck(
            io.tidaldb.api.ShardId.of(2),
            17,
            new io.tidaldb.api.HlcStamp(1L << 20),
            Durability.LOCAL,
            true);
    ReadToken token = ReadToken.EMPTY.with(RegionId.of(2), local);
    long entity = entityOfShard(2);
    StaleReadException e = assertThrows(StaleReadException.class, () -> readAtF(entity, token));
    assertEquals(
        "stale: shard 2: the token holds a write of region 2's own stream (local position 17),"
            + " which becomes visible at region 1 only after reconciliation; read at region 2, or"
            + " without it (ReadToken.withoutLocal) once reconciled",
        e.getMessage());
    assertEquals(StaleReadException.Reason.LOCAL_ELSEWHERE, e.reason());
    assertEquals(0, e.waitedMillis());
    assertEquals(0, readAtF(entity, token.withoutLocal()).count());
  }

  @Test
  void shouldReadALocalStreamWriteAtTheRegionThatAcceptedIt() throws Exception {
    long entity = entityOfShard(1);
    a.store.signal(
        new Signal(ACME, VIEW, EntityId.of(entity), 1.0, Timestamp.ofMillis(T0)),
        Durability.LOCAL); // defines the series through the shard log
    SignalAck local =
        a.store
            .appendLocal(1, ACME, VIEW, EntityId.of(entity), 2.0, Timestamp.ofMillis(T0))
            .get(30, TimeUnit.SECONDS);
    assertTrue(local.local());
    ReadToken token = ReadToken.EMPTY.with(RegionId.of(0), local);
    assertEquals(
        2, a.store.read(ACME, VIEW, EntityId.of(entity), Timestamp.ofMillis(T0), token).count());
  }

  @Test
  void shouldAnswerABoundedStalenessReadOnlyWhileTheLeaderWasHeardWithinTheBound() {
    openFollower(Duration.ofSeconds(1));
    long entity = entityOfShard(3);
    Timestamp at = Timestamp.ofMillis(T0);
    followerReplication.leaderContactAge.put(3, TimeUnit.MILLISECONDS.toNanos(1_500));
    assertEquals(
        0, f.store.read(ACME, VIEW, EntityId.of(entity), at, Duration.ofSeconds(2)).count());
    StaleReadException e =
        assertThrows(
            StaleReadException.class,
            () -> f.store.read(ACME, VIEW, EntityId.of(entity), at, Duration.ofSeconds(1)));
    assertEquals(
        "stale: shard 3 last heard from its leader 1,500 ms ago, more than the 1,000 ms allowed"
            + " (max lag)",
        e.getMessage());
    assertEquals(StaleReadException.Reason.LEADER_LAG, e.reason());
    assertEquals(1_500, e.applied());
    assertEquals(1_000, e.needed());

    followerReplication.leaderContactAge.remove(3); // never heard from a leader
    e =
        assertThrows(
            StaleReadException.class,
            () -> f.store.read(ACME, VIEW, EntityId.of(entity), at, Duration.ofDays(1)));
    assertEquals(
        "stale: shard 3 has not heard from a leader, more than the 86,400,000 ms allowed (max"
            + " lag)",
        e.getMessage());
    StaleReadException top =
        assertThrows(
            StaleReadException.class, () -> f.store.top(ACME, VIEW, 5, at, Duration.ofSeconds(1)));
    assertEquals(StaleReadException.Reason.LEADER_LAG, top.reason());

    followerReplication.leaderContactAge.put(3, 0L); // leading
    assertEquals(0, f.store.read(ACME, VIEW, EntityId.of(entity), at, Duration.ZERO).count());
    assertThrows(
        InvalidArgumentException.class,
        () -> f.store.read(ACME, VIEW, EntityId.of(entity), at, Duration.ofMillis(-1)));
  }

  @Test
  void shouldAlwaysAnswerABoundedStalenessReadAtASingleRegion() {
    write(5);
    assertEquals(
        1, a.store.read(ACME, VIEW, EntityId.of(5), Timestamp.ofMillis(T0), Duration.ZERO).count());
    assertEquals(1, a.store.top(ACME, VIEW, 5, Timestamp.ofMillis(T0), Duration.ZERO).size());
  }

  private static long entityOfShard(int shard) {
    io.tidaldb.router.HashShardRouter router =
        new io.tidaldb.router.HashShardRouter(StoreFixture.SHARDS);
    for (long e = 0; ; e++) {
      if (router.shardOf(ACME, e) == shard) {
        return e;
      }
    }
  }
}
