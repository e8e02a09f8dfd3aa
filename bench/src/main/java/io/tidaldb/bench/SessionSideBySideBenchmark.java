package io.tidaldb.bench;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.Timestamp;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.wal.WalEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import org.openjdk.jmh.infra.ThreadParams;

/**
 * The cost of client sessions on durable ingest at the CPU limit, measured side by side (issue 12):
 * two stores in one JVM, each on its own WAL ({@value DurableIngest#SHARDS} shards, fsync on) in
 * its own directory, written at the same time by pipelining writers ({@link
 * SessionIngestBenchmark#signalSliding}'s client: {@code window} signals in flight, each write sent
 * once the oldest is acknowledged), one group of writers with a {@link SessionSeq} per write
 * ({@code pair:session}), the other without ({@code pair:plain}). The two stores share the
 * machine's cores, disk and moments, so the ratio of the two scores is the session path's cost
 * where CPU is what limits, free of the drift between runs that made alternated runs of {@link
 * SessionIngestBenchmark} disagree by ±0.04 from one hour to the next (bench/RESULTS.md §29). Each
 * op is one durable signal ({@code -p batch=N}: one batch of N, see {@link #batch}). Run with
 * {@code -tg 1,1} or {@code -tg 2,2}; {@code -p sessions=false} for the A/A run. The two stores'
 * threads share the cores as the scheduler deals them, so a store that needs more CPU per signal
 * may also get a little more of it and the throughput ratio can understate the cost; so each
 * iteration also prints each store's CPU time per signal (its WAL and acknowledgement threads,
 * known as the {@code tidal-} threads each store's opening and first writes started, and its
 * writers; {@link ThreadMXBean}) and their ratio, which does not depend on how the cores were
 * shared.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Benchmark)
public class SessionSideBySideBenchmark {
  /** Signals in flight per writer, at most 1,024 (a session's window). */
  @Param({"1024"})
  public int window;

  /** Distinct entities written to. */
  @Param({"100000"})
  public int entityCount;

  /**
   * Whether the session group's writes carry their {@link SessionSeq}; {@code false} makes both
   * groups plain (an A/A run: the method's own bias, which should be a ratio of 1).
   */
  @Param({"true"})
  public boolean sessions;

  /**
   * Signals per write: 0 sends single signals ({@code signalAsync}); a number sends batches of it
   * ({@link io.tidaldb.api.SignalStore#signalBatchAsync}, split into one part per shard: with
   * {@value DurableIngest#SHARDS} shards, 64 makes parts of about 16), the plain group without a
   * session, the session group with one {@link SessionSeq} per batch. Each op is then one batch;
   * the CPU per signal stays per signal.
   */
  @Param({"0"})
  public int batch;

  /**
   * Who writes the session group's signals: {@code raw} calls {@code SignalStore.signalAsync} with
   * a {@link SessionSeq} the benchmark numbers itself (the store's session path alone); {@code
   * product} writes through the product's {@link io.tidaldb.session.client.SessionClient} (one per
   * writer, its own session: seqs, {@code ackedBelow}, an attempt timeout scheduled and cancelled
   * per write, the read token merged per acknowledgement), whose retry thread counts for the
   * session side, with its defaults: writes past 32 in flight coalesced into batches of up to 256
   * under one seq ({@code SignalStore.signalEachAsync}); {@code product-alone} the same client
   * sending every write alone under a seq of its own ({@code noCoalescing()}). Single writes only
   * ({@code batch} 0).
   */
  @Param({"raw"})
  public String client;

  private final Side plainSide = new Side();
  private final Side sessionSide = new Side();
  private ScheduledThreadPoolExecutor retries; // the product clients' timer ({@link #client})
  long now;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** The prefix of every thread the store and its WAL start ({@code tidal-wal-commit-0}, ...). */
  private static final String STORE_THREADS = "tidal-";

  /** One store on its own WAL and directory, and the threads that work for it. */
  static final class Side {
    private BenchStore opened;
    WalEngine wal;
    SignalStoreEngine store;
    final Set<Long> threads = ConcurrentHashMap.newKeySet();
    private long cpuBefore;
    private long recordsBefore;

    /**
     * Opens the store and writes a few signals through it, so that its WAL and acknowledgement
     * threads are started; they are the threads started meanwhile.
     */
    void open(String prefix, long now) throws Exception {
      Set<Long> before = threadIds();
      opened = BenchStore.open(prefix);
      wal = opened.wal;
      store = opened.store;
      CompletableFuture<?>[] warm = new CompletableFuture<?>[256];
      for (int i = 0; i < warm.length; i++) {
        warm[i] =
            store.signalAsync(
                new Signal(
                    Stores.TENANT, Stores.VIEW, EntityId.of(i), 1.0, Timestamp.ofMillis(now)),
                Durability.LOCAL);
      }
      for (CompletableFuture<?> f : warm) {
        f.get(Stores.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
      Set<Long> started = threadIds();
      started.removeAll(before);
      // Only the store's and WAL's own threads: the JVM starts compiler threads on demand too, and
      // one started meanwhile would charge its compiles to this side (bench/RESULTS.md §30).
      List<String> names = new ArrayList<>();
      List<String> others = new ArrayList<>();
      for (long id : started) {
        ThreadInfo info = THREADS.getThreadInfo(id);
        if (info != null && info.getThreadName().startsWith(STORE_THREADS)) {
          threads.add(id);
          names.add(info.getThreadName());
        } else if (info != null) {
          others.add(info.getThreadName());
        }
      }
      Collections.sort(names);
      System.out.println(prefix + " threads counted: " + names + "; not counted: " + others);
    }

    void mark() {
      cpuBefore = cpuNanos();
      recordsBefore = wal.metrics().records();
    }

    /** CPU nanoseconds per record since {@link #mark}. */
    double cpuPerRecord() {
      long records = wal.metrics().records() - recordsBefore;
      return records == 0 ? Double.NaN : (double) (cpuNanos() - cpuBefore) / records;
    }

    private long cpuNanos() {
      long sum = 0;
      for (long id : threads) {
        long t = THREADS.getThreadCpuTime(id);
        sum += Math.max(0, t); // -1: the thread has ended
      }
      return sum;
    }

    void close() {
      opened.close();
    }
  }

  private static Set<Long> threadIds() {
    Set<Long> ids = new HashSet<>();
    for (long id : THREADS.getAllThreadIds()) {
      ids.add(id);
    }
    return ids;
  }

  /** Opens both stores in fresh directories. */
  @Setup(Level.Trial)
  public void open() throws Exception {
    if (window < 1 || window > 1_024) {
      throw new IllegalArgumentException("window " + window + " must be 1 to 1,024");
    }
    if (batch < 0 || batch > window) {
      throw new IllegalArgumentException("batch " + batch + " must be 0 to the window " + window);
    }
    boolean product = "product".equals(client) || "product-alone".equals(client);
    if (!"raw".equals(client) && !(product && batch == 0 && sessions)) {
      throw new IllegalArgumentException(
          "client "
              + client
              + " must be raw, or product or product-alone with batch 0 and sessions true");
    }
    now = System.currentTimeMillis();
    plainSide.open("tidal-side-plain-", now);
    sessionSide.open("tidal-side-session-", now);
    if (product) {
      retries =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "tidal-bench-client-retry");
                t.setDaemon(true);
                sessionSide.threads.add(t.getId()); // the client's timer works for the session side
                return t;
              });
      retries.setRemoveOnCancelPolicy(true); // as the client's own executor
      retries.prestartAllCoreThreads();
    }
  }

  /** Notes each store's CPU time and records before an iteration. */
  @Setup(Level.Iteration)
  public void mark() {
    plainSide.mark();
    sessionSide.mark();
  }

  /** Prints each store's CPU time per signal in the iteration, and their ratio. */
  @TearDown(Level.Iteration)
  public void reportCpu() {
    double plain = plainSide.cpuPerRecord();
    double session = sessionSide.cpuPerRecord();
    System.out.printf(
        " [cpu per signal: plain %.0f ns, session %.0f ns, plain/session %.3f] ",
        plain, session, plain / session);
  }

  /** Closes both WALs (no checkpoint: the WAL holds everything) and deletes their directories. */
  @TearDown(Level.Trial)
  public void close() {
    plainSide.close();
    sessionSide.close();
    if (retries != null) {
      retries.shutdownNow();
    }
  }

  /** One writer: its {@link SessionClient}, and whether its thread is counted for its store. */
  @State(Scope.Thread)
  public static class Writer {
    private SessionClient client;
    private io.tidaldb.session.client.SessionClient product; // client=product only
    private boolean counted;
    private int batch;

    /** Draws this writer's inputs from a seed of its own. */
    @Setup(Level.Trial)
    public void setup(SessionSideBySideBenchmark b, ThreadParams thread) {
      client = new SessionClient(thread.getThreadIndex(), b.window, b.entityCount, b.now);
      batch = b.batch;
      if (b.retries != null) {
        io.tidaldb.session.client.SessionClient.Builder builder =
            io.tidaldb.session.client.SessionClient.builder(
                    io.tidaldb.session.client.Session.open(Stores.TENANT))
                .store(b.sessionSide.store)
                .scheduler(io.tidaldb.session.client.RetryScheduler.of(b.retries));
        product = ("product-alone".equals(b.client) ? builder.noCoalescing() : builder).build();
      }
    }
  }

  /**
   * Sends the next signal without a session to the plain store, once the oldest in flight is
   * acknowledged.
   *
   * @param w this writer
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  @Benchmark
  @Group("pair")
  @GroupThreads(1)
  public void plain(Writer w) throws Exception {
    slide(w, plainSide, false);
  }

  /**
   * Sends the next signal with the writer's session to the session store, once the oldest in flight
   * is acknowledged; {@code ackedBelow} is the oldest seq still in flight.
   *
   * @param w this writer
   * @throws Exception if a write fails or is not acknowledged within the benchmarks' timeout
   */
  @Benchmark
  @Group("pair")
  @GroupThreads(1)
  public void session(Writer w) throws Exception {
    if (w.product != null) {
      if (!w.counted) {
        sessionSide.threads.add(Thread.currentThread().getId());
        w.counted = true;
      }
      w.client.slide(w.product);
      return;
    }
    slide(w, sessionSide, sessions);
  }

  private static void slide(Writer w, Side side, boolean withSession) throws Exception {
    if (!w.counted) { // the writer's CPU counts for the store it writes to
      side.threads.add(Thread.currentThread().getId());
      w.counted = true;
    }
    if (w.batch > 0) {
      w.client.slideBatch(side.store, withSession, w.batch);
    } else {
      w.client.slide(side.store, withSession);
    }
  }
}
