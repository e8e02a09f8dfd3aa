package io.tidaldb.transport.inprocess;

import static io.tidaldb.transport.inprocess.Inbox.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Cut links refuse and drop frames in both directions, one-way cuts in one; healed links carry
 * frames again.
 */
class LinkFaultsTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final RegionId R3 = RegionId.of(3);

  private final InProcessTransport transport = new InProcessTransport();

  @AfterEach
  void closeTransport() {
    transport.close();
  }

  @Test
  void shouldReportUnreachableAcrossACutLinkInBothDirectionsAndDeliverAfterHeal() {
    Inbox in1 = new Inbox();
    Inbox in2 = new Inbox();
    Inbox in3 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, in2);
    transport.open(R3, in3);

    transport.cut(R2, R1);
    assertFalse(transport.connected(R1, R2));
    assertFalse(transport.connected(R2, R1));
    assertTrue(transport.connected(R1, R3));
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, frame("lost 1->2")));
    assertEquals(SendStatus.UNREACHABLE, e2.send(R1, frame("lost 2->1")));
    assertEquals(SendStatus.SENT, e1.send(R3, frame("1->3 still up")));
    assertEquals(List.of("1->3 still up"), in3.texts(1));

    transport.heal(R1, R2);
    assertTrue(transport.connected(R1, R2));
    assertEquals(SendStatus.SENT, e1.send(R2, frame("healed 1->2")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("healed 2->1")));
    assertEquals(List.of("healed 1->2"), in2.texts(1));
    assertEquals(List.of("healed 2->1"), in1.texts(1));
    assertEquals(2, transport.metrics().unreachable());
  }

  @Test
  void shouldKeepACutMadeBeforeTheEndpointOpensAndHealEverythingAtOnce() {
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.cut(R1, R2);
    transport.cut(R1, R3);
    Inbox in2 = new Inbox();
    Inbox in3 = new Inbox();
    transport.open(R2, in2);
    transport.open(R3, in3);
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, frame("cut before open")));
    assertEquals(SendStatus.UNREACHABLE, e1.send(R3, frame("cut before open")));

    transport.healAll();
    assertTrue(transport.connected(R1, R2) && transport.connected(R1, R3));
    assertEquals(SendStatus.SENT, e1.send(R2, frame("to 2")));
    assertEquals(SendStatus.SENT, e1.send(R3, frame("to 3")));
    assertEquals(List.of("to 2"), in2.texts(1));
    assertEquals(List.of("to 3"), in3.texts(1));
  }

  @Test
  void shouldDropFramesQueuedBeforeACutInBothDirections() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    Inbox in1 = Inbox.blockingOnFirstFrame(entered, release);
    Inbox in2 = Inbox.blockingOnFirstFrame(entered, release);
    TransportEndpoint e1 = transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, in2);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("first 1->2")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("first 2->1")));
    assertTrue(entered.await(5, TimeUnit.SECONDS), "both handlers hold their first frame");
    for (int i = 0; i < 5; i++) {
      assertEquals(SendStatus.SENT, e1.send(R2, frame("queued 1->2 #" + i)));
      assertEquals(SendStatus.SENT, e2.send(R1, frame("queued 2->1 #" + i)));
    }
    assertEquals(5, transport.queuedFrames(R1, R2));

    transport.cut(R1, R2);
    assertEquals(0, transport.queuedFrames(R1, R2));
    assertEquals(0, transport.queuedFrames(R2, R1));
    assertEquals(10, transport.metrics().droppedByCut());
    release.countDown();
    transport.heal(R1, R2);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("after heal")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("after heal")));

    // FIFO per link: once the marker is in, nothing queued before the cut can still come
    assertEquals(List.of("first 1->2", "after heal"), in2.texts(2));
    assertEquals(List.of("first 2->1", "after heal"), in1.texts(2));
  }

  @Test
  void shouldDropOnlyTheCutDirectionOfAOneWayCut() {
    Inbox in1 = new Inbox();
    Inbox in2 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, in2);

    transport.cutOneWay(R1, R2);
    assertFalse(transport.reachable(R1, R2));
    assertTrue(transport.reachable(R2, R1));
    assertFalse(transport.connected(R1, R2), "a one-way cut disconnects the pair");
    assertFalse(transport.connected(R2, R1));
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, frame("lost 1->2")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("2->1 still flows")));
    assertEquals(List.of("2->1 still flows"), in1.texts(1));

    transport.healOneWay(R1, R2);
    assertTrue(transport.connected(R1, R2));
    assertEquals(SendStatus.SENT, e1.send(R2, frame("healed 1->2")));
    assertEquals(List.of("healed 1->2"), in2.texts(1));
    assertEquals(1, transport.metrics().unreachable());
  }

  @Test
  void shouldDiscardOnlyTheCutDirectionsQueuedFramesAndHealBothWithHeal()
      throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    Inbox in1 = Inbox.blockingOnFirstFrame(entered, release);
    Inbox in2 = Inbox.blockingOnFirstFrame(entered, release);
    TransportEndpoint e1 = transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, in2);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("first 1->2")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("first 2->1")));
    assertTrue(entered.await(5, TimeUnit.SECONDS), "both handlers hold their first frame");
    for (int i = 0; i < 3; i++) {
      assertEquals(SendStatus.SENT, e1.send(R2, frame("queued 1->2 #" + i)));
      assertEquals(SendStatus.SENT, e2.send(R1, frame("queued 2->1 #" + i)));
    }

    transport.cutOneWay(R2, R1);
    assertEquals(3, transport.queuedFrames(R1, R2), "the other direction keeps its frames");
    assertEquals(0, transport.queuedFrames(R2, R1));
    assertEquals(3, transport.metrics().droppedByCut());
    transport.cutOneWay(R1, R2); // both directions cut one by one: heal restores both
    transport.heal(R2, R1);
    release.countDown();
    assertTrue(transport.reachable(R1, R2) && transport.reachable(R2, R1));
    assertEquals(SendStatus.SENT, e1.send(R2, frame("after heal")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("after heal")));
    assertEquals(List.of("first 1->2", "after heal"), in2.texts(2));
    assertEquals(List.of("first 2->1", "after heal"), in1.texts(2));
  }

  @Test
  void shouldCutABridgePartitionLeavingTheBridgeConnectedToBothSides() {
    Inbox in1 = new Inbox();
    Inbox in3 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, (from, f) -> {});
    TransportEndpoint e3 = transport.open(R3, in3);
    transport.cut(R1, R3); // R2 bridges R1 and R3
    assertEquals(SendStatus.UNREACHABLE, e1.send(R3, frame("1->3")));
    assertEquals(SendStatus.UNREACHABLE, e3.send(R1, frame("3->1")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("2->1")));
    assertEquals(SendStatus.SENT, e2.send(R3, frame("2->3")));
    assertEquals(List.of("2->1"), in1.texts(1));
    assertEquals(List.of("2->3"), in3.texts(1));
  }
}
