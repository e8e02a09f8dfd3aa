package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.testkit.NetworkPartition.Direction;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A partition blocks frames (both ways, or one way, or between groups) while it is open and heals
 * exactly the links it cut when closed. Frames are probed on a channel of the cluster's own
 * transport that neither replication nor reconciliation uses ({@link #PROBE_CHANNEL}): a cut holds
 * for every channel of a link.
 */
class NetworkPartitionTest {
  /** A channel no region of the cluster opens (replication is 0, reconciliation 1). */
  private static final int PROBE_CHANNEL =
      Transport.MAX_CHANNEL; // 0..2 are replication, reconcile, tenancy

  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final List<RegionId> ALL = List.of(R0, R1, R2);

  private final AtomicReference<InProcessTransport> transport = new AtomicReference<>();
  private final Map<RegionId, TransportEndpoint> probes = new HashMap<>();
  private final Map<RegionId, BlockingQueue<String>> inboxes = new HashMap<>();
  private SimulatedCluster cluster;
  private int sequence;

  @BeforeEach
  void startCluster() {
    cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withTransport(
                    () -> {
                      InProcessTransport t = new InProcessTransport();
                      transport.set(t);
                      return t;
                    }));
    for (RegionId r : ALL) {
      BlockingQueue<String> inbox = new LinkedBlockingQueue<>();
      inboxes.put(r, inbox);
      probes.put(
          r,
          transport
              .get()
              .open(
                  r,
                  PROBE_CHANNEL,
                  (from, f) -> inbox.add(from + ":" + StandardCharsets.UTF_8.decode(f))));
    }
  }

  @AfterEach
  void closeCluster() {
    probes.values().forEach(TransportEndpoint::close);
    cluster.close();
  }

  @Test
  void shouldBlockFramesBothWaysWhileOpenAndHealWhenClosed() throws InterruptedException {
    NetworkPartition outside;
    try (NetworkPartition p = cluster.partition(R0, R2)) {
      outside = p;
      assertBlocked(R0, R2);
      assertBlocked(R2, R0);
      assertDelivered(R0, R1);
      assertDelivered(R1, R2);
      assertEquals(List.of(new Direction(R0, R2), new Direction(R2, R0)), p.held());
      assertFalse(cluster.faults().reachable(R0, R2));
    }
    assertTrue(outside.isClosed());
    assertEquals(List.of(), outside.held());
    assertDelivered(R0, R2);
    assertDelivered(R2, R0);
    outside.close(); // twice is harmless
    assertDelivered(R0, R2);
  }

  @Test
  void shouldBlockOneDirectionOnly() throws InterruptedException {
    try (NetworkPartition p = cluster.partitionOneWay(R0, R2)) {
      assertBlocked(R0, R2);
      assertDelivered(R2, R0);
      assertEquals("partition region-0 -> region-2", p.toString());
    }
    assertDelivered(R0, R2);
  }

  @Test
  void shouldPartitionGroupsAndKeepLinksWithinEachGroup() throws InterruptedException {
    try (NetworkPartition p =
        NetworkPartition.between(Set.of(R0), Set.of(R1, R2), cluster.faults())) {
      for (RegionId other : List.of(R1, R2)) {
        assertBlocked(R0, other);
        assertBlocked(other, R0);
      }
      assertDelivered(R1, R2);
      assertDelivered(R2, R1);
      assertEquals(4, p.held().size());
    }
    for (RegionId other : List.of(R1, R2)) {
      assertDelivered(R0, other);
      assertDelivered(other, R0);
    }
  }

  @Test
  void shouldHealOnlyItsOwnLinksNotTheTestsNorAnotherLivePartitions() throws InterruptedException {
    ClusterFaults faults = cluster.faults();
    faults.cutOneWay(R0, R1); // the test's own cut: no partition claims or heals it
    NetworkPartition group = cluster.partition(Set.of(R0), Set.of(R1, R2));
    assertEquals(
        List.of(new Direction(R1, R0), new Direction(R0, R2), new Direction(R2, R0)), group.held());
    NetworkPartition pair = NetworkPartition.symmetric(R2, R0, faults);

    group.close();
    assertBlocked(R0, R1);
    assertDelivered(R1, R0);
    assertBlocked(R0, R2); // the pair still holds this link
    assertBlocked(R2, R0);

    pair.close();
    assertDelivered(R0, R2);
    assertDelivered(R2, R0);
    assertBlocked(R0, R1); // still the test's
    faults.healOneWay(R0, R1);
    assertDelivered(R0, R1);
  }

  @Test
  void shouldCutAgainALinkThatWasHealedUnderALivePartition() throws InterruptedException {
    NetworkPartition first = cluster.partition(R0, R1);
    try {
      cluster.faults().healAll();
      assertDelivered(R0, R1);
      try (NetworkPartition second = cluster.partition(R1, R0)) {
        assertBlocked(R0, R1);
        assertBlocked(R1, R0);
        first.close();
        assertBlocked(R0, R1); // the second still holds it
        assertEquals(2, second.held().size());
      }
      assertDelivered(R0, R1);
      assertDelivered(R1, R0);
    } finally {
      first.close(); // closed already: harmless
    }
  }

  @Test
  void shouldRefuseMisuseNamingTheValuesAndLeaveNothingCut() throws InterruptedException {
    RegionId r9 = RegionId.of(9);
    InvalidArgumentException same =
        assertThrows(InvalidArgumentException.class, () -> cluster.partition(R1, R1));
    assertTrue(same.getMessage().contains("region-1"), same.getMessage());
    InvalidArgumentException outside =
        assertThrows(
            InvalidArgumentException.class, () -> cluster.partition(Set.of(R0), Set.of(R1, r9)));
    assertTrue(outside.getMessage().contains("region-9"), outside.getMessage());
    assertDelivered(R0, R1); // the cuts made before the bad region were undone
    assertDelivered(R1, R0);
    InvalidArgumentException overlap =
        assertThrows(
            InvalidArgumentException.class,
            () -> cluster.partition(Set.of(R0, R1), Set.of(R1, R2)));
    assertTrue(overlap.getMessage().contains("share regions [region-1]"), overlap.getMessage());
    assertThrows(InvalidArgumentException.class, () -> cluster.partition(Set.of(), Set.of(R1)));
    assertThrows(InvalidArgumentException.class, () -> cluster.partitionOneWay(null, R1));
    for (RegionId a : ALL) {
      for (RegionId b : ALL) {
        assertTrue(a.equals(b) || cluster.faults().reachable(a, b), a + " -> " + b);
      }
    }
  }

  private void assertBlocked(RegionId from, RegionId to) {
    assertEquals(SendStatus.UNREACHABLE, send(from, to).status(), from + " -> " + to);
  }

  private void assertDelivered(RegionId from, RegionId to) throws InterruptedException {
    Sent sent = send(from, to);
    assertEquals(SendStatus.SENT, sent.status(), from + " -> " + to);
    String got = inboxes.get(to).poll(5, TimeUnit.SECONDS);
    assertEquals(from + ":" + sent.text(), got, from + " -> " + to);
  }

  private Sent send(RegionId from, RegionId to) {
    String text = "probe " + sequence++;
    ByteBuffer frame = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    return new Sent(text, probes.get(from).send(to, frame));
  }

  private record Sent(String text, SendStatus status) {}
}
