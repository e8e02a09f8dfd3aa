package io.tidaldb.testkit;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;
import io.tidaldb.router.HashShardRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The QUORUM write load of {@link FailoverTrials}: writer threads that each write one signal of
 * weight 1 to an entity never written before, through {@link SimulatedCluster#writeSignal}, and
 * remember whether it was acknowledged (then it must be counted exactly once on every region) or
 * failed (at most once). One entity per signal makes the final count exact. The trial thread writes
 * its probes through the same bookkeeping ({@link #writeTo}).
 */
final class TrialLoad implements AutoCloseable {
  /** The signal type written. */
  static final String TYPE = "failover";

  private static final SignalType SIGNAL_TYPE = SignalType.of(TYPE);
  private static final Duration STOP_BOUND = Duration.ofSeconds(30);

  private final SimulatedCluster cluster;
  private final HashShardRouter router;
  private final AtomicLong nextEntity = new AtomicLong(1);
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Map<Long, Boolean> outcomes = new ConcurrentHashMap<>(); // entity -> acked
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  private final List<Thread> writers = new ArrayList<>();
  private volatile boolean stopped;

  TrialLoad(SimulatedCluster cluster, int threads) {
    this.cluster = cluster;
    this.router = new HashShardRouter(cluster.config().shards());
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::run, "failover-trial-writer-" + i);
      t.setDaemon(true);
      writers.add(t);
    }
    writers.forEach(Thread::start);
  }

  private void run() {
    while (!stopped) {
      write(nextEntity.getAndIncrement());
    }
  }

  /**
   * Writes one new entity of {@code shard} and returns whether it was acknowledged.
   *
   * @param shard the shard
   * @return true if acknowledged at QUORUM
   */
  boolean writeTo(int shard) {
    long entity = nextEntity.getAndIncrement();
    while (router.shardOf(TenantId.DEFAULT, entity) != shard) {
      entity = nextEntity.getAndIncrement(); // skipped ids are never written
    }
    return write(entity);
  }

  private boolean write(long entity) {
    try {
      cluster.writeSignal(TenantId.DEFAULT.name(), TYPE, entity, 1.0, Durability.QUORUM);
      outcomes.put(entity, Boolean.TRUE);
      acked.incrementAndGet();
      return true;
    } catch (TidalException | ClusterTimeoutException e) { // not acknowledged: may be stored
      outcomes.put(entity, Boolean.FALSE);
      failed.incrementAndGet();
      failures.computeIfAbsent(cause(e), k -> new AtomicLong()).incrementAndGet();
      return false;
    }
  }

  /** Names a failure by its class and its message's start (the message's values cut off). */
  private static String cause(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    int cut = m.length();
    for (int i = 0; i < m.length(); i++) {
      if (Character.isDigit(m.charAt(i)) || m.charAt(i) == ':') {
        cut = i;
        break;
      }
    }
    return e.getClass().getSimpleName() + " \"" + m.substring(0, Math.min(cut, 60)).trim() + "\"";
  }

  /** Returns the failed writes by cause. */
  Map<String, Long> failures() {
    Map<String, Long> out = new TreeMap<>();
    failures.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  long acked() {
    return acked.get();
  }

  long failed() {
    return failed.get();
  }

  /** Waits until {@code more} writes more than now are acknowledged. */
  void awaitMoreAcks(long more, Duration timeout) {
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
        t.join(STOP_BOUND.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ClusterTimeoutException("interrupted while stopping the writers");
      }
      if (t.isAlive()) {
        throw new ClusterTimeoutException(t.getName() + " still writing " + STOP_BOUND + " later");
      }
    }
  }

  /**
   * Reads every entity written on every region and counts what breaks exactly-once: an acknowledged
   * entity that some region does not count (lost), and an entity that some region counts more than
   * once (duplicated; each was written once). Call after {@link #close()} and convergence, with
   * every region running.
   *
   * @return {@code [acknowledged entities lost somewhere, entities counted twice somewhere]}
   */
  long[] check() {
    List<SignalStore> dbs = new ArrayList<>();
    for (RegionId region : cluster.regions()) {
      dbs.add(cluster.node(region).db());
    }
    long lost = 0;
    long duplicated = 0;
    for (Map.Entry<Long, Boolean> e : outcomes.entrySet()) {
      EntityId entity = EntityId.of(e.getKey().longValue());
      boolean missing = false;
      boolean twice = false;
      for (SignalStore db : dbs) {
        long count = db.read(TenantId.DEFAULT, SIGNAL_TYPE, entity).count();
        missing |= e.getValue() && count < 1;
        twice |= count > 1;
      }
      lost += missing ? 1 : 0;
      duplicated += twice ? 1 : 0;
    }
    return new long[] {lost, duplicated};
  }
}
