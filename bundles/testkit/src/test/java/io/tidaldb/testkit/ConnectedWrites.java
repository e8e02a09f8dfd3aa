package io.tidaldb.testkit;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.router.HashShardRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiPredicate;

/**
 * QUORUM writes that enter the cluster at given regions (their {@code SignalStore.signal}, which
 * forwards to the shard's leader), one writer thread per entry region, one new entity per signal
 * (type {@link SteadyLoad#TYPE}, so {@link HistoryCheck} counts them). A writer skips the entities
 * whose (entry region, shard) the test excludes, such as a shard whose leader the entry region
 * cannot reach. Records every outcome and the latency of every acknowledged write.
 */
final class ConnectedWrites implements AutoCloseable {
  private final SimulatedCluster cluster;
  private final HashShardRouter router;
  private final BiPredicate<RegionId, Integer> through;
  private final AtomicLong nextEntity = new AtomicLong(1);
  private final AtomicLong acked = new AtomicLong();
  private final Map<Long, SteadyLoad.Outcome> outcomes = new ConcurrentHashMap<>();
  private final List<String> failures = new ArrayList<>(); // guarded by itself
  private final List<Long> latencies = new ArrayList<>(); // guarded by itself
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean stopped;

  /**
   * Starts one writer per entry region.
   *
   * @param through which (entry region, shard) pairs to write; the others are skipped
   */
  ConnectedWrites(
      SimulatedCluster cluster, List<RegionId> entries, BiPredicate<RegionId, Integer> through) {
    this.cluster = cluster;
    this.router = new HashShardRouter(cluster.config().shards());
    this.through = through;
    for (RegionId entry : entries) {
      Thread t = new Thread(() -> write(entry), "connected-writes-" + entry);
      t.setDaemon(true);
      writers.add(t);
    }
    writers.forEach(Thread::start);
  }

  private void write(RegionId entry) {
    SignalType type = SignalType.of(SteadyLoad.TYPE);
    while (!stopped) {
      long entity = nextEntity.getAndIncrement();
      if (!through.test(entry, router.shardOf(TenantId.DEFAULT, entity))) {
        continue;
      }
      outcomes.put(entity, SteadyLoad.Outcome.PENDING);
      long start = System.nanoTime();
      try {
        cluster
            .node(entry)
            .db()
            .signal(
                TenantId.DEFAULT,
                type,
                EntityId.of(entity),
                1.0,
                Timestamp.ofMillis(System.currentTimeMillis()),
                Durability.QUORUM);
        long took = System.nanoTime() - start;
        outcomes.put(entity, SteadyLoad.Outcome.ACKED);
        acked.incrementAndGet();
        synchronized (latencies) {
          latencies.add(took);
        }
      } catch (UnavailableException e) {
        outcomes.put(entity, SteadyLoad.Outcome.FAILED);
        synchronized (failures) {
          failures.add("entity " + entity + " through " + entry + ": " + e.getMessage());
        }
      }
    }
  }

  long acked() {
    return acked.get();
  }

  /** Waits until {@code more} further writes are acknowledged. */
  void awaitMore(long more, Duration timeout) {
    long target = acked() + more;
    Deadline deadline = Deadline.after(timeout);
    while (acked() < target) {
      if (deadline.expired()) {
        throw new ClusterTimeoutException(
            "only " + (acked() - target + more) + " of " + more + " writes acked in " + timeout);
      }
      deadline.park();
    }
  }

  /** Stops the writers and waits for them. */
  @Override
  public void close() {
    stopped = true;
    for (Thread t : writers) {
      try {
        t.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Returns every write's outcome by entity; call after {@link #close()}. */
  Map<Long, SteadyLoad.Outcome> outcomes() {
    return Map.copyOf(outcomes);
  }

  /** Returns the failed writes, described. */
  List<String> failures() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /** Returns a percentile of the acknowledged writes' latencies, in microseconds. */
  long latencyMicros(double percent) {
    long[] sorted;
    synchronized (latencies) {
      sorted = latencies.stream().mapToLong(Long::longValue).toArray();
    }
    if (sorted.length == 0) {
      return -1;
    }
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)] / 1_000;
  }
}
