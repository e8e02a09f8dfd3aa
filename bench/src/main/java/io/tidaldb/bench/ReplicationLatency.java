package io.tidaldb.bench;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Replication latency percentiles in a three-region {@code SimulatedCluster} (real WALs with fsync,
 * the in-process transport or one TCP transport per region on loopback, 4 shards), measured without
 * JMH: one thread writes one signal at a time to its shard's leader with {@code signal(...)} and
 * records, per signal, in HdrHistograms:
 *
 * <ul>
 *   <li>{@code LOCAL}: the acknowledgement of {@code signal(..., LOCAL)} (leader's WAL durable),
 *       and the time from the call's start until <b>every other region</b> has applied it;
 *   <li>{@code QUORUM}: the acknowledgement of {@code signal(..., QUORUM)} (a majority durable),
 *       and the time from the call's start until <b>all regions</b> have applied it.
 * </ul>
 *
 * <p>"Applied" is read off each region's store: {@code status().shards().get(shard)
 * .appliedPosition()} beyond the acknowledged position (follower logs hold the leader's positions).
 * The prober polls, parking {@value #POLL_NANOS} ns between looks, so an applied time is late by up
 * to one poll interval (the mean interval is printed). The load is one signal in flight: this is
 * the latency of an otherwise idle cluster, not under a throughput load. A call refused with {@code
 * NotLeaderException} (re-routed) or failed with {@code UnavailableException} (leadership moved
 * while it waited: outcome unknown) is not a sample; both are counted and printed. At the end it
 * prints the cluster's replication counters ({@link ReplicationCounters}: forgiven pauses, dropped
 * frames).
 *
 * <p>JMH-free because one sample yields two latencies (ack and applied-everywhere) that both need
 * full percentile distributions; JMH's SampleTime times only the benchmark method itself.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.tidaldb.bench.ReplicationLatency
 * [--transport=inprocess|tcp|tls] [samples [warmup [hgrm-dir]]]}, defaults in-process, 20000 and
 * 5000 per level; with a directory, each histogram's percentile distribution is written there as
 * {@code <level>-<metric>.hgrm} (values in ms). {@code tcp} and {@code tls} run each region over
 * its own {@code TcpTransport} on 127.0.0.1, plaintext or mutual TLS 1.3 ({@link BenchTransport}).
 */
public final class ReplicationLatency {
  private static final long SEED = 0x1A6E57_0008L;
  private static final int SHARDS = 4;
  private static final int ENTITIES = 100_000;
  private static final long POLL_NANOS = 10_000;
  private static final long MAX_NANOS = 60_000_000_000L;
  private static final long WAIT_NANOS = 30_000_000_000L;
  private static final String TRANSPORT_OPTION = "--transport=";

  private final LeaderStores cluster;
  private final SplittableRandom random = new SplittableRandom(SEED);
  private long polls;
  private long pollWaitNanos;
  private long rerouted;
  private long unavailable;

  private ReplicationLatency(LeaderStores cluster) {
    this.cluster = cluster;
  }

