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
 * <p>For 1 and for 3 replicas: opens a store over a {@link MemoryWal} (which keeps nothing once
 * applied), measures the heap in use after repeated {@code System.gc()}, applies one signal per
 * replica to each of {@code entities} distinct entities (the memory log stamps the replicas in
 * turn, as if replication had delivered signals accepted by 3 regions), measures again, and prints
 * the difference divided by the entity count. That covers everything the store keeps per entity:
 * its slot in the shard's entity map (at the map's load) and the CRDT state with its entries.
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
    int[] origins = new int[replicas];
    for (int r = 0; r < replicas; r++) {
      origins[r] = ReplicaIds.of(r + 1, 0);
    }
    Path dir = BenchFiles.createTempDir("tidal-footprint-");
    try {
      MemoryWal wal = new MemoryWal(SHARDS, 1 << 16, origins);
      SignalStoreEngine store = Stores.openStore(dir, wal, Stores.NEVER);
      long before = retainedHeap();
      SplittableRandom random = new SplittableRandom(SEED);
      long now = System.currentTimeMillis();
      for (int e = 0; e < entities; e++) {
        long entity = random.nextLong();
        for (int r = 0; r < replicas; r++) {
          store.submit(
              Stores.TENANT, Stores.VIEW, entity, 1.0 + r, now - random.nextLong(3_600_000));
        }
      }
      wal.flush();
      long after = retainedHeap();
      long held = Stores.entities(store);
      if (held != entities) {
        throw new IllegalStateException("store holds " + held + " entities, not " + entities);
      }
      System.out.printf(
          Locale.ROOT,
          "replicas=%d entities=%d retained=%.1f MiB bytesPerEntity=%.1f%n",
          replicas,
          entities,
          (after - before) / 1048576.0,
          (after - before) / (double) entities);
      // Keep the store reachable until measured.
      if (store.replicaId() == Integer.MIN_VALUE) {
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
