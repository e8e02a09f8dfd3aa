package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.crdt.HybridLogicalClock;
import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pause a COMPACT record makes (its apply holds the shard's write lock: the digest check and
 * the fold of every entity) and the cost of a closed-digest scan (read lock), for one shard of a
 * million entities, each written in three epochs (two closed). Printed; asserted only as a generous
 * ceiling. Also checks that a fold while a background snapshot holds the states copies them (the
 * frozen view keeps the unfolded ones).
 */
class ShardCompactionPauseTest {
  static final int ENTITIES = 1_000_000;
  static final DecayModel DECAY = DecayModel.ofHalfLife(3_600_000);
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  @Test
  void shouldFoldAMillionEntitiesOfOneShardAndPrintThePause() {
    try (WalEngine wal =
        WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(1).build())) {
      ShardState s =
          new ShardState(
              0,
              wal.shard(0),
              new SeriesRegistry(t -> DECAY),
              new Snapshots(dir, 0, 2),
              new HybridLogicalClock(() -> T0, 1_000),
              1L << 40,
              Runnable::run,
              p -> {},
              () -> Long.MAX_VALUE,
              null,
              0);
      s.registry.bind(0, "acme", "view", "test");
      s.registry.bind(1, "globex", "view", "test");
      for (int e = 0; e < ENTITIES; e++) {
        CrdtSignalState state = s.states.getOrCreate(e & 1, e);
        for (long epoch = 1; epoch <= 3; epoch++) {
          state.applyAt(ReplicaIds.log(epoch), e, 1.0, T0 + e, T0 + e, DECAY);
        }
      }
      s.digest.rebuild(s.registry, s.states);
      long scan = System.nanoTime();
      ClosedDigest digest = s.compaction.closedDigest(2);
      scan = System.nanoTime() - scan;
      assertEquals(2L * ENTITIES, digest.entries());
      FrozenStates frozen = s.states.freeze(s.lock.readLock());
      s.lock.writeLock().lock();
      long pause = System.nanoTime();
      try {
        s.compaction.apply(2, digest.digest(), 0, "test");
      } finally {
        pause = System.nanoTime() - pause;
        s.lock.writeLock().unlock();
      }
      System.out.printf(
          "shard of %,d entities (3 epochs each, 2 closed): closed-digest scan %d ms, COMPACT"
              + " apply (digest check + fold, write lock held, copy-on-write) %d ms%n",
          ENTITIES, TimeUnit.NANOSECONDS.toMillis(scan), TimeUnit.NANOSECONDS.toMillis(pause));
      assertEquals(2, s.compaction.foldedThrough());
      assertEquals(0, s.compaction.closedDigest(2).entries());
      assertEquals(2, s.states.get(0, 0).replicaCount(), "base(2) and e3");
      long[] unfolded = {0};
      frozen.forEach((series, entity, state) -> unfolded[0] += state.replicaCount() == 3 ? 1 : 0);
      assertEquals(ENTITIES, unfolded[0], "the snapshot's view kept every unfolded state");
      s.thaw();
      assertTrue(pause < TimeUnit.SECONDS.toNanos(60), "a generous ceiling");
    }
  }
}
