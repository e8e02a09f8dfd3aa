package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.session.table.Decision;
import io.tidaldb.session.table.SessionConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LOCAL session write at a region cut off from the shard's leader is checked and taken into the
 * region's local stream ({@link LocalSessionShards}): the local session table, fed by the local log
 * and kept in the snapshots, answers a retry with the original local acknowledgement, during the
 * partition, after a restart (replay and snapshot), and after the heal when the retry is forwarded.
 */
class LocalSessionWriteTest {
  static final long T0 = 1_700_000_000_000L;
  static final SignalType VIEW = SignalType.of("view");
  static final TenantId ACME = TenantId.DEFAULT;
  static final long SESSION = 0x5e55_0000_0000_0077L;

  @TempDir Path dir;
  final FakeReplication replication = new FakeReplication();
  StoreFixture db;
  int shard;

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
    long other = 6;
    while (router.shardOf(ACME, other) != shard) {
      other++;
    }
    db.store.signal(signal(other, 1.0), Durability.LOCAL); // defines the series while leading
    replication.notLeading.add(shard); // cut off: every forward reaches nobody
    replication.forwardAnswer =
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
  void shouldAnswerARetryAtTheCutOffRegionWithTheOriginalLocalAckAndCountItOnce() {
    Signal s = signal(5, 2.0);
    SignalAck first = db.store.signal(s, Durability.LOCAL, seq(1, 1));
    assertTrue(first.local(), first.toString());
    assertEquals(Durability.LOCAL, first.durability());
    assertEquals(first, db.store.signal(s, Durability.LOCAL, seq(1, 1)), "the retry");
    assertEquals(1, count(5));
    SignalAck second = db.store.signal(s, Durability.LOCAL, seq(2, 1));
    assertTrue(second.local() && second.position() > first.position(), second.toString());
    assertEquals(2, count(5));

    InvalidArgumentException other =
        assertThrows(
            InvalidArgumentException.class,
            () -> db.store.signal(signal(5, 3.0), Durability.LOCAL, seq(1, 1)));
    assertTrue(other.getMessage().contains("payload"), other.getMessage());
    assertEquals(2, count(5), "a refused write stores nothing");
  }

  /**
   * A LOCAL write's QUORUM retry ({@code SessionClient} after an ambiguous attempt) at the cut-off
   * region that took it into its local stream: answered with the original local ack while a leader
   * is known and while none is (a write's first decision is a forward, which asks the local tables
   * first, so it is answered before it can fail), never a second copy.
   */
  @Test
  void shouldAnswerAQuorumRetryAtTheCutOffRegionWithTheOriginalLocalAck() {
    Signal s = signal(5, 2.0);
    SignalAck first = db.store.signal(s, Durability.LOCAL, seq(1, 1));
    assertEquals(first, db.store.signal(s, Durability.QUORUM, seq(1, 1)), "a leader known");
    replication.knownLeader = null; // no leader known: the write waits, then would fail

    assertEquals(first, db.store.signal(s, Durability.QUORUM, seq(1, 1)), "none known");
    UnavailableException none =
        assertThrows(
            UnavailableException.class,
            () -> db.store.signal(signal(5, 2.0), Durability.QUORUM, seq(2, 1)));
    assertFalse(none.mayBeStored(), none.toString());
    assertEquals(1, count(5));
  }

  @Test
  void shouldApplyConcurrentCopiesOfALocalSessionWriteOnce() throws Exception {
    db.store.signal(signal(5, 1.0), Durability.LOCAL, seq(1, 1)); // the shard is cut off now
    List<CompletableFuture<SignalAck>> copies = new ArrayList<>();
    for (long n = 2; n <= 101; n++) {
      for (int copy = 0; copy < 3; copy++) {
        copies.add(db.store.signalAsync(signal(5, 1.0), Durability.LOCAL, seq(n, 1)));
      }
    }
    for (int i = 0; i < copies.size(); i += 3) {
      SignalAck a = copies.get(i).get(30, TimeUnit.SECONDS);
      assertTrue(a.local(), a.toString());
      assertEquals(a, copies.get(i + 1).get(30, TimeUnit.SECONDS));
      assertEquals(a, copies.get(i + 2).get(30, TimeUnit.SECONDS));
    }
    assertEquals(101, count(5), "each of the 101 seqs once");
  }

