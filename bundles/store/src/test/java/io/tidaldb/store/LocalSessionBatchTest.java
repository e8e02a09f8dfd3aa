package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session batch's parts are routed one by one as single writes are ({@link WritePath#partAsync}):
 * a LOCAL part at a region cut off from its shard's leader is taken into the region's local stream
 * as one record once the leader wait ran out ({@link LocalSessionShards#appendPart}), answered once
 * on every retry (cut off, after a restart, after the heal, at the leader); a forward that stored
 * nothing is tried again inside the store; and a batch of which one part is stored and another
 * failed says it may be stored.
 */
class LocalSessionBatchTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final TenantId ACME = TenantId.DEFAULT;
  static final long SESSION = 0x5e55_0000_0000_0099L;

  @TempDir Path dir;
  final FakeReplication replication = new FakeReplication();
  StoreFixture db;
  int shard; // cut off from its leader
  int led; // led by this region
  final List<Long> cutEntities = new ArrayList<>();
  long ledEntity;

  @BeforeEach
  void open() {
    db =
        new StoreFixture(
            dir,
            b ->
                b.clock(() -> T0)
                    .ackTimeout(Duration.ofSeconds(30))
                    .leaderWait(Duration.ofMillis(50)),
            b -> b,
            replication);
    HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
    shard = router.shardOf(ACME, 5);
    for (long e = 5; cutEntities.size() < 3; e++) {
      if (router.shardOf(ACME, e) == shard) {
        cutEntities.add(e);
      }
    }
    ledEntity = 6;
    while (router.shardOf(ACME, ledEntity) == shard) {
      ledEntity++;
    }
    led = router.shardOf(ACME, ledEntity);
    db.store.signal(signal(cutEntities.get(0), 1.0), Durability.LOCAL); // defines the series
    replication.notLeading.add(shard); // cut off: every forward reaches nobody
    replication.partAnswer =
        f ->
            CompletableFuture.failedFuture(
                new UnavailableException(
                    "cannot forward: UNREACHABLE; not sent, nothing stored", false, null));
  }

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void shouldTakeALocalPartIntoTheLocalStreamAsOneRecordAndAnswerEachRetryOnce() throws Exception {
    List<Signal> batch = cutBatch(2.0);
    SignalAck first = single(batch(batch, Durability.LOCAL, seq(1, 1)));
    assertTrue(first.local(), first.toString());
    assertEquals(Durability.LOCAL, first.durability());
    assertEquals(List.of(first), batch(batch, Durability.LOCAL, seq(1, 1)), "the retry");
    assertEquals(
        List.of(first), batch(batch, Durability.QUORUM, seq(1, 1)), "a QUORUM retry, cut off");
    assertCounts(2, 1, 1);

    List<int[]> parts = localParts();
    assertEquals(1, parts.size(), "one record: " + parts.size());
    assertEquals(3, parts.get(0)[0], "of three signals");
    assertEquals(first.position(), parts.get(0)[1], "acknowledged at its last signal");

    ExecutionException e =
        assertThrows(
            ExecutionException.class, () -> batch(cutBatch(3.0), Durability.LOCAL, seq(1, 1)));
    InvalidArgumentException other = assertInstanceOf(InvalidArgumentException.class, e.getCause());
    assertTrue(other.getMessage().contains("payload"), other.getMessage());
    assertCounts(2, 1, 1);
  }

  @Test
  void shouldAnswerARetryAfterARestartAndAfterTheHealWithoutForwardingIt() throws Exception {
    List<Signal> batch = cutBatch(2.0);
    SignalAck first = single(batch(batch, Durability.LOCAL, seq(1, 1)));
    db.reopenWithoutCheckpoint(); // replay of the local log
    assertEquals(List.of(first), batch(batch, Durability.LOCAL, seq(1, 1)));
    db.reopen(); // from the snapshot
    assertEquals(List.of(first), batch(batch, Durability.LOCAL, seq(1, 1)));

    // healed: the leader is reachable again, and would store a second copy if it got the retry
    replication.partAnswer =
        f -> CompletableFuture.failedFuture(new AssertionError("forwarded: " + f));
    int forwards = replication.partForwards.size();
    assertEquals(List.of(first), batch(batch, Durability.QUORUM, seq(1, 1)));
    assertEquals(forwards, replication.partForwards.size(), "answered here, nothing forwarded");
    replication.notLeading.remove(shard); // and at this region as the shard's leader again
    assertEquals(List.of(first), batch(batch, Durability.LOCAL, seq(1, 1)));
    assertCounts(2, 1, 1);
    SignalAck next = single(batch(batch, Durability.LOCAL, seq(2, 1)));
    assertFalse(next.local(), "a new seq goes to the shard's log: " + next);
    assertCounts(3, 2, 2);
  }

  @Test
  void shouldStoreEachPartOfABatchOnItsOwnRouteAndAnswerTheRetryPartByPart() throws Exception {
    List<Signal> mixed = new ArrayList<>(cutBatch(1.0));
    mixed.add(1, signal(ledEntity, 1.0));
    List<SignalAck> acks = batch(mixed, Durability.LOCAL, seq(1, 1));
    assertEquals(2, acks.size(), acks.toString());
    assertEquals(shard, acks.get(0).shard().value(), "in the order of each part's first signal");
    assertTrue(acks.get(0).local(), "the cut-off shard's part: " + acks.get(0));
    assertFalse(acks.get(1).local(), "the led shard's part: " + acks.get(1));
    assertEquals(acks, batch(mixed, Durability.LOCAL, seq(1, 1)), "the retry");
    assertCounts(2, 1, 1);
    assertEquals(1, count(ledEntity));
  }

  @Test
  void shouldSayABatchMayBeStoredWhenOnePartIsStoredAndAnotherFailed() throws Exception {
    List<Signal> mixed = new ArrayList<>(cutBatch(1.0));
    mixed.add(signal(ledEntity, 1.0));
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> db.store.signalBatchAsync(mixed, Durability.QUORUM, seq(1, 1)).get(30, SECONDS));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertTrue(u.mayBeStored(), u.toString());
    assertTrue(
        u.getMessage().contains("shard " + shard) && u.getMessage().contains("[" + led + "]"),
        u.getMessage());
    assertEquals(1, count(ledEntity), "the led part is stored");
    assertCounts(1, 0, 0);

    // a QUORUM part alone, cut off: nothing stored, and it says so
    ExecutionException alone =
        assertThrows(
            ExecutionException.class,
            () ->
                db.store
                    .signalBatchAsync(cutBatch(1.0), Durability.QUORUM, seq(2, 1))
                    .get(30, SECONDS));
    UnavailableException none = assertInstanceOf(UnavailableException.class, alone.getCause());
    assertFalse(none.mayBeStored(), none.toString());

    // this region leads the cut-off shard again: the retry stores the failed part here and
    // answers the stored one with its acknowledgement
    replication.notLeading.remove(shard);
    List<SignalAck> acks = batch(mixed, Durability.QUORUM, seq(1, 1));
    assertEquals(2, acks.size());
    assertFalse(acks.get(0).local(), acks.get(0).toString());
    assertEquals(1, count(ledEntity), "the led part once");
    assertCounts(2, 1, 1);
    assertEquals(acks, batch(mixed, Durability.QUORUM, seq(1, 1)), "and again");
  }

  @Test
  void shouldSayABatchMayBeStoredWhenOnePartIsRefusedAfterAnotherWasStored() throws Exception {
    replication.partAnswer = // as the origin refuses a part too large for a frame: nothing sent
        f ->
            CompletableFuture.failedFuture(
                new InvalidArgumentException("forwarded part", "3 signals", "too large"));
    List<Signal> mixed = new ArrayList<>(cutBatch(1.0));
    mixed.add(signal(ledEntity, 1.0));
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> db.store.signalBatchAsync(mixed, Durability.QUORUM, seq(1, 1)).get(30, SECONDS));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertTrue(u.mayBeStored(), u.toString());
    assertInstanceOf(InvalidArgumentException.class, u.getCause());
    assertTrue(u.getMessage().contains("too large"), u.getMessage());
    assertEquals(1, count(ledEntity), "the led part is stored");

    ExecutionException alone =
        assertThrows(
            ExecutionException.class,
            () ->
                db.store
                    .signalBatchAsync(cutBatch(1.0), Durability.QUORUM, seq(2, 1))
                    .get(30, SECONDS));
    assertInstanceOf(
        InvalidArgumentException.class, alone.getCause(), "nothing stored: the refusal as is");
  }

  @Test
  void shouldForwardAPartAgainWhenTheFirstForwardStoredNothing() throws Exception {
    replication.knownLeader = RegionId.of(1);
    AtomicInteger tries = new AtomicInteger();
    replication.partAnswer =
        f ->
            tries.getAndIncrement() == 0 // the leader it reached no longer leads: nothing stored
                ? CompletableFuture.failedFuture(
                    new NotLeaderException(
                        RegionId.of(1), f.shard(), 8, Optional.of(RegionId.of(2))))
                : CompletableFuture.completedFuture(
                    new SignalAck(
                        io.tidaldb.api.ShardId.of(f.shard()), 42, acks0Stamp(), f.durability()));
    List<SignalAck> acks = batch(cutBatch(1.0), Durability.QUORUM, seq(1, 1));
    assertEquals(42, single(acks).position());
    assertEquals(2, replication.partForwards.size(), "sent twice, stored once by the leader");
  }

  @Test
  void shouldRefuseALocalPartOfASeriesTheShardDoesNotDefineNamingBothReasons() {
    Signal unknown =
        new Signal(ACME, SignalType.of("click"), EntityId.of(cutEntities.get(0)), 1.0, at());
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                db.store
                    .signalBatchAsync(List.of(unknown), Durability.LOCAL, seq(1, 1))
                    .get(30, SECONDS));
    UnavailableException u = assertInstanceOf(UnavailableException.class, e.getCause());
    assertFalse(u.mayBeStored(), u.toString());
    assertTrue(u.getMessage().contains("does not define this series"), u.getMessage());
    assertEquals(0, localParts().size(), "nothing in the local stream");
  }

  private static final TimeUnit SECONDS = TimeUnit.SECONDS;

  private static io.tidaldb.api.HlcStamp acks0Stamp() {
    return new io.tidaldb.api.HlcStamp(1L << 20);
  }

  /** The cut-off shard's local log's parts: {size, position of the last signal} each. */
  private List<int[]> localParts() {
    List<int[]> parts = new ArrayList<>();
    try (WalReader reader = db.wal.localLog(shard).openReader(0)) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        RecordCursor c = b.records();
        while (c.next()) {
          if (c.kind() == WalRecordKind.SIGNAL_S
              && c.partSize() > 1
              && c.partIndex() == c.partSize() - 1) {
            parts.add(new int[] {c.partSize(), (int) c.position()});
          }
        }
      }
    }
    return parts;
  }

  /** Asserts the counts of the cut-off shard's three entities. */
  private void assertCounts(long... expected) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], count(cutEntities.get(i)), "entity " + cutEntities.get(i));
    }
  }

  private List<Signal> cutBatch(double weight) {
    List<Signal> batch = new ArrayList<>();
    for (long e : cutEntities) {
      batch.add(signal(e, weight));
    }
    return batch;
  }

  private List<SignalAck> batch(List<Signal> signals, Durability level, SessionSeq seq)
      throws Exception {
    return db.store.signalBatchAsync(signals, level, seq).get(30, SECONDS);
  }

  private static <T> T single(List<T> list) {
    assertEquals(1, list.size(), list.toString());
    return list.get(0);
  }

  private long count(long entity) {
    return db.store.read(ACME, VIEW, EntityId.of(entity), at()).count();
  }

  private static Timestamp at() {
    return Timestamp.ofMillis(T0);
  }

  static SessionSeq seq(long seq, long ackedBelow) {
    return new SessionSeq(SESSION, seq, ackedBelow);
  }

  static Signal signal(long entity, double weight) {
    return new Signal(ACME, VIEW, EntityId.of(entity), weight, at());
  }
}
