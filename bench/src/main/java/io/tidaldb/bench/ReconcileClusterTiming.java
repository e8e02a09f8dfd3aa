package io.tidaldb.bench;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.testkit.ClusterConfig;
import io.tidaldb.testkit.ClusterReconcileReport;
import io.tidaldb.testkit.NetworkPartition;
import io.tidaldb.testkit.SimulatedCluster;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * The itest {@code ReconciliationIT}'s timed scenario without Felix: a three-region {@code
 * SimulatedCluster} (4 shards, the in-process transport, every region's reconciliation thread);
 * regions 0 and 2 cut from each other, {@code n} LOCAL signals written at region 0 (the leader of
 * its shards) and {@code n} at region 2 (its local stream), one new entity each; healed; the log
 * catch-up awaited; then {@code reconcileAll()} timed and printed, {@code attempts} times on new
 * entities after a smaller untimed warm-up (as the itest does). Prints every report, the best and
 * the median, and per attempt the CPU time of the three regions' reconciliation threads (the work
 * itself, whatever the machine's load; the test thread's waiting is not in it).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.tidaldb.bench.ReconcileClusterTiming [n [attempts]]},
 * defaults 10,000 and 5.
 */
public final class ReconcileClusterTiming {
  private static final SignalType TYPE = SignalType.of("view");
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R2 = RegionId.of(2);
  private static final Duration WAIT = Duration.ofSeconds(60);

  private ReconcileClusterTiming() {}

  /**
   * Runs the scenario and prints the figures.
   *
   * @param args n and attempts
   */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int attempts = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = BenchFiles.createTempDir("tidal-reconcile-cluster-");
    ClusterConfig config = ClusterConfig.threeRegions().withDirectory(dir);
    System.out.printf(
        "%s, JDK %s, n %d, attempts %d%n", config, System.getProperty("java.version"), n, attempts);
    try (SimulatedCluster cluster = SimulatedCluster.build(config)) {
      Set<Integer> shards = settledShardsLedBy(cluster, R0);
      HashShardRouter router = new HashShardRouter(config.shards());
      long next = 2_000_000_000L;
      for (int s = 0; s < config.shards(); s++) {
        while (router.shardOf(TenantId.DEFAULT, next) != s) {
          next++;
        }
        cluster.writeSignal(TenantId.DEFAULT.name(), TYPE.name(), next, 1.0, Durability.QUORUM);
      }
      cluster.awaitFullConvergence(WAIT);
      partitionAndWrite(cluster, router, shards, n / 5, 100_000_000L);
      cluster.awaitLogConvergence(WAIT);
      System.out.println("warm-up: " + cluster.reconcileAll().toString().lines().findFirst().get());
      cluster.awaitFullConvergence(WAIT);
      List<Double> millis = new ArrayList<>();
      List<Double> cpus = new ArrayList<>();
      for (int a = 0; a < attempts; a++) {
        partitionAndWrite(cluster, router, shards, n, 1 + a * 10_000_000L);
        cluster.awaitLogConvergence(WAIT);
        long cpu = reconcileCpuNanos();
        ClusterReconcileReport r = cluster.reconcileAll();
        cpu = reconcileCpuNanos() - cpu;
        millis.add(r.duration().toNanos() / 1e6);
        cpus.add(Math.round(cpu / 1e5) / 10.0);
        System.out.printf("attempt %d: cpu %.1f ms, %s%n", a + 1, cpu / 1e6, r);
        cluster.awaitFullConvergence(WAIT);
      }
      List<Double> sorted = new ArrayList<>(millis);
      sorted.sort(null);
      System.out.printf(
          "reconciliation of %,d divergent events: best %.1f ms, median %.1f ms, all %s;"
              + " CPU of the reconciliation threads per attempt, ms: %s%n",
          2 * n, sorted.get(0), sorted.get(sorted.size() / 2), millis, cpus);
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
  }

  /** CPU time of every region's reconciliation thread ({@code tidal-reconcile-*}) so far. */
  private static long reconcileCpuNanos() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("tidal-reconcile-")) {
        sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  private static void partitionAndWrite(
      SimulatedCluster cluster, HashShardRouter router, Set<Integer> shards, int n, long first) {
    long next = first;
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      List<CompletableFuture<SignalAck>> acks = new ArrayList<>();
      for (RegionId at : List.of(R0, R2)) {
        for (int i = 0; i < n; i++) {
          while (!shards.contains(router.shardOf(TenantId.DEFAULT, next))) {
            next++;
          }
          Signal s = new Signal(TenantId.DEFAULT, TYPE, EntityId.of(next++), 1.0, Timestamp.now());
          acks.add(cluster.store(at).signalAsync(s, Durability.LOCAL));
        }
      }
      for (CompletableFuture<SignalAck> a : acks) {
        if (a.join().durability() != Durability.LOCAL) {
          throw new IllegalStateException("not acknowledged LOCAL: " + a.join());
        }
      }
      if (p.held().size() != 2) {
        throw new IllegalStateException("partition held: " + p.held());
      }
    }
  }

  private static Set<Integer> settledShardsLedBy(SimulatedCluster cluster, RegionId region) {
    cluster.awaitLeader(WAIT);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (unsettledShard(cluster) != null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("unsettled: " + unsettledShard(cluster));
      }
      Thread.onSpinWait();
    }
    Set<Integer> shards = new TreeSet<>();
    for (int s = 0; s < cluster.config().shards(); s++) {
      if (cluster.regions().get(s % cluster.regions().size()).equals(region)) {
        shards.add(s);
      }
    }
    return shards;
  }

  private static String unsettledShard(SimulatedCluster cluster) {
    List<RegionId> regions = cluster.regions();
    for (int s = 0; s < cluster.config().shards(); s++) {
      RegionId preferred = regions.get(s % regions.size());
      long epoch = cluster.node(preferred).replication().status().get(s).epoch();
      for (RegionId r : regions) {
        ShardReplicationStatus status = cluster.node(r).replication().status().get(s);
        if (status.epoch() != epoch || !status.leader().equals(Optional.of(preferred))) {
          return "shard " + s + ": " + r + " follows " + status.leader();
        }
      }
    }
    return null;
  }
}