  @Test
  void shouldAnswerARetryAfterARestartFromTheLocalLogAndFromTheSnapshot() {
    Signal s = signal(5, 2.0);
    SignalAck first = db.store.signal(s, Durability.LOCAL, seq(1, 1));
    db.reopenWithoutCheckpoint(); // replay of the local log
    assertEquals(first, db.store.signal(s, Durability.LOCAL, seq(1, 1)));
    assertEquals(1, count(5));

    db.reopen(); // the close writes a snapshot holding the local table
    Path file = new Snapshots(dir.resolve("store"), shard, 2).list().get(0);
    ShardSessions read = new ShardSessions(SessionConfig.DEFAULTS, 0);
    SnapshotReader.load(
        file, shard, new SeriesRegistry(t -> null), new EntityStateMap(), read, 4096);
    Decision d =
        read.local()
            .check(ACME, seq(1, 1), SessionPayload.hash(s), true); // as the snapshot holds it
    assertEquals(Decision.Kind.DUPLICATE, d.kind(), d.toString());
    assertEquals(first.position(), d.position());
    assertEquals(first.stamp().value(), d.hlc());
    assertEquals(first, db.store.signal(s, Durability.LOCAL, seq(1, 1)));
    assertEquals(1, count(5));
  }

  @Test
  void shouldAnswerARetryAfterTheHealFromTheLocalTableWithoutForwardingIt() {
    Signal s = signal(5, 2.0);
    SignalAck first = db.store.signal(s, Durability.LOCAL, seq(1, 1));
    // healed: the leader is reachable again, and would store a second copy if it got the retry
    replication.forwardAnswer =
        f -> CompletableFuture.failedFuture(new AssertionError("forwarded: " + f));
    int forwards = replication.forwards.size();
    assertEquals(first, db.store.signal(s, Durability.LOCAL, seq(1, 1)));
    assertEquals(first, db.store.signal(s, Durability.QUORUM, seq(1, 1)), "the original ack");
    assertEquals(forwards, replication.forwards.size(), "answered here, nothing forwarded");
    CompletionException other =
        assertThrows(
            CompletionException.class,
            () -> db.store.signalAsync(signal(5, 9.0), Durability.LOCAL, seq(1, 1)).join());
    assertTrue(other.getCause() instanceof InvalidArgumentException, other.toString());
    assertEquals(1, count(5));
  }

  @Test
  void shouldAnswerARetryAtTheLeaderFromItsLocalTable() {
    Signal s = signal(5, 2.0);
    SignalAck first = db.store.signal(s, Durability.LOCAL, seq(1, 1));
    replication.notLeading.remove(shard); // this region leads the shard again
    SignalAck again = db.store.signal(s, Durability.LOCAL, seq(1, 1));
    assertEquals(first, again);
    SignalAck forwarded =
        db.store.acceptForwarded(s, Durability.LOCAL, seq(1, 1)).join(); // from another region
    assertEquals(first, forwarded);
    assertEquals(1, count(5));
    SignalAck next = db.store.signal(s, Durability.LOCAL, seq(2, 1));
    assertFalse(next.local(), "a new seq goes to the shard's log: " + next);
    assertNotEquals(first.position(), -1);
    assertEquals(2, count(5));
  }

  private long count(long entity) {
    return db.store.read(ACME, VIEW, EntityId.of(entity), Timestamp.ofMillis(T0)).count();
  }

  static SessionSeq seq(long seq, long ackedBelow) {
    return new SessionSeq(SESSION, seq, ackedBelow);
  }

  static Signal signal(long entity, double weight) {
    return new Signal(ACME, VIEW, EntityId.of(entity), weight, Timestamp.ofMillis(T0));
  }
}
