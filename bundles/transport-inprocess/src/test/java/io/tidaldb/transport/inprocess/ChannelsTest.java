package io.tidaldb.transport.inprocess;

import static io.tidaldb.transport.inprocess.Inbox.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Channels: two subsystems of a region speak over the same links with their own endpoints and
 * handlers; faults hold for every channel of a link; one channel closes and reopens alone.
 */
class ChannelsTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final int REPLICATION = Transport.REPLICATION_CHANNEL;
  private static final int RECONCILE = Transport.RECONCILE_CHANNEL;

  private final InProcessTransport transport =
      new InProcessTransport(InProcessConfig.DEFAULTS.withMaxFrameBytes(1024));

  @AfterEach
  void closeTransport() {
    transport.close();
  }

  @Test
  void shouldDeliverEachChannelToItsOwnHandlerInItsOwnOrderOverOneLink() {
    TransportEndpoint r1c0 = transport.open(R1, REPLICATION, (from, f) -> {});
    TransportEndpoint r1c1 = transport.open(R1, RECONCILE, (from, f) -> {});
    Inbox replication = new Inbox();
    Inbox reconcile = new Inbox();
    transport.open(R2, replication);
    transport.open(R2, RECONCILE, reconcile);

    List<String> sent0 = new ArrayList<>();
    List<String> sent1 = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      assertEquals(SendStatus.SENT, r1c0.send(R2, frame("c0 " + i)));
      sent0.add("c0 " + i);
      if (i % 3 == 0) {
        assertEquals(SendStatus.SENT, r1c1.send(R2, frame("c1 " + i)));
        sent1.add("c1 " + i);
      }
    }

    assertEquals(sent0, replication.texts(sent0.size()));
    assertEquals(sent1, reconcile.texts(sent1.size()));
    Thread thread = replication.received().get(0).thread();
    assertTrue(
        reconcile.received().stream().allMatch(r -> r.thread() == thread),
        "one delivery thread per region serves every channel");
    assertEquals("tidal-inprocess-2", thread.getName());
    assertTrue(reconcile.received().stream().allMatch(r -> r.from().equals(R1)));
    Inbox.waiting().until(() -> transport.metrics().delivered() == sent0.size() + sent1.size());
  }

  @Test
  void shouldStopEveryChannelOfACutLinkAndDropTheirQueuedFrames() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TransportEndpoint r1c0 = transport.open(R1, REPLICATION, (from, f) -> {});
    TransportEndpoint r1c1 = transport.open(R1, RECONCILE, (from, f) -> {});
    Inbox replication = Inbox.blockingOnFirstFrame(entered, release);
    Inbox reconcile = new Inbox();
    transport.open(R2, REPLICATION, replication);
    transport.open(R2, RECONCILE, reconcile);

    assertEquals(SendStatus.SENT, r1c0.send(R2, frame("holds the thread")));
    entered.await();
    assertEquals(SendStatus.SENT, r1c0.send(R2, frame("queued c0")));
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("queued c1")));
    assertEquals(2, transport.queuedFrames(R1, R2));

    transport.cut(R1, R2);
    assertEquals(SendStatus.UNREACHABLE, r1c0.send(R2, frame("cut c0")));
    assertEquals(SendStatus.UNREACHABLE, r1c1.send(R2, frame("cut c1")));
    assertEquals(2, transport.metrics().droppedByCut());
    release.countDown();

    transport.heal(R1, R2);
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("healed c1")));
    assertEquals(SendStatus.SENT, r1c0.send(R2, frame("healed c0")));
    assertEquals(List.of("healed c1"), reconcile.texts(1));
    assertEquals(List.of("holds the thread", "healed c0"), replication.texts(2));
  }

  @Test
  void shouldApplyOneWayCutsPausesAndShapesToEveryChannel() {
    // the replication channels open first and carry nothing: the faults are the links'
    transport.open(R1, REPLICATION, (from, f) -> {});
    transport.open(R2, REPLICATION, (from, f) -> {});
    Inbox r1Reconcile = new Inbox();
    Inbox reconcile = new Inbox();
    TransportEndpoint r1c1 = transport.open(R1, RECONCILE, r1Reconcile);
    TransportEndpoint r2c1 = transport.open(R2, RECONCILE, reconcile);

    transport.cutOneWay(R1, R2);
    assertEquals(SendStatus.UNREACHABLE, r1c1.send(R2, frame("one-way cut")));
    assertEquals(SendStatus.SENT, r2c1.send(R1, frame("the other way")));
    assertEquals(List.of("the other way"), r1Reconcile.texts(1));
    transport.healOneWay(R1, R2);

    transport.pause(R2, Duration.ofHours(1));
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("held")));
    assertEquals(1, transport.queuedFrames(R1, R2));
    assertEquals(0, reconcile.count());
    transport.resume(R2);
    assertEquals(List.of("held"), reconcile.texts(1));

    transport.shape(R1, R2, new LinkShape(Duration.ZERO, Duration.ZERO, 1.0, 0, 0, 7));
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("lost")));
    assertEquals(1, transport.metrics().lost());
    transport.shape(R1, R2, LinkShape.NONE);
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("after")));
    assertEquals(List.of("held", "after"), reconcile.texts(2));
  }

  @Test
  void shouldKeepTheReplicationChannelDeliveringWhenTheReconcileChannelCloses() {
    TransportEndpoint r1c0 = transport.open(R1, REPLICATION, (from, f) -> {});
    TransportEndpoint r1c1 = transport.open(R1, RECONCILE, (from, f) -> {});
    Inbox replication = new Inbox();
    Inbox reconcile = new Inbox();
    TransportEndpoint r2c0 = transport.open(R2, REPLICATION, replication);
    TransportEndpoint r2c1 = transport.open(R2, RECONCILE, reconcile);
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("c1 before")));
    Thread thread = reconcile.awaitCount(1).get(0).thread();

    r2c1.close();
    r2c1.close();
    assertTrue(thread.isAlive(), "the region's delivery thread serves channel 0 still");
    assertEquals(SendStatus.UNREACHABLE, r1c1.send(R2, frame("c1 to nobody")));
    assertEquals(SendStatus.CLOSED, r2c1.send(R1, frame("from a closed channel")));
    assertEquals(SendStatus.SENT, r1c0.send(R2, frame("c0 goes on")));
    assertEquals(SendStatus.SENT, r2c0.send(R1, frame("c0 answers")));
    assertEquals(List.of("c0 goes on"), replication.texts(1));

    Inbox reopened = new Inbox();
    TransportEndpoint again = transport.open(R2, RECONCILE, reopened);
    assertSame(R2, again.local());
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("c1 again")));
    assertEquals(List.of("c1 again"), reopened.texts(1));
    assertEquals(List.of("c1 before"), reconcile.texts());
    assertSame(thread, reopened.received().get(0).thread());

    r2c0.close();
    again.close();
    Inbox.waiting().until(() -> !thread.isAlive());
    assertEquals(SendStatus.UNREACHABLE, r1c0.send(R2, frame("region gone")));
  }

  @Test
  void shouldDropFramesQueuedForAClosedChannelAndNeverHandThemToItsSuccessor()
      throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TransportEndpoint r1c0 = transport.open(R1, REPLICATION, (from, f) -> {});
    TransportEndpoint r1c1 = transport.open(R1, RECONCILE, (from, f) -> {});
    Inbox replication = Inbox.blockingOnFirstFrame(entered, release);
    Inbox reconcile = new Inbox();
    transport.open(R2, REPLICATION, replication);
    TransportEndpoint r2c1 = transport.open(R2, RECONCILE, reconcile);

    assertEquals(SendStatus.SENT, r1c0.send(R2, frame("holds the thread")));
    entered.await();
    for (int i = 0; i < 3; i++) {
      assertEquals(SendStatus.SENT, r1c1.send(R2, frame("for the old endpoint " + i)));
    }
    assertEquals(SendStatus.SENT, r1c0.send(R2, frame("c0 behind them")));
    r2c1.close();
    Inbox successor = new Inbox();
    transport.open(R2, RECONCILE, successor);
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("for the successor")));
    release.countDown();

    assertEquals(List.of("holds the thread", "c0 behind them"), replication.texts(2));
    assertEquals(List.of("for the successor"), successor.texts(1));
    Inbox.waiting().until(() -> transport.metrics().droppedNoEndpoint() == 3);
    assertEquals(0, reconcile.count());
    assertEquals(0, transport.metrics().droppedOnClose());
    assertEquals(3, transport.metrics().delivered());
  }

  @Test
  void shouldWaitForTheClosingChannelsRunningHandler() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    TransportEndpoint r1c1 = transport.open(R1, RECONCILE, (from, f) -> {});
    Inbox reconcile = Inbox.blockingOnFirstFrame(entered, release);
    TransportEndpoint r2c1 = transport.open(R2, RECONCILE, reconcile);
    transport.open(R2, REPLICATION, (from, f) -> {});

    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("blocks")));
    assertEquals(SendStatus.SENT, r1c1.send(R2, frame("never delivered")));
    entered.await();
    Thread closer = new Thread(r2c1::close, "closer");
    closer.start();
    Inbox.waiting().until(() -> closer.getState() == Thread.State.TIMED_WAITING);
    assertTrue(closer.isAlive(), "close waits while the channel's handler runs");
    release.countDown();
    closer.join(Inbox.PATIENCE.toMillis());
    assertFalse(closer.isAlive());

    Inbox.waiting().until(() -> transport.metrics().droppedNoEndpoint() == 1);
    assertEquals(List.of("blocks"), reconcile.texts());
  }

  @Test
  void shouldRefuseASecondEndpointOnOneChannelNamingRegionAndChannel() {
    transport.open(R1, (from, f) -> {});
    InvalidArgumentException again =
        assertThrows(
            InvalidArgumentException.class, () -> transport.open(R1, REPLICATION, (from, f) -> {}));
    assertEquals("region", again.argument());
    assertTrue(again.getMessage().contains("region-1"), again.getMessage());
    assertTrue(again.getMessage().contains("channel 0"), again.getMessage());

    transport.open(R1, Transport.MAX_CHANNEL, (from, f) -> {});
    InvalidArgumentException fifteen =
        assertThrows(
            InvalidArgumentException.class,
            () -> transport.open(R1, Transport.MAX_CHANNEL, (from, f) -> {}));
    assertTrue(fifteen.getMessage().contains("channel 15"), fifteen.getMessage());
  }

  @Test
  void shouldRefuseAnOutOfRangeChannelNamingIt() {
    for (int channel : new int[] {-1, Transport.MAX_CHANNEL + 1, Integer.MAX_VALUE}) {
      InvalidArgumentException e =
          assertThrows(
              InvalidArgumentException.class, () -> transport.open(R1, channel, (from, f) -> {}));
      assertEquals("channel", e.argument());
      assertTrue(e.getMessage().contains(String.valueOf(channel)), e.getMessage());
      assertTrue(e.getMessage().contains("0..15"), e.getMessage());
    }
    assertEquals(SendStatus.UNREACHABLE, transport.open(R2, (from, f) -> {}).send(R1, frame("x")));
  }
}
