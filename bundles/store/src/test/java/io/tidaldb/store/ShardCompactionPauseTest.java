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
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pause a COMPACT record makes, for one shard of a million entities, each written in three
 * epochs (two closed): the record goes through the shard log's commit thread (the real apply path)
 * while a reader thread takes the shard's read lock over and over, and the longest wait of that
 * reader (the longest gap in which no reader could get the lock) is printed with the apply's
 * longest write-lock hold and the cost of a closed-digest scan (read lock). Asserted only as
 * generous ceilings. Also checks that a fold while a background snapshot holds the states copies
 * them (the frozen view keeps the unfolded ones).
 */
class ShardCompactionPauseTest {
  static final int ENTITIES = 1_000_000;
  static final DecayModel DECAY = DecayModel.ofHalfLife(3_600_000);
  static final long T0 = 1_700_000_000_000L;

  @TempDir Path dir;

  @Test
  void shouldFoldAMillionEntitiesOfOneShardInStepsAndPrintTheLongestPause() throws Exception {
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
      s.log.setCommitListener(s);
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
      s.log.startLeading(3);
      Reader reader = new Reader(s);
      reader.start();
      long[] gc = gc();
      long apply = System.nanoTime();
      long position = s.log.appendCompact(3, 2, digest.digest());
      s.log.whenDurable(position).get(120, TimeUnit.SECONDS); // applied on the commit thread
      apply = System.nanoTime() - apply;
      reader.finish();
      long[] gcAfter = gc();
      long[] holds = s.compaction.lastRun().holdsNanos();
      Arrays.sort(holds);
      long longest = holds[holds.length - 1];
      long median = holds[holds.length / 2];
      long p99 = holds[holds.length * 99 / 100];
      System.out.printf(
          "shard of %,d entities (3 epochs each, 2 closed): closed-digest scan %d ms; COMPACT"
              + " applied on the commit thread in %d ms (digest check + fold, copy-on-write) in %d"
              + " lock holds of %,d slots: median %.2f ms, p99 %.2f ms, longest %.2f ms; a reader's"
              + " longest wait for the lock %.2f ms over %,d reads (GC pauses and scheduling"
              + " included: %d collections of %d ms in all during the apply)%n",
          ENTITIES,
          TimeUnit.NANOSECONDS.toMillis(scan),
          TimeUnit.NANOSECONDS.toMillis(apply),
          holds.length,
          CompactSteps.STEP_SLOTS,
          median / 1e6,
          p99 / 1e6,
          longest / 1e6,
          reader.longestWait.get() / 1e6,
          reader.reads.get(),
          gcAfter[0] - gc[0],
          gcAfter[1] - gc[1]);
      assertEquals(2, s.compaction.foldedThrough());
      assertEquals(0, s.compaction.closedDigest(2).entries());
      assertEquals(2, s.states.get(0, 0).replicaCount(), "base(2) and e3");
      assertEquals(null, s.states.staleHash(), "every fold kept its digest");
      long[] unfolded = {0};
      frozen.forEach((series, entity, state) -> unfolded[0] += state.replicaCount() == 3 ? 1 : 0);
      assertEquals(ENTITIES, unfolded[0], "the snapshot's view kept every unfolded state");
      s.thaw();
      assertTrue(apply < TimeUnit.SECONDS.toNanos(60), "a generous ceiling");
      assertTrue(holds.length > 100, holds.length + " lock holds: the apply must take many");
      assertTrue(
          median < TimeUnit.MILLISECONDS.toNanos(50),
          "the median lock hold was " + median / 1_000 + " us (a step takes a few ms)");
      assertTrue(
          reader.longestWait.get() < TimeUnit.SECONDS.toNanos(5),
          "a generous ceiling: a reader waited "
              + reader.longestWait.get() / 1_000
              + " us (about the longest hold: waiters take the lock between steps)");
      assertTrue(
          longest < TimeUnit.SECONDS.toNanos(5),
          "a generous ceiling (GC pauses land in a hold): the longest hold was "
              + longest / 1_000
              + " us");
    }
  }

  /** The collections and their milliseconds so far, over every collector. */
  private static long[] gc() {
    long[] total = {0, 0};
    for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      total[0] += Math.max(0, bean.getCollectionCount());
      total[1] += Math.max(0, bean.getCollectionTime());
    }
    return total;
  }

  /** Takes the shard's read lock over and over, keeping the longest wait for it. */
  private static final class Reader extends Thread {
    final ShardState s;
    final AtomicLong longestWait = new AtomicLong();
    final AtomicLong reads = new AtomicLong();
    volatile boolean stop;

    Reader(ShardState s) {
      super("pause-test-reader");
      this.s = s;
      setDaemon(true);
    }

    @Override
    public void run() {
      while (!stop) {
        long asked = System.nanoTime();
        s.lock.readLock().lock();
        try {
          long waited = System.nanoTime() - asked;
          if (waited > longestWait.get()) {
            longestWait.set(waited);
          }
          s.states.get(0, 0);
          reads.incrementAndGet();
        } finally {
          s.lock.readLock().unlock();
        }
        Thread.onSpinWait();
      }
    }

    void finish() throws InterruptedException {
      stop = true;
      join(TimeUnit.SECONDS.toMillis(30));
    }
  }
}
