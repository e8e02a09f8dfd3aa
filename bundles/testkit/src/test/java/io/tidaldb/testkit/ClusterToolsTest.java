package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's own behaviour: manual clock, directories, transports without faults, misuse. */
class ClusterToolsTest {
  @TempDir Path dir;

  @Test
  void shouldElectOnlyAsTheManualClockAdvances() {
    ManualClock clock = new ManualClock(1_700_000_000_000L);
    // The ticker below runs the manual clock about 10x faster than real time, and the durability
    // timeout is timed on it: 10 minutes of it are still a minute of real time for the write.
    try (SimulatedCluster cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withClock(clock)
                .withDurabilityTimeout(Duration.ofMinutes(10)))) {
      assertEquals(ManualClock.START_NANOS, cluster.nanoTime());
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!cluster.hasLeader()) {
        assertTrue(System.nanoTime() < deadline, "no leader after advancing " + clock);
        clock.advance(Duration.ofMillis(10));
        LockSupport.parkNanos(200_000);
      }
      assertTrue(clock.millis() > 1_700_000_000_000L);
      // Replication retries and acks are timed on the clock too: let it run while writing.
      Thread ticker = new Thread(() -> tick(clock), "manual-clock-ticker");
      ticker.setDaemon(true);
      ticker.start();
      try {
        long since = cluster.nanoTime();
        clock.advance(Duration.ofMillis(1)); // time passes during the write whatever the ticker did
        writeRetryingElections(cluster);
        long latency = cluster.awaitEventApplied(RegionId.of(1), since, Duration.ofSeconds(10));
        assertTrue(latency > 0, Long.toString(latency));
      } finally {
        ticker.interrupt();
      }
    }
  }

  /**
   * Writes one signal, again if a leader stepped down meanwhile: on a loaded machine (a CI build
   * beside other builds) the replication thread can be starved long enough in clock time for the
   * leader's lease to lapse, and the write then fails with {@link UnavailableException}. A second
   * copy of the signal is harmless here: the test waits for an event applied after {@code since}.
   */
  private static void writeRetryingElections(SimulatedCluster cluster) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        cluster.writeSignal("click", 1, 1.0);
        return;
      } catch (UnavailableException e) {
        assertTrue(System.nanoTime() < deadline, "no write acknowledged in 20 s: " + e);
      }
    }
  }

  /** Advances the clock 1 ms per 100 µs of real time until interrupted. */
  private static void tick(ManualClock clock) {
    while (!Thread.currentThread().isInterrupted()) {
      clock.advance(Duration.ofMillis(1));
      LockSupport.parkNanos(100_000);
    }
  }

  @Test
  void shouldKeepAGivenDirectoryAndDeleteATemporaryOne() {
    Path temp;
    try (SimulatedCluster cluster = SimulatedCluster.build(ClusterConfig.regions(1))) {
      temp = cluster.directory();
      assertTrue(Files.isDirectory(temp.resolve("region-0").resolve("wal")));
    }
    assertFalse(Files.exists(temp));

    Path kept = dir.resolve("kept");
    try (SimulatedCluster cluster =
        SimulatedCluster.build(ClusterConfig.regions(1).withDirectory(kept))) {
      cluster.awaitLeader(Duration.ofSeconds(5));
      cluster.writeSignal("click", 1, 2.0);
    }
    assertTrue(Files.isDirectory(kept.resolve("region-0").resolve("store")));
    try (SimulatedCluster reopened =
        SimulatedCluster.build(ClusterConfig.regions(1).withDirectory(kept))) {
      reopened.awaitLeader(Duration.ofSeconds(5));
      assertEquals(
          1,
          reopened
              .node(RegionId.of(0))
              .db()
              .read(io.tidaldb.api.SignalType.of("click"), io.tidaldb.api.EntityId.of(1))
              .count());
    }
  }

  @Test
  void shouldNameATransportWithoutLinkFaults() {
    try (SimulatedCluster cluster =
        SimulatedCluster.build(ClusterConfig.regions(1).withTransport(NoFaults::new))) {
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, cluster::links);
      assertTrue(e.getMessage().contains("no-faults"), e.getMessage());
      UnsupportedOperationException f =
          assertThrows(UnsupportedOperationException.class, cluster::faults);
      assertTrue(f.getMessage().contains("LinkShaping"), f.getMessage());
      cluster.awaitLeader(Duration.ofSeconds(5));
      cluster.crash(RegionId.of(0));
      cluster.restart(RegionId.of(0));
      cluster.awaitLeader(Duration.ofSeconds(5));
    }
  }

  @Test
  void shouldRefuseMisuseNamingTheRegion() {
    try (SimulatedCluster cluster = SimulatedCluster.build(ClusterConfig.threeRegions())) {
      RegionId r9 = RegionId.of(9);
      assertThrows(InvalidArgumentException.class, () -> cluster.node(r9));
      assertThrows(InvalidArgumentException.class, () -> cluster.restart(RegionId.of(1)));
      cluster.crash(RegionId.of(1));
      assertFalse(cluster.node(RegionId.of(1)).isRunning());
      UnavailableException e =
          assertThrows(UnavailableException.class, () -> cluster.node(RegionId.of(1)).db());
      assertTrue(e.getMessage().contains("region-1"), e.getMessage());
      assertThrows(InvalidArgumentException.class, () -> cluster.crash(RegionId.of(1)));
      assertThrows(InvalidArgumentException.class, () -> cluster.leaderOf(ShardId.of(4)));
      cluster.restart(RegionId.of(1));
      assertTrue(cluster.node(RegionId.of(1)).isRunning());
    }
  }

  @Test
  void shouldRefuseFaultsOnRegionsOutsideTheClusterAndEndAPauseOnRestart() {
    try (SimulatedCluster cluster = SimulatedCluster.build(ClusterConfig.threeRegions())) {
      ClusterFaults faults = cluster.faults();
      RegionId r1 = RegionId.of(1);
      RegionId r9 = RegionId.of(9);
      InvalidArgumentException e =
          assertThrows(InvalidArgumentException.class, () -> faults.cutOneWay(r1, r9));
      assertTrue(e.getMessage().contains("region-9"), e.getMessage());
      assertThrows(InvalidArgumentException.class, () -> faults.pause(r9, Duration.ofSeconds(1)));
      assertThrows(InvalidArgumentException.class, () -> faults.bridge(r1, r1));
      assertThrows(InvalidArgumentException.class, () -> faults.isolate(null));

      faults.cutOneWay(RegionId.of(0), r1);
      faults.pause(r1, Duration.ofHours(1));
      assertFalse(faults.links().reachable(RegionId.of(0), r1));
      assertTrue(faults.links().reachable(r1, RegionId.of(0)));
      cluster.crash(r1);
      cluster.restart(r1);
      assertFalse(faults.paused(r1), "a restart ends the pause");
      assertTrue(faults.links().connected(RegionId.of(0), r1), "a restart heals one-way cuts");
      cluster.awaitLeader(Duration.ofSeconds(5));
    }
  }

  @Test
  void shouldRestartTheCrashedLeaderAfterFailover() {
    try (SimulatedCluster cluster = SimulatedCluster.build(ClusterConfig.threeRegions())) {
      cluster.awaitLeader(Duration.ofSeconds(5));
      RegionId crashed = ShardCrash.crash(ShardId.of(1), cluster, true);
      assertTrue(cluster.node(crashed).isRunning());
      cluster.writeSignal("click", 3, 1.0);
      cluster.awaitFullConvergence(Duration.ofSeconds(20));
    }
  }

  /** A transport that offers no link faults: an in-process one behind a plain delegate. */
  private static final class NoFaults implements Transport, AutoCloseable {
    private final InProcessTransport delegate = new InProcessTransport();

    @Override
    public String name() {
      return "no-faults";
    }

    @Override
    public int maxFrameBytes() {
      return delegate.maxFrameBytes();
    }

    @Override
    public TransportEndpoint open(RegionId local, FrameHandler handler) {
      return delegate.open(local, handler);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
