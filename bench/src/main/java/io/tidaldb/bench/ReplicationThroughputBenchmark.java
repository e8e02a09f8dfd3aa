package io.tidaldb.bench;

import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TidalException;
import io.tidaldb.api.replication.NotLeaderException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The product plan's replication benchmark: {@code count} signals written across a three-region
 * {@code SimulatedCluster} (real WALs with fsync, replication over the {@code transport}:
 * in-process by default, or one TCP transport per region on 127.0.0.1, plaintext or mutual TLS 1.3,
 * see {@link BenchTransport}; 4 shards), each sent to its shard's leader, then {@code
 * awaitLogConvergence}. One op is one such run, timed from the first write to convergence: every
 * region has applied every shard up to its leader's durable position.
 *
 * <p>Writes are pipelined at {@code Durability.LOCAL}: each of {@code writers} threads calls {@code
 * submit} on the leader's store for {@code window} signals, then {@code awaitDurable} on the last
 * ticket of every shard it touched. Entities are drawn uniformly (seeded per writer) from {@code
 * entityCount}; one cluster serves the whole trial, so each run adds {@code count} records to logs
 * that already hold the earlier runs.
 *
 * <p>Units: every iteration is exactly one run (the iteration time of 1 ms ends after the first op,
 * and JMH divides by the run's real time). The primary score is runs per second ({@code ops/s}, one
 * op = {@code count} signals to full convergence). The {@code :signals} counter is the figure that
 * matters: <b>signals per second to full convergence</b>, {@code count} / the run's time.
 * (SingleShotTime would time the same op but drops auxiliary counters.) After each run the split is
 * printed: the time until every signal was durable on its leader, and until followers caught up.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 10, time = 1, timeUnit = TimeUnit.MILLISECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class ReplicationThroughputBenchmark {
  private static final long SEED = 0x1A6E57_0007L;
  private static final int DRAWS = 1 << 18;
  private static final int SHARDS = 4;
  private static final Duration CONVERGENCE = Duration.ofMinutes(5);

  /** Signals per run, over all writers. */
  @Param({"25000", "1000000"})
  public int count;

  /** Writer threads. */
  @Param({"1", "2"})
  public int writers;

  /** Signals a writer submits per durability wait. */
  @Param({"4096"})
  public int window;

  /** Distinct entities written to. */
  @Param({"100000"})
  public int entityCount;

  /** The transport between the regions: {@code inprocess}, {@code tcp} or {@code tls}. */
  @Param({"inprocess"})
  public String transport;

  private Path dir;
  private LeaderStores cluster;
  private ExecutorService pool;
  private Writer[] writerStates;
  private long now;
  private final AtomicLong unconfirmed = new AtomicLong();
  private long writtenNanos;
  private long convergedNanos;

  /** Signals that reached full convergence, per second of the run. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Counters {
    /** Signals written and converged. */
    public long signals;

    /** Zeroes the counter. */
    @Setup(Level.Iteration)
    public void reset() {
      signals = 0;
    }
  }

  /** Starts the cluster in a fresh directory, waits for leaders, draws the writers' inputs. */
  @Setup(Level.Trial)
  public void open() {
    if (count % writers != 0) {
      throw new IllegalArgumentException(
          "count " + count + " must be a multiple of writers " + writers);
    }
    BenchTransport via = BenchTransport.parse(transport);
    dir = BenchFiles.createTempDir("tidal-replication-");
    cluster = LeaderStores.open(dir, SHARDS, via);
    now = System.currentTimeMillis();
    writerStates = new Writer[writers];
    for (int i = 0; i < writers; i++) {
      writerStates[i] = new Writer(i, count / writers);
    }
    AtomicInteger threads = new AtomicInteger();
    pool =
        Executors.newFixedThreadPool(
            writers,
            r -> {
              Thread t = new Thread(r, "bench-writer-" + threads.getAndIncrement());
              t.setDaemon(true);
              return t;
            });
    System.out.println("\ntransport " + via.label() + ", leaders " + cluster.describeLeaders());
  }

  /** Prints how the run's time split into writing and catching up. */
  @TearDown(Level.Iteration)
  public void reportIteration() {
    double total = convergedNanos / 1e6;
    double writes = writtenNanos / 1e6;
    System.out.printf(
        " [%d signals: durable on leaders after %.1f ms, converged after %.1f ms (+%.1f ms);"
            + " %.0f signals/s to convergence; leaders %s, re-routed %d, unconfirmed waits %d] ",
        count,
        writes,
        total,
        total - writes,
        count / (convergedNanos / 1e9),
        cluster.describeLeaders(),
        cluster.refreshes(),
        unconfirmed.get());
  }

  /**
   * Prints the trial's replication counters (warm-up included; see {@link ReplicationCounters}),
   * stops the writers, closes the cluster and deletes its data.
   */
  @TearDown(Level.Trial)
  public void close() {
    pool.shutdownNow();
    try {
      System.out.println("\n" + ReplicationCounters.describe(cluster.cluster()));
      cluster.close();
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
  }

  /**
   * Writes {@code count} signals over all writers at their shards' leaders, waits for each to be
   * durable there, then waits for full convergence.
   *
   * @param c the counters
   * @throws Exception if a writer failed
   */
  @Benchmark
  public void writeAndConverge(Counters c) throws Exception {
    long start = System.nanoTime();
    List<Future<?>> running = new ArrayList<>(writers);
    for (Writer w : writerStates) {
      running.add(pool.submit(w::run));
    }
    try {
      for (Future<?> f : running) {
        f.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("a writer failed", e.getCause());
    }
    writtenNanos = System.nanoTime() - start;
    cluster.cluster().awaitLogConvergence(CONVERGENCE);
    convergedNanos = System.nanoTime() - start;
    c.signals += count;
  }

  /** One writer's seeded inputs and pipeline state. */
  private final class Writer {
    private final long[] entities = new long[DRAWS];
    private final int[] shards = new int[DRAWS];
    private final long[] eventTimes = new long[DRAWS];
    private final double[] weights = new double[DRAWS];
    private final long[] lastTicket = new long[SHARDS];
    private final SignalStore[] lastStore = new SignalStore[SHARDS];
    private final int signals;
    private int next;

    Writer(int index, int signals) {
      this.signals = signals;
      SplittableRandom random = new SplittableRandom(SEED + index);
      for (int i = 0; i < DRAWS; i++) {
        entities[i] = random.nextInt(entityCount);
        shards[i] = cluster.router().shardOf(Stores.TENANT, entities[i]);
        eventTimes[i] = now - random.nextLong(3_600_000);
        weights[i] = 1.0 + random.nextInt(4);
      }
    }

    void run() {
      int touched = 0;
      int inWindow = 0;
      for (int n = 0; n < signals; n++) {
        int i = next++ & (DRAWS - 1);
        int shard = shards[i];
        SignalStore store = cluster.leaderStore(shard);
        long ticket;
        while (true) {
          try {
            ticket =
                store.submit(Stores.TENANT, Stores.VIEW, entities[i], weights[i], eventTimes[i]);
            break;
          } catch (NotLeaderException e) {
            cluster.refresh(shard); // leadership moved: nothing was stored, send it to the new one
            store = cluster.leaderStore(shard);
          }
        }
        if ((touched & (1 << shard)) != 0 && lastStore[shard] != store) {
          awaitTouched(touched); // the shard's earlier tickets belong to the previous leader
          touched = 0;
        }
        lastTicket[shard] = ticket;
        lastStore[shard] = store;
        touched |= 1 << shard;
        if (++inWindow == window) {
          awaitTouched(touched);
          touched = 0;
          inWindow = 0;
        }
      }
      awaitTouched(touched);
    }

    private void awaitTouched(int touched) {
      for (int s = 0; s < SHARDS; s++) {
        if ((touched & (1 << s)) != 0) {
          try {
            lastStore[s].awaitDurable(lastTicket[s], Stores.TIMEOUT);
          } catch (TidalException e) {
            // A deposed leader may cut its log below the ticket before the wait ends: the wait
            // then fails (InvalidArgumentException "not appended"). Count it if the store no
            // longer leads the shard, rethrow anything else.
            cluster.refresh(s);
            if (cluster.leaderStore(s) == lastStore[s]) {
              throw e;
            }
            unconfirmed.incrementAndGet();
          }
        }
      }
    }
  }
}
