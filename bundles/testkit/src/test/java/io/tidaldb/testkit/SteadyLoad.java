package io.tidaldb.testkit;

import io.tidaldb.api.Durability;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady QUORUM write load on a cluster: writer threads each write signals of weight 1 to
 * entities never written before, through {@link SimulatedCluster#writeSignal}, and remember every
 * outcome: acknowledged (the signal must be stored exactly once on every region) or failed (it may
 * or may not be stored: at most once). One entity per signal makes counting exact.
 */
final class SteadyLoad implements AutoCloseable {
  /** The signal type written. */
  static final String TYPE = "hit";

  /** What became of one write. */
  enum Outcome {
    /** Written, no answer yet. */
    PENDING,
    /** Acknowledged at QUORUM. */
    ACKED,
    /** Failed: may or may not be stored. */
    FAILED
  }

  private final SimulatedCluster cluster;
  private final AtomicLong nextEntity = new AtomicLong(1);
  private final AtomicLong acked = new AtomicLong();
  private final ConcurrentHashMap<Long, Outcome> outcomes = new ConcurrentHashMap<>();
  private final List<String> unexpected = new ArrayList<>(); // guarded by itself
  private final List<Thread> writers = new ArrayList<>();
  private final Latencies latencies = new Latencies();
  private volatile boolean stopped;

  private SteadyLoad(SimulatedCluster cluster) {
    this.cluster = cluster;
  }

  /**
   * Starts writer threads.
   *
   * @param cluster the cluster, with leaders elected
   * @param threads how many writers
   * @return the running load; stop it with {@link #close()}
   */
  static SteadyLoad start(SimulatedCluster cluster, int threads) {
    SteadyLoad load = new SteadyLoad(cluster);
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(load::write, "steady-load-" + i);
      t.setDaemon(true);
      load.writers.add(t);
      t.start();
    }
    return load;
  }

  /** Returns how many writes were acknowledged so far. */
  long acked() {
    return acked.get();
  }

  /**
   * Waits until {@code more} further writes than now are acknowledged and at least {@code duration}
   * has passed: a fault phase that lasts a while and sees writes go through.
   *
   * @throws ClusterTimeoutException if the writes do not come within {@code timeout}
   */
  void runFor(Duration duration, long more, Duration timeout) {
    long target = acked() + more;
    Deadline phase = Deadline.after(duration);
    Deadline limit = Deadline.after(timeout);
    while (!phase.expired() || acked() < target) {
      if (limit.expired()) {
        throw new ClusterTimeoutException(
            "only "
                + (acked() - target + more)
                + " of "
                + more
                + " writes acknowledged in "
                + timeout);
      }
      limit.park();
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
  Map<Long, Outcome> outcomes() {
    return Map.copyOf(outcomes);
  }

  /** Describes the acknowledged writes' latencies: median, 99th percentile and maximum. */
  String latencies() {
    return latencies.describe();
  }

  /** Returns failures other than the expected {@link UnavailableException}s, described. */
  List<String> unexpected() {
    synchronized (unexpected) {
      return List.copyOf(unexpected);
    }
  }

  private void write() {
    while (!stopped) {
      long entity = nextEntity.getAndIncrement();
      outcomes.put(entity, Outcome.PENDING);
      long start = System.nanoTime();
      try {
        cluster.writeSignal(TenantId.DEFAULT.name(), TYPE, entity, 1.0, Durability.QUORUM);
        outcomes.put(entity, Outcome.ACKED);
        acked.incrementAndGet();
        latencies.record(System.nanoTime() - start);
      } catch (UnavailableException | ClusterTimeoutException e) { // not acknowledged
        outcomes.put(entity, Outcome.FAILED);
      } catch (RuntimeException e) {
        outcomes.put(entity, Outcome.FAILED);
        synchronized (unexpected) {
          unexpected.add("entity " + entity + ": " + e);
        }
      }
    }
  }

  /** Latencies of acknowledged writes, in a log-scale histogram of microseconds. */
  private static final class Latencies {
    private final long[] buckets = new long[64];
    private long max;
    private long n;

    synchronized void record(long nanos) {
      long micros = Math.max(1, nanos / 1_000);
      buckets[63 - Long.numberOfLeadingZeros(micros)]++;
      max = Math.max(max, nanos);
      n++;
    }

    synchronized String describe() {
      return "latency p50 < "
          + below(0.5)
          + " us, p99 < "
          + below(0.99)
          + " us, max "
          + max / 1_000
          + " us";
    }

    private long below(double q) {
      long seen = 0;
      for (int b = 0; b < buckets.length; b++) {
        seen += buckets[b];
        if (seen >= q * n) {
          return 2L << b;
        }
      }
      return Long.MAX_VALUE;
    }
  }
}
