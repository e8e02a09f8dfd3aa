package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import io.tidaldb.router.HashShardRouter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code signalEachAsync} answers each signal of a session batch with its part's outcome: the
 * part's acknowledgement (the same as the per-part form gives), or the part's refusal while another
 * part is stored, or the whole batch's refusal in every future, nothing stored.
 */
class SessionEachTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");
  private static final long SESSION = 0x5e55_0000_0000_00e1L;

  @TempDir Path dir;

  @Test
  void shouldAnswerEachSignalWithItsPartsAcknowledgementOnceAndOnEveryRetry() throws Exception {
    try (StoreFixture f = fixture()) {
      List<Signal> batch = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        batch.add(signal(i % 8, 1.0 + i));
      }
      List<CompletableFuture<SignalAck>> each =
          f.store.signalEachAsync(batch, Durability.LOCAL, seq(1, 1));
      assertEquals(batch.size(), each.size(), "one future per signal");
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      Map<Integer, CompletableFuture<SignalAck>> byShard = new HashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        int shard = router.shardOf(ACME, batch.get(i).entity().value());
        byShard.putIfAbsent(shard, each.get(i));
        SignalAck ack = each.get(i).get(10, TimeUnit.SECONDS);
        assertEquals(shard, ack.shard().value(), "signal " + i + " answered by its shard's part");
        assertSame(byShard.get(shard), each.get(i), "the signals of a part share its future");
      }
      for (Map.Entry<Integer, CompletableFuture<SignalAck>> a : byShard.entrySet()) {
        for (Map.Entry<Integer, CompletableFuture<SignalAck>> b : byShard.entrySet()) {
          assertTrue(
              a.getKey().equals(b.getKey()) || a.getValue() != b.getValue(), "a future per part");
        }
      }
      List<SignalAck> parts = f.store.signalBatchAsync(batch, Durability.LOCAL, seq(1, 1)).get();
      assertEquals(byShard.size(), parts.size());
      for (SignalAck part : parts) {
        SignalAck ofSignals = byShard.get(part.shard().value()).get();
        assertEquals(part, ofSignals, "the part's acknowledgement, as the per-part form gives it");
        ShardState s = f.store.shardState(part.shard().value());
        assertEquals(s.log.nextPosition() - 1, part.position(), "its last signal's position");
      }
      List<CompletableFuture<SignalAck>> retry =
          f.store.signalEachAsync(batch, Durability.QUORUM, seq(1, 1));
      for (int i = 0; i < batch.size(); i++) {
        assertEquals(each.get(i).get().position(), retry.get(i).get().position(), "a retry");
      }
      assertEquals(12, total(f, 8), "counted once");
    }
  }

  @Test
  void shouldTellWhichSignalsAreStoredWhenOnePartIsRefusedAndAnotherStored() throws Exception {
    try (StoreFixture f = fixture()) {
      List<Signal> batch = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        batch.add(signal(i % 8, 1.0));
      }
      List<SignalAck> first = f.store.signalBatchAsync(batch, Durability.LOCAL, seq(1, 1)).get();
      HashShardRouter router = new HashShardRouter(StoreFixture.SHARDS);
      List<Signal> changed = new ArrayList<>(batch);
      changed.set(11, signal(3, 99.0)); // entity 3's part differs from the stored one
      int changedShard = shardOf(router, changed.get(11));
      List<CompletableFuture<SignalAck>> each =
          f.store.signalEachAsync(changed, Durability.LOCAL, seq(1, 1));
      for (int i = 0; i < changed.size(); i++) {
        if (shardOf(router, changed.get(i)) == changedShard) {
          int n = i;
          ExecutionException e =
              assertThrows(ExecutionException.class, () -> each.get(n).get(10, TimeUnit.SECONDS));
          assertTrue(e.getCause() instanceof InvalidArgumentException, e.toString());
          assertTrue(e.getCause().getMessage().contains("payload differs"), e.toString());
        } else {
          SignalAck ack = each.get(i).get(10, TimeUnit.SECONDS);
          assertTrue(first.contains(ack), "signal " + i + ": its part's original " + ack);
        }
      }
      assertEquals(12, total(f, 8), "nothing more stored");
    }
  }

  @Test
  void shouldRefuseABadBatchInEveryFutureBeforeStoringAnyOfIt() {
    try (StoreFixture f = fixture()) {
      List<Signal> batch =
          List.of(
              signal(1, 1.0),
              signal(2, 1.0),
              new Signal(ACME, VIEW, EntityId.of(3), 1.0, Timestamp.ofMillis(T0 + 86_400_000L)));
      List<CompletableFuture<SignalAck>> each =
          f.store.signalEachAsync(batch, Durability.LOCAL, seq(1, 1));
      assertEquals(3, each.size());
      for (CompletableFuture<SignalAck> ack : each) {
        ExecutionException e = assertThrows(ExecutionException.class, ack::get);
        assertTrue(e.getCause() instanceof InvalidArgumentException, e.toString());
        assertTrue(e.getCause().getMessage().contains("event time"), e.getCause().getMessage());
      }
      List<CompletableFuture<SignalAck>> empty =
          f.store.signalEachAsync(List.of(), Durability.LOCAL, seq(2, 1));
      assertEquals(1, empty.size(), "an empty batch: one failed future");
      ExecutionException e = assertThrows(ExecutionException.class, () -> empty.get(0).get());
      assertTrue(e.getCause().getMessage().contains("at least one signal"), e.toString());
      assertEquals(0, total(f, 8), "nothing stored");
    }
  }

  private static int shardOf(HashShardRouter router, Signal signal) {
    return router.shardOf(ACME, signal.entity().value());
  }

  private static long total(StoreFixture f, int entities) {
    return SessionWriteTest.total(f, entities);
  }

  private StoreFixture fixture() {
    return new StoreFixture(dir, c -> c.clock(() -> T0), w -> w);
  }

  private static SessionSeq seq(long seq, long ackedBelow) {
    return new SessionSeq(SESSION, seq, ackedBelow);
  }

  private static Signal signal(long entity, double weight) {
    return SessionWriteTest.signal(entity, weight);
  }
}
