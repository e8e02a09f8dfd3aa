package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TransportEndpoint#connected}: down while the peer has no endpoint on the channel (closed,
 * crashed, not yet open) or the link is cut either way; up again after a heal or a reopen; a pause
 * or a shape leaves it up.
 */
class EndpointConnectedTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final RegionId R3 = RegionId.of(3);

  private final InProcessTransport transport = new InProcessTransport();

  @AfterEach
  void closeTransport() {
    transport.close();
  }

  @Test
  void shouldBeDownUntilThePeerOpensAndOnceItCloses() {
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    assertFalse(e1.connected(R2), "R2 has not opened");
    TransportEndpoint e2 = transport.open(R2, (from, f) -> {});
    assertTrue(e1.connected(R2));
    assertTrue(e2.connected(R1));

    e2.close(); // a crashed or stopped region
    assertFalse(e1.connected(R2));
    assertFalse(e2.connected(R1), "a closed endpoint is connected to nobody");

    transport.open(R2, (from, f) -> {});
    assertTrue(e1.connected(R2), "a restarted region is up again");
  }

  @Test
  void shouldFollowThePeersEndpointOnTheSameChannelOnly() {
    TransportEndpoint e1 = transport.open(R1, Transport.REPLICATION_CHANNEL, (from, f) -> {});
    TransportEndpoint e2 = transport.open(R2, Transport.RECONCILE_CHANNEL, (from, f) -> {});
    assertFalse(e1.connected(R2), "R2 has no replication endpoint");
    TransportEndpoint e2r = transport.open(R2, Transport.REPLICATION_CHANNEL, (from, f) -> {});
    assertTrue(e1.connected(R2));
    e2r.close();
    assertFalse(e1.connected(R2), "its replication endpoint closed, its reconcile one is open");
    assertFalse(e2.connected(R1), "R1 has no reconcile endpoint");
  }

  @Test
  void shouldStayUpAcrossACutWhichModelsAPartitionNotAClosedConnection() {
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    TransportEndpoint e2 = transport.open(R2, (from, f) -> {});
    transport.open(R3, (from, f) -> {});

    transport.cut(R1, R2);
    transport.cutOneWay(R3, R1);
    assertTrue(e1.connected(R2) && e2.connected(R1), "a partition closes no connection");
    assertTrue(e1.connected(R3));
    transport.healAll();
    assertTrue(e1.connected(R2) && e2.connected(R1));
  }

  @Test
  void shouldStayUpWhileAPeerIsPausedOrTheLinkShaped() {
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, (from, f) -> {});
    transport.pause(R2, Duration.ofSeconds(30));
    transport.shape(R1, R2, LinkShape.seeded(7).withLoss(0.5));
    assertTrue(e1.connected(R2), "a stalled process keeps its connections");
  }
}
