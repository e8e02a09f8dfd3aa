package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's half of carrying the local session tables ({@link SessionTableCopies}): a region's
 * local table is offered by version, a copy joins another region only if newer, is durable there
 * like a merged state, and makes that region's checks answer a retry of the write the other
 * region's local stream took with its original local acknowledgement.
 */
class SessionTableCopiesTest {
  static final long T0 = LocalSessionWriteTest.T0;

  @TempDir Path dirA;
  @TempDir Path dirB;

  @Test
  void shouldAnswerARetryAtAnotherRegionFromItsCopyOfTheLocalTableDurably() {
    FakeReplication cut = new FakeReplication();
    int shard = new HashShardRouter(StoreFixture.SHARDS).shardOf(LocalSessionWriteTest.ACME, 5);
    Signal s = LocalSessionWriteTest.signal(5, 2.0);
    try (StoreFixture a = region(dirA, 2, cut);
        StoreFixture b = region(dirB, 1, null)) {
      a.store.signal(s, Durability.LOCAL); // defines the series while a leads
      b.store.signal(LocalSessionWriteTest.signal(5, 1.0), Durability.LOCAL);
      cut.notLeading.add(shard);
      cut.forwardAnswer =
          f ->
              CompletableFuture.failedFuture(
                  new UnavailableException("cannot forward: UNREACHABLE", false, null));
      SignalAck original = a.store.signal(s, Durability.LOCAL, LocalSessionWriteTest.seq(1, 1));
      assertTrue(original.local(), original.toString());

      ReconcileState ra = a.store.reconcileState();
      ReconcileState rb = b.store.reconcileState();
      long owner = ReplicaIds.local(2, inc(a, shard));
      Map<Long, Long> versions = ra.sessionTableVersions(shard);
      assertEquals(Map.of(owner, original.position() + 1), versions, "version: applied position");
      assertEquals(Map.of(), rb.sessionTableVersions(shard), "b holds nothing yet");
      byte[] table = ra.sessionTable(shard, owner);
      assertTrue(rb.mergeSessionTable(shard, owner, table), "the first copy");
      assertFalse(rb.mergeSessionTable(shard, owner, table), "not newer: kept as is");
      assertFalse(ra.mergeSessionTable(shard, owner, table), "a's own id: ignored");
      assertEquals(versions, rb.sessionTableVersions(shard));

      long accepted = b.store.status().signalsAccepted();
      assertEquals(original, b.store.signal(s, Durability.LOCAL, LocalSessionWriteTest.seq(1, 1)));
      assertEquals(accepted, b.store.status().signalsAccepted(), "nothing appended at b");

      InvalidArgumentException malformed =
          assertThrows(
              InvalidArgumentException.class,
              () -> rb.mergeSessionTable(shard, ReplicaIds.local(3, 0), new byte[] {1, 2, 3}));
      assertTrue(malformed.getMessage().contains("offset"), malformed.getMessage());
      assertThrows(
          InvalidArgumentException.class, () -> rb.mergeSessionTable(shard, 7, table)); // a log id

      assertTrue(b.store.awaitMergesDurable(Duration.ofSeconds(30)));
      b.reopenWithoutCheckpoint(); // the copy comes back from the merge's snapshot
      assertEquals(versions, b.store.reconcileState().sessionTableVersions(shard));
      assertEquals(original, b.store.signal(s, Durability.LOCAL, LocalSessionWriteTest.seq(1, 1)));
    }
  }

  private static int inc(StoreFixture f, int shard) {
    return ReplicaIds.incarnation(f.store.shardState(shard).sessions.owner());
  }

  private static StoreFixture region(Path dir, int region, FakeReplication replication) {
    return new StoreFixture(
        dir,
        b ->
            b.clock(() -> T0)
                .region(RegionId.of(region))
                .ackTimeout(Duration.ofSeconds(30))
                .leaderWait(Duration.ofMillis(50)),
        b -> b,
        replication);
  }
}
