package io.tidaldb.bench;

import io.tidaldb.crdt.ReplicaIds;
import io.tidaldb.store.SignalStoreEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Bytes of retained heap per (tenant, type, entity) state in a populated store.
 *
 * <p>For 1 and for 3 entries: opens a store over a {@link MemoryWal} (which keeps nothing once
 * applied), measures the heap in use after repeated {@code System.gc()}, applies one signal per
 * entry to each of {@code entities} distinct entities (one round per epoch of the shard logs, so
 * each round's signals land in the log entry of its epoch, as after 2 failovers: see {@link
 * io.tidaldb.crdt.ReplicaIds}), measures again, and prints the difference divided by the entity
 * count. That covers everything the store keeps per entity: its slot in the shard's entity map (at
 * the map's load) and the CRDT state with its entries.
 *
 * <pre>
 * java -Xms8g -Xmx8g -cp bench/target/benchmarks.jar io.tidaldb.bench.StateFootprint [entities]
 * </pre>
 */
public final class StateFootprint {
  private static final int SHARDS = 4;
  private static final long SEED = 0xF007_0007L;

  private StateFootprint() {}

  /**
   * Runs the measurement.
   *
   * @param args optional entity count (default 1,000,000)
   */
  public static void main(String[] args) {
    int entities = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    System.out.printf(
        "java %s, %s, max heap %d MiB, %d entities%n",
        System.getProperty("java.version"),
        ManagementFactory.getRuntimeMXBean().getInputArguments(),
        Runtime.getRuntime().maxMemory() >> 20,
        entities);
    for (int replicas : new int[] {1, 3}) {
      measure(entities, replicas);
    }
  }

  private static void measure(int entities, int replicas) {
    Path dir = BenchFiles.createTempDir("tidal-footprint-");
    try {
      MemoryWal wal = new MemoryWal(SHARDS, 1 << 16, null);
      SignalStoreEngine store = Stores.openStore(dir, wal, Stores.NEVER);
      long before = retainedHeap();
      long now = System.currentTimeMillis();
      for (int r = 0; r < replicas; r++) {
        for (int s = 0; s < SHARDS; s++) {
          wal.shard(s).advanceEpoch(ReplicaIds.log(r));
        }
        SplittableRandom random = new SplittableRandom(SEED);
        for (int e = 0; e < entities; e++) {
          long entity = random.nextLong();
          store.submit(
              Stores.TENANT, Stores.VIEW, entity, 1.0 + r, now - random.nextLong(3_600_000));
        }
        wal.flush();
      }
      long after = retainedHeap();
      long held = Stores.entities(store);
      if (held != entities) {
        throw new IllegalStateException("store holds " + held + " entities, not " + entities);
      }
      System.out.printf(
          Locale.ROOT,
          "entries=%d entities=%d retained=%.1f MiB bytesPerEntity=%.1f%n",
          replicas,
          entities,
          (after - before) / 1048576.0,
          (after - before) / (double) entities);
      // Keep the store reachable until measured.
      if (store.replicaId() == 0) {
        System.out.println(wal.shardCount());
      }
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
  }

  /** Returns the heap in use once repeated full collections stop freeing anything. */
  private static long retainedHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      long now = memory.getHeapMemoryUsage().getUsed();
      if (now >= used && i >= 3) {
        return now;
      }
      used = Math.min(used, now);
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return used;
  }
}
