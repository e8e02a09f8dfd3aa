package io.tidaldb.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * The CPU an idle three-region {@code SimulatedCluster} (4 shards, leaders elected, no writes)
 * burns: heartbeats, timers and the replication threads' idle rounds. On a 2-core machine every
 * percent of a core spent idling is taken from the commit threads under load.
 *
 * <p>Measures the JVM's process CPU time over a window after the leaders are settled and prints it
 * as a percentage of one core, beside the same JVM measured with no cluster open (the baseline of
 * the JIT, GC and the JVM's own threads), then the cluster's replication counters ({@link
 * ReplicationCounters}).
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.tidaldb.bench.ClusterIdleCost [seconds]}, default 10.
 */
public final class ClusterIdleCost {
  private static final int SHARDS = 4;

  private ClusterIdleCost() {}

  /**
   * Runs the measurement.
   *
   * @param args the window in seconds
   */
  public static void main(String[] args) {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    OperatingSystemMXBean os = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class);
    double bare = percentOfOneCore(os, seconds);
    Path dir = BenchFiles.createTempDir("tidal-idle-");
    try (LeaderStores cluster = LeaderStores.open(dir, SHARDS)) {
      percentOfOneCore(os, 5); // let start-up work (JIT of the timers, first heartbeats) pass
      double idle = percentOfOneCore(os, seconds);
      System.out.printf(
          "JDK %s, leaders %s: idle three-region cluster %.2f %% of one core over %d s"
              + " (JVM without a cluster: %.2f %%)%n",
          System.getProperty("java.version"), cluster.describeLeaders(), idle, seconds, bare);
      System.out.println(ReplicationCounters.describe(cluster.cluster()));
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
  }

  private static double percentOfOneCore(OperatingSystemMXBean os, int seconds) {
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      LockSupport.parkNanos(end - System.nanoTime());
    }
    return 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - t0);
  }
}
