package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.transport.tcp.TcpConfig;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import io.tidaldb.transport.tcp.TcpTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three regions, each over its own plaintext {@link TcpTransport} on loopback (a {@link
 * RegionTransports} made by {@link TransportFactory#perRegion}): they elect leaders, replicate
 * QUORUM writes and converge, and a crashed shard leader fails over, restarts and catches up over
 * its reconnected links. Every frame between regions crosses a real TCP connection, which the
 * transports' counters show.
 */
class TcpClusterTest {
  private static final Duration ELECTION = Duration.ofSeconds(10);
  private static final Duration CONVERGE = Duration.ofSeconds(30);
  private static final int ENTITIES = 20;

  @RegisterExtension final ClusterUnderTest clusters = new ClusterUnderTest();

  private final Map<RegionId, TcpTransport> started = new TreeMap<>(this::byValue);
  private final Map<String, double[]> expected = new TreeMap<>();
  private int written;

  @Test
  void shouldElectReplicateAndConvergeOverTcp() {
    SimulatedCluster cluster = clusters.build(tcpCluster());
    Duration took = cluster.awaitLeader(ELECTION);
    System.out.println("testkit figures over TCP: election " + took.toMillis() + " ms");
    PreferredLeaders.await(cluster, ELECTION.multipliedBy(2));
    writeMany(cluster, 500);
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      assertReadsMatch(cluster, region);
      assertTrue(started.get(region).metrics().delivered() > 0, region + " received nothing");
    }
  }

  @Test
  void shouldFailOverAndCatchUpAfterARestartOverTcp() {
    SimulatedCluster cluster = clusters.build(tcpCluster());
    cluster.awaitLeader(ELECTION);
    PreferredLeaders.await(cluster, ELECTION.multipliedBy(2));
    writeMany(cluster, 200);
    cluster.awaitFullConvergence(CONVERGE);
    ShardId shard = ShardId.of(0);
    RegionId crashed = cluster.leaderOf(shard);

    Duration failover = ShardCrash.crashAndAwaitFailover(shard, cluster);
    System.out.println(
        "testkit figures over TCP: failover of shard 0 " + failover.toMillis() + " ms");
    assertFalse(cluster.node(crashed).isRunning());
    assertNotEquals(crashed, cluster.leaderOf(shard));
    writeMany(cluster, 200);

    cluster.restart(crashed);
    cluster.awaitFullConvergence(CONVERGE);
    for (RegionId region : cluster.regions()) {
      assertReadsMatch(cluster, region);
    }
  }

  /** The tenant registry's gossip crosses TCP on its own channel (2, TENANCY_CHANNEL). */
  @Test
  void shouldSpreadTenantCreationAndDeletionOverTcp() {
    SimulatedCluster cluster = clusters.build(tcpCluster());
    cluster.awaitLeader(ELECTION);
    io.tidaldb.api.TenantId acme = io.tidaldb.api.TenantId.of("acme");
    cluster.tenants(RegionId.of(0)).create(acme, io.tidaldb.api.tenancy.TenantQuotas.UNLIMITED);
    for (RegionId r : cluster.regions()) {
      org.awaitility.Awaitility.await()
          .atMost(CONVERGE)
          .until(() -> cluster.tenants(r).describe(acme).isPresent());
    }
    cluster.tenants(RegionId.of(1)).delete(acme);
    for (RegionId r : cluster.regions()) {
      org.awaitility.Awaitility.await()
          .atMost(CONVERGE)
          .until(
              () ->
                  cluster.tenants(r).describe(acme).orElseThrow().state()
                      == io.tidaldb.api.tenancy.TenantState.DELETED);
    }
  }

  /** A three-region cluster whose factory starts one TCP transport per region. */
  private ClusterConfig tcpCluster() {
    return ClusterConfig.threeRegions().withTransport(TransportFactory.perRegion(this::startTcp));
  }

  /** Starts regions 0..2 on ports chosen up front, each with the other two as peers. */
  private Map<RegionId, TcpTransport> startTcp() {
    int[] ports = freePorts(3);
    for (int id = 0; id < ports.length; id++) {
      Map<RegionId, PeerAddress> peers = new HashMap<>();
      for (int peer = 0; peer < ports.length; peer++) {
        if (peer != id) {
          peers.put(RegionId.of(peer), new PeerAddress("127.0.0.1", ports[peer]));
        }
      }
      RegionId region = RegionId.of(id);
      started.put(
          region,
          new TcpTransport(
              TcpConfig.defaults(region, "127.0.0.1", ports[id], peers)
                  .withTimings(20, 200, 2_000, 0)));
    }
    return started;
  }

  private static int[] freePorts(int n) {
    ServerSocket[] sockets = new ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = sockets[i].getLocalPort();
      }
      for (ServerSocket s : sockets) {
        s.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find free loopback ports", e);
    }
    return ports;
  }

  private void writeMany(SimulatedCluster cluster, int n) {
    for (int i = 0; i < n; i++, written++) {
      String type = written % 2 == 0 ? "click" : "view";
      long entity = 1 + (written * 7L) % ENTITIES;
      double weight = 0.5 * (1 + written % 5);
      SignalAck ack = cluster.writeSignal(type, entity, weight);
      assertEquals(Durability.QUORUM, ack.durability());
      double[] e = expected.computeIfAbsent(type + "/" + entity, k -> new double[2]);
      e[0]++;
      e[1] += weight;
    }
  }

  private void assertReadsMatch(SimulatedCluster cluster, RegionId region) {
    long total = 0;
    for (Map.Entry<String, double[]> e : expected.entrySet()) {
      String[] key = e.getKey().split("/");
      SignalAggregate a =
          cluster
              .node(region)
              .db()
              .read(TenantId.DEFAULT, SignalType.of(key[0]), EntityId.of(Long.parseLong(key[1])));
      assertEquals((long) e.getValue()[0], a.count(), region + " count of " + e.getKey());
      assertEquals(e.getValue()[1], a.weightSum(), 0.0, region + " weight sum of " + e.getKey());
      total += a.count();
    }
    assertEquals(written, total, region + " total");
  }

  private int byValue(RegionId a, RegionId b) {
    return Integer.compare(a.value(), b.value());
  }
}
