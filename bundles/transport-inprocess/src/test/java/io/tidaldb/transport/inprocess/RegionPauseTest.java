package io.tidaldb.transport.inprocess;

import static io.tidaldb.transport.inprocess.Inbox.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A paused region's links hold frames in both directions, up to their bounds, and deliver them in
 * order when the pause ends (by itself or on resume); other regions' links go on. Shapes are
 * validated.
 */
class RegionPauseTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final RegionId R3 = RegionId.of(3);

  private final InProcessTransport transport =
      new InProcessTransport(new InProcessConfig(64, 4, 256));

  @AfterEach
  void closeTransport() {
    transport.close();
  }

  @Test
  void shouldHoldFramesToAndFromAPausedRegionUntilResumedThenDeliverThemInOrder() {
    Inbox in1 = new Inbox();
    Inbox in2 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, in2);
    TransportEndpoint e3 = transport.open(R3, (from, f) -> {});

    transport.pause(R2, Duration.ofHours(1));
    assertTrue(transport.paused(R2));
    assertFalse(transport.paused(R1));
    assertEquals(SendStatus.SENT, e1.send(R2, frame("1->2 a")));
    assertEquals(SendStatus.SENT, e1.send(R2, frame("1->2 b")));
    assertEquals(SendStatus.SENT, e2.send(R1, frame("2->1 a")));
    assertEquals(SendStatus.SENT, e3.send(R1, frame("3->1")));
    // R1's delivery thread passes the held link from R2 to deliver R3's frame sent after it
    assertEquals(List.of("3->1"), in1.texts(1));
    assertEquals(0, in2.count());
    assertEquals(2, transport.queuedFrames(R1, R2));
    assertEquals(1, transport.queuedFrames(R2, R1));
    for (int i = 0; i < 2; i++) {
      assertEquals(SendStatus.SENT, e1.send(R2, frame("1->2 fill " + i)));
    }
    assertEquals(SendStatus.BACK_PRESSURED, e1.send(R2, frame("over the bound")));

    transport.resume(R2);
    assertFalse(transport.paused(R2));
    assertEquals(List.of("1->2 a", "1->2 b", "1->2 fill 0", "1->2 fill 1"), in2.texts(4));
    assertEquals(List.of("3->1", "2->1 a"), in1.texts(2));
  }

  @Test
  void shouldEndAPauseByItselfAfterItsDuration() {
    Inbox in2 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, in2);
    Duration pause = Duration.ofMillis(150);
    long start = System.nanoTime();
    transport.pause(R2, pause);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("held")));
    in2.texts(1);
    long took = System.nanoTime() - start;
    assertTrue(took >= pause.toNanos(), "delivered after " + took + " ns");
    assertFalse(transport.paused(R2));
  }

  @Test
  void shouldKeepAPauseForAnEndpointOpenedLater() {
    transport.pause(R2, Duration.ofHours(1));
    Inbox in1 = new Inbox();
    transport.open(R1, in1);
    TransportEndpoint e2 = transport.open(R2, (from, f) -> {});
    TransportEndpoint e3 = transport.open(R3, (from, f) -> {});
    assertEquals(SendStatus.SENT, e2.send(R1, frame("from paused 2")));
    assertEquals(SendStatus.SENT, e3.send(R1, frame("from 3")));
    assertEquals(List.of("from 3"), in1.texts(1));
    transport.reset();
    assertEquals(List.of("from 3", "from paused 2"), in1.texts(2));
  }

  @Test
  void shouldRefuseBadShapesAndPausesNamingTheValue() {
    InvalidArgumentException loss =
        assertThrows(InvalidArgumentException.class, () -> LinkShape.seeded(1).withLoss(1.5));
    assertEquals("loss", loss.argument());
    assertTrue(loss.getMessage().contains("1.5"), loss.getMessage());
    assertThrows(InvalidArgumentException.class, () -> LinkShape.NONE.withReorder(Double.NaN));
    assertThrows(InvalidArgumentException.class, () -> LinkShape.NONE.withDuplication(-0.1));
    InvalidArgumentException delay =
        assertThrows(
            InvalidArgumentException.class,
            () -> LinkShape.NONE.withDelay(Duration.ofMillis(-1), Duration.ZERO));
    assertEquals("delay", delay.argument());
    InvalidArgumentException pause =
        assertThrows(InvalidArgumentException.class, () -> transport.pause(R1, Duration.ZERO));
    assertTrue(pause.getMessage().contains("PT0S"), pause.getMessage());
    assertTrue(LinkShape.seeded(5).isNone());
    assertFalse(LinkShape.seeded(5).withLoss(0.01).isNone());
  }
}