  /**
   * Runs the measurement and prints the percentiles.
   *
   * @param options an optional {@code --transport=inprocess|tcp|tls}, then samples per level,
   *     warm-up samples per level, optional histogram directory
   */
  public static void main(String[] options) {
    BenchTransport transport = BenchTransport.INPROCESS;
    List<String> positional = new ArrayList<>();
    for (String o : options) {
      if (o.startsWith(TRANSPORT_OPTION)) {
        transport = BenchTransport.parse(o.substring(TRANSPORT_OPTION.length()));
      } else {
        positional.add(o);
      }
    }
    String[] args = positional.toArray(new String[0]);
    int samples = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    Path hgrm = args.length > 2 ? Path.of(args[2]) : null;
    Path dir = BenchFiles.createTempDir("tidal-latency-");
    try (LeaderStores cluster = LeaderStores.open(dir, SHARDS, transport)) {
      System.out.printf(
          "transport %s, %s, JDK %s, %d samples per level after %d warm-up, leaders %s%n",
          transport.label(),
          cluster.cluster().config(),
          System.getProperty("java.version"),
          samples,
          warmup,
          cluster.describeLeaders());
      ReplicationLatency r = new ReplicationLatency(cluster);
      for (Durability level : new Durability[] {Durability.LOCAL, Durability.QUORUM}) {
        r.measure(level, new Histogram(MAX_NANOS, 3), new Histogram(MAX_NANOS, 3), warmup);
        Histogram ack = new Histogram(MAX_NANOS, 3);
        Histogram applied = new Histogram(MAX_NANOS, 3);
        r.polls = 0;
        r.pollWaitNanos = 0;
        long start = System.nanoTime();
        r.measure(level, ack, applied, samples);
        double seconds = (System.nanoTime() - start) / 1e9;
        String where = level == Durability.LOCAL ? "every other region" : "all regions";
        System.out.printf(
            "%n%s: %d samples in %.1f s; prober: mean poll interval %.3f ms; re-routed %d;"
                + " unavailable (outcome unknown, not sampled) %d%n",
            level,
            ack.getTotalCount(),
            seconds,
            r.polls == 0 ? 0.0 : r.pollWaitNanos / 1e6 / r.polls,
            r.rerouted,
            r.unavailable);
        System.out.println(
            "| level | latency | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | mean ms |");
        print(level, "ack of signal()", ack);
        print(level, "call start to applied on " + where, applied);
        Histograms.write(hgrm, level + "-ack", ack);
        Histograms.write(hgrm, level + "-applied", applied);
      }
      System.out.println(ReplicationCounters.describe(cluster.cluster()));
    } finally {
      BenchFiles.deleteRecursively(dir);
    }
  }

  private void measure(Durability level, Histogram ack, Histogram applied, int samples) {
    for (int n = 0; n < samples; ) {
      long entity = random.nextInt(ENTITIES);
      int shard = cluster.router().shardOf(Stores.TENANT, entity);
      SignalStore store = cluster.leaderStore(shard);
      List<SignalStore> others = cluster.followerStores(shard);
      long t0 = System.nanoTime();
      SignalAck a;
      try {
        a =
            store.signal(
                Stores.TENANT,
                Stores.VIEW,
                EntityId.of(entity),
                1.0,
                Timestamp.ofMillis(System.currentTimeMillis()),
                level);
      } catch (NotLeaderException e) {
        cluster.refresh(shard); // nothing stored: measure another signal at the new leader
        rerouted++;
        continue;
      } catch (UnavailableException e) {
        // leadership moved while the call was forwarded or waiting: its outcome is unknown, so it
        // is not a sample; count it and measure another signal at the current leader
        cluster.refresh(shard);
        unavailable++;
        continue;
      }
      long t1 = System.nanoTime();
      if (level != Durability.LOCAL) {
        awaitApplied(store, shard, a.position(), t0);
      }
      for (SignalStore s : others) {
        awaitApplied(s, shard, a.position(), t0);
      }
      long t2 = System.nanoTime();
      ack.recordValue(t1 - t0);
      applied.recordValue(t2 - t0);
      n++;
    }
  }

  private void awaitApplied(SignalStore store, int shard, long position, long since) {
    while (store.status().shards().get(shard).appliedPosition() <= position) {
      if (System.nanoTime() - since > WAIT_NANOS) {
        throw new IllegalStateException(
            "position " + position + " of shard " + shard + " not applied within 30 s");
      }
      long before = System.nanoTime();
      LockSupport.parkNanos(POLL_NANOS);
      pollWaitNanos += System.nanoTime() - before;
      polls++;
    }
  }

  private static void print(Durability level, String what, Histogram h) {
    System.out.printf(
        "| %s | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
        level,
        what,
        h.getValueAtPercentile(50) / 1e6,
        h.getValueAtPercentile(90) / 1e6,
        h.getValueAtPercentile(99) / 1e6,
        h.getValueAtPercentile(99.9) / 1e6,
        h.getMaxValue() / 1e6,
        h.getMean() / 1e6);
  }
}
