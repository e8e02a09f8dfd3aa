package io.tidaldb.itests;

import io.tidaldb.api.SignalAck;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A steady QUORUM write load on a test kit cluster: writer threads that each own a range of
 * entities and write one signal (type {@value #TYPE}, weight 1) to the next of them in turn,
 * through {@link SimulatedCluster#writeSignal}, until stopped. Per entity it records the writes
 * acknowledged and the ones that failed (a failed QUORUM write may or may not be stored), and per
 * shard the first acknowledgement of a write started after a given instant.
 */
final class QuorumLoad implements AutoCloseable {
  /** The signal type every write uses. */
  static final String TYPE = "load";

  private final SimulatedCluster cluster;
  private final int entities;
  private final AtomicLongArray acked;
  private final AtomicLongArray failed;
  private final AtomicLong totalAcked = new AtomicLong();
  private final AtomicLong[] shardAcks;
  private final AtomicLong[] firstAckAfterMark;
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile long markNanos = Long.MAX_VALUE;
  private volatile boolean stopping;

  /**
   * Starts the writers.
   *
   * @param cluster the cluster to write to
   * @param writers how many writer threads
   * @param entitiesPerWriter how many entities each writer owns (entities 1 to writers times this)
   */
  QuorumLoad(SimulatedCluster cluster, int writers, int entitiesPerWriter) {
    this.cluster = cluster;
    this.entities = writers * entitiesPerWriter;
    this.acked = new AtomicLongArray(entities + 1);
    this.failed = new AtomicLongArray(entities + 1);
    int shards = cluster.config().shards();
    this.shardAcks = new AtomicLong[shards];
    this.firstAckAfterMark = new AtomicLong[shards];
    for (int s = 0; s < shards; s++) {
      shardAcks[s] = new AtomicLong();
      firstAckAfterMark[s] = new AtomicLong(Long.MAX_VALUE);
    }
    for (int w = 0; w < writers; w++) {
      long first = 1 + (long) w * entitiesPerWriter;
      Thread t = new Thread(() -> run(first, entitiesPerWriter), "it-quorum-writer-" + w);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  private void run(long first, int count) {
    for (long i = 0; !stopping; i++) {
      long entity = first + i % count;
      long start = System.nanoTime();
      try {
        SignalAck ack = cluster.writeSignal(TYPE, entity, 1.0);
        long now = System.nanoTime();
        acked.incrementAndGet((int) entity);
        totalAcked.incrementAndGet();
        int shard = ack.shard().value();
        shardAcks[shard].incrementAndGet();
        if (start - markNanos > 0) {
          firstAckAfterMark[shard].accumulateAndGet(now, Math::min);
        }
      } catch (RuntimeException e) {
        failed.incrementAndGet((int) entity);
        failures
            .computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicLong())
            .incrementAndGet();
      }
    }
  }

  /**
   * Marks now: {@link #firstAckAfterMark} then only counts writes started after this call.
   *
   * @return the mark, on {@link System#nanoTime()}
   */
  long mark() {
    markNanos = System.nanoTime();
    return markNanos;
  }

  /**
   * Returns when a write to {@code shard} started after the {@link #mark} was first acknowledged.
   *
   * @param shard the shard
   * @return the time on {@link System#nanoTime()}, or {@link Long#MAX_VALUE} if none yet
   */
  long firstAckAfterMark(int shard) {
    return firstAckAfterMark[shard].get();
  }

  /**
   * Returns how many writes were acknowledged so far.
   *
   * @return the total
   */
  long totalAcked() {
    return totalAcked.get();
  }

  /**
   * Returns how many acknowledged writes went to a shard.
   *
   * @param shard the shard
   * @return the count
   */
  long shardAcks(int shard) {
    return shardAcks[shard].get();
  }

  /**
   * Returns the entities written, 1 to this.
   *
   * @return the highest entity
   */
  int entities() {
    return entities;
  }

  /**
   * Returns the writes acknowledged for an entity.
   *
   * @param entity the entity
   * @return the count
   */
  long acked(long entity) {
    return acked.get((int) entity);
  }

  /**
   * Returns the writes that failed for an entity.
   *
   * @param entity the entity
   * @return the count
   */
  long failed(long entity) {
    return failed.get((int) entity);
  }

  /**
   * Returns the failures by exception class.
   *
   * @return class simple name to count
   */
  Map<String, Long> failures() {
    Map<String, Long> out = new TreeMap<>();
    failures.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /**
   * Stops the writers and waits for them: each finishes its current write, which can last the
   * cluster's durability timeout twice over (NotLeader retries up to the timeout, then the QUORUM
   * wait of the accepted attempt) plus the forwarding margin, so the bound is three timeouts and a
   * second.
   *
   * @throws AssertionError if a writer is still running a deadline later
   */
  @Override
  public void close() {
    stopping = true;
    Duration bound = cluster.config().durabilityTimeout().multipliedBy(3).plusSeconds(1);
    long end = System.nanoTime() + bound.toNanos();
    for (Thread t : threads) {
      try {
        t.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while stopping the writers", e);
      }
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " still writing " + bound + " after the stop");
      }
    }
  }
}
