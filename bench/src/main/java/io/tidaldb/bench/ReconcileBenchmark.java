package io.tidaldb.bench;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.reconcile.engine.ReconcileConfig;
import io.tidaldb.reconcile.engine.ReconciliationEngine;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * Reconciliation of two regions' stores ({@link SignalStoreEngine} over {@link MemoryWal}, 4
 * shards) to full convergence: {@code shared} entities equal on both, then per invocation 20,000
 * divergent events (10,000 new entities written only on region 0, 10,000 only on region 1, one
 * signal each), in two stores made afresh for every iteration (one invocation each). The measured
 * time is one {@code reconcileAll()} of region 0, with both engines driven on the benchmark thread
 * and frames handed over in memory (no transport), until its report arrives: then both stores hold
 * equal digests (checked after each invocation). Each invocation prints its report (bytes
 * exchanged, round trips, states) and the CPU time the reconciliation took on the benchmark thread
 * (both regions' engines run there: the work itself, whatever the machine's load). Mode: single
 * shot, ms.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, batchSize = 1)
@Measurement(iterations = 5, batchSize = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms6g", "-Xmx6g"})
@State(Scope.Benchmark)
public class ReconcileBenchmark {
  static final int SHARDS = 4;
  static final int DIVERGENT_PER_SIDE = 10_000;
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  /** Entities both regions hold with equal state. */
  @Param({"0", "100000", "1000000"})
  public int shared;

  /**
   * From how many entities of a (shard, tenant) the initiator takes the segment path ({@link
   * ReconcileConfig#segmentMinEntities}); {@code 2147483647} runs the fingerprint path throughout.
   */
  @Param({"65536"})
  public int segmentMinEntities;

  private Path dir;
  private MemoryWal[] wals;
  private SignalStoreEngine[] stores;
  private ReconciliationEngine[] engines;
  private final ArrayDeque<Object[]> wire = new ArrayDeque<>();
  private long nextEntity;
  private long now;
  private ReconcileReport last;
  private long cpuNanos;

  /**
   * Opens two fresh stores (so every iteration starts from exactly {@code shared} shared entities)
   * and gives them the shared entities (written on 0, merged into 1; 64 more written on both and
   * merged both ways define the series in every shard of each), then the divergent events.
   */
  @Setup(Level.Iteration)
  public void setup() {
    dir = BenchFiles.createTempDir("tidal-reconcile-");
    wals = new MemoryWal[2];
    stores = new SignalStoreEngine[2];
    engines = new ReconciliationEngine[2];
    now = System.currentTimeMillis();
    List<RegionId> regions = List.of(RegionId.of(0), RegionId.of(1));
    for (int r = 0; r < 2; r++) {
      wals[r] = new MemoryWal(SHARDS, 1 << 16, null);
      stores[r] =
          SignalStoreEngine.open(
              StoreConfig.builder(dir.resolve("store-" + r))
                  .region(RegionId.of(r))
                  .snapshotEveryRecords(Stores.NEVER)
                  .build(),
              wals[r],
              new HashShardRouter(SHARDS));
      int self = r;
      engines[r] =
          new ReconciliationEngine(
              ReconcileConfig.defaults(RegionId.of(r), regions)
                  .withInterval(Duration.ZERO)
                  .withSegmentMinEntities(segmentMinEntities),
              stores[r].reconcileState(),
              (to, frame) -> send(self, to, frame),
              System.nanoTime());
    }
    for (long e = 0; e < shared; e++) {
      stores[0].submit(Stores.TENANT, Stores.VIEW, e, 1.0, now);
    }
    for (long e = shared; e < shared + 64; e++) { // defines the series in every shard of both
      stores[0].submit(Stores.TENANT, Stores.VIEW, e, 1.0, now);
      stores[1].submit(Stores.TENANT, Stores.VIEW, e, 1.0, now);
    }
    wals[0].flush();
    wals[1].flush();
    copyAll(stores[0].reconcileState(), stores[1].reconcileState());
    copyAll(stores[1].reconcileState(), stores[0].reconcileState());
    nextEntity = shared + 64;
    checkConverged();
    diverge();
  }

  /** Writes the divergent events: new entities on each side. */
  private void diverge() {
    for (int i = 0; i < DIVERGENT_PER_SIDE; i++) {
      stores[0].submit(Stores.TENANT, Stores.VIEW, nextEntity++, 1.0, now);
      stores[1].submit(Stores.TENANT, Stores.VIEW, nextEntity++, 2.0, now);
    }
    wals[0].flush();
    wals[1].flush();
  }

  /**
   * Reconciles region 0 with region 1 to full convergence.
   *
   * @return the report
   */
  @Benchmark
  public ReconcileReport reconcile() throws Exception {
    long cpu = CPU.getCurrentThreadCpuTime();
    CompletableFuture<ReconcileReport> done = engines[0].reconcileAll();
    while (!done.isDone()) {
      long t = System.nanoTime();
      boolean busy = engines[0].doWork(t) | engines[1].doWork(t);
      for (Object[] f; (f = wire.poll()) != null; ) {
        engines[(Integer) f[1]].onFrame(
            RegionId.of((Integer) f[0]), ByteBuffer.wrap((byte[]) f[2]));
        busy = true;
      }
      if (!busy && !done.isDone()) {
        Thread.onSpinWait();
      }
    }
    last = done.get();
    cpuNanos = CPU.getCurrentThreadCpuTime() - cpu;
    return last;
  }

  /** Checks the two stores converged, prints the report and deletes the stores. */
  @TearDown(Level.Iteration)
  public void report() {
    checkConverged();
    System.out.printf(
        "%n[reconcile shared=%d segmentMinEntities=%d] cpu %.1f ms (both regions, one thread) %s%n",
        shared, segmentMinEntities, cpuNanos / 1e6, last);
    stores[0].halt();
    stores[1].halt();
    BenchFiles.deleteRecursively(dir);
  }

  private SendStatus send(int from, RegionId to, ByteBuffer frame) {
    byte[] copy = new byte[frame.remaining()];
    frame.duplicate().get(copy);
    wire.add(new Object[] {from, to.value(), copy});
    return SendStatus.SENT;
  }

  private void checkConverged() {
    long[] a = new long[ReconcileState.BUCKETS];
    long[] b = new long[ReconcileState.BUCKETS];
    for (int shard = 0; shard < SHARDS; shard++) {
      stores[0].reconcileState().bucketDigests(shard, Stores.TENANT, a);
      stores[1].reconcileState().bucketDigests(shard, Stores.TENANT, b);
      if (!Arrays.equals(a, b)) {
        throw new IllegalStateException("shard " + shard + " differs after reconciliation");
      }
    }
  }

  /** Merges every state of {@code from} into {@code to}. */
  static void copyAll(ReconcileState from, ReconcileState to) {
    BitSet every = new BitSet();
    every.set(0, ReconcileState.BUCKETS);
    for (int shard = 0; shard < from.shardCount(); shard++) {
      List<EntityKey> keys = new ArrayList<>();
      from.forEachInBuckets(
          shard,
          Stores.TENANT,
          every,
          (type, entity, hash) -> keys.add(new EntityKey(Stores.VIEW, entity)));
      for (int i = 0; i < keys.size(); i += 50_000) {
        List<EntityKey> chunk = keys.subList(i, Math.min(keys.size(), i + 50_000));
        to.merge(shard, Stores.TENANT, from.states(shard, Stores.TENANT, chunk));
      }
    }
  }
}
