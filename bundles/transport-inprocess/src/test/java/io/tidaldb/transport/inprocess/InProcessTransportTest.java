package io.tidaldb.transport.inprocess;

import static io.tidaldb.transport.inprocess.Inbox.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Delivery, copies, endpoint lifecycle, refused frames and handler failures. */
class InProcessTransportTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final RegionId R3 = RegionId.of(3);

  private final InProcessTransport transport =
      new InProcessTransport(InProcessConfig.DEFAULTS.withMaxFrameBytes(1024));

  @AfterEach
  void closeTransport() {
    transport.close();
  }

  @Test
  void shouldDeliverFramesAmongThreeRegionsAndCarryReplies() {
    Inbox in1 = new Inbox();
    Inbox in3 = new Inbox();
    TransportEndpoint[] e2 = new TransportEndpoint[1];
    Inbox in2 =
        new Inbox() {
          @Override
          void onReceived(RegionId from, byte[] bytes) {
            e2[0].send(from, frame("pong to " + from.value()));
          }
        };
    TransportEndpoint e1 = transport.open(R1, in1);
    e2[0] = transport.open(R2, in2);
    TransportEndpoint e3 = transport.open(R3, in3);

    assertEquals(SendStatus.SENT, e1.send(R2, frame("ping from 1")));
    assertEquals(SendStatus.SENT, e3.send(R2, frame("ping from 3")));
    assertEquals(SendStatus.SENT, e1.send(R3, frame("hello 3")));

    assertEquals(List.of("pong to 1"), texts(in1.awaitCount(1)));
    List<Inbox.Received> at3 = in3.awaitCount(2);
    assertEquals(Set.of("hello 3", "pong to 3"), Set.copyOf(texts(at3)));
    List<Inbox.Received> at2 = in2.awaitCount(2);
    assertEquals(
        Set.of(R1, R3), at2.stream().map(Inbox.Received::from).collect(Collectors.toSet()));
    assertTrue(at2.stream().allMatch(Inbox.Received::readOnly), "handlers get read-only frames");
    assertEquals("tidal-inprocess-2", at2.get(0).thread().getName());
    Inbox.waiting().until(() -> transport.metrics().delivered() == 5);
    assertEquals(5, transport.metrics().sent());
  }

  @Test
  void shouldCopyTheFrameAndLeaveTheCallersPositionUnchanged() {
    Inbox in2 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, in2);
    ByteBuffer buffer = ByteBuffer.allocateDirect(16);
    buffer.put("xxabcdyy".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    buffer.position(2).limit(6);

    assertEquals(SendStatus.SENT, e1.send(R2, buffer));
    assertEquals(2, buffer.position());
    assertEquals(6, buffer.limit());
    buffer.put(2, (byte) 'Z'); // the transport holds its own copy
    assertEquals(List.of("abcd"), texts(in2.awaitCount(1)));
  }

  @Test
  void shouldRefuseEmptyAndOversizedFramesNamingTheLength() {
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, (from, f) -> {});
    assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(1024)));

    InvalidArgumentException tooLong =
        assertThrows(InvalidArgumentException.class, () -> e1.send(R2, ByteBuffer.allocate(1025)));
    assertEquals("frame length", tooLong.argument());
    assertTrue(tooLong.getMessage().contains("1025"), tooLong.getMessage());
    assertTrue(tooLong.getMessage().contains("1024"), tooLong.getMessage());

    ByteBuffer consumed = ByteBuffer.allocate(8).position(8);
    InvalidArgumentException empty =
        assertThrows(InvalidArgumentException.class, () -> e1.send(R2, consumed));
    assertTrue(empty.getMessage().contains("frame length: 0"), empty.getMessage());
    assertEquals(1, transport.metrics().sent());
  }

  @Test
  void shouldRefuseASecondEndpointForOneRegionAndAllowOneAfterClose() {
    TransportEndpoint first = transport.open(R1, (from, f) -> {});
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> transport.open(R1, (from, f) -> {}));
    assertEquals("region", e.argument());
    first.close();
    TransportEndpoint second = transport.open(R1, (from, f) -> {});
    assertNotSame(first, second);
    assertSame(R1, second.local());
  }

  @Test
  void shouldReportUnreachableForUnopenedAndClosedEndpoints() {
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, frame("nobody home")));

    Inbox first = new Inbox();
    TransportEndpoint e2 = transport.open(R2, first);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("one")));
    first.awaitCount(1);
    Thread delivery = first.received().get(0).thread();
    e2.close();
    assertFalse(delivery.isAlive(), "closing an endpoint stops its delivery thread");
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, frame("gone")));

    Inbox second = new Inbox();
    transport.open(R2, second);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("back")));
    assertEquals(List.of("back"), texts(second.awaitCount(1)));
    assertEquals(List.of("one"), first.texts());
    assertEquals(2, transport.metrics().unreachable());
  }

  @Test
  void shouldKeepDeliveringWhenTheHandlerThrows() {
    Inbox in2 =
        new Inbox() {
          @Override
          void onReceived(RegionId from, byte[] bytes) {
            if (bytes[0] % 2 == 1) {
              throw new IllegalStateException("odd frame " + bytes[0]);
            }
          }
        };
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, in2);
    for (byte i = 0; i < 20; i++) {
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.wrap(new byte[] {i})));
    }
    List<Inbox.Received> got = in2.awaitCount(20);
    for (int i = 0; i < 20; i++) {
      assertEquals(i, got.get(i).bytes()[0]);
    }
    Inbox.waiting().until(() -> transport.metrics().delivered() == 20);
    assertEquals(10, transport.metrics().handlerFailures());
  }

  @Test
  void shouldParkTheDeliveryThreadWhenIdleEvenIfAHandlerLeftAnInterrupt() {
    Inbox in2 =
        new Inbox() {
          @Override
          void onReceived(RegionId from, byte[] bytes) {
            Thread.currentThread().interrupt(); // must not turn the idle wait into a spin
          }
        };
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, in2);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("interrupting")));
    Thread delivery = in2.awaitCount(1).get(0).thread();
    Inbox.waiting().until(() -> delivery.getState() == Thread.State.WAITING);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("wakes it")));
    assertEquals(List.of("interrupting", "wakes it"), in2.texts(2));
  }

  @Test
  void shouldLetAHandlerCloseItsOwnEndpoint() {
    TransportEndpoint[] self = new TransportEndpoint[1];
    Inbox in2 =
        new Inbox() {
          @Override
          void onReceived(RegionId from, byte[] bytes) {
            self[0].close();
          }
        };
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    self[0] = transport.open(R2, in2);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("leave")));
    Thread delivery = in2.awaitCount(1).get(0).thread();
    Inbox.waiting().until(() -> !delivery.isAlive());
    assertEquals(SendStatus.UNREACHABLE, e1.send(R2, frame("after")));
  }

  @Test
  void shouldCloseIdempotentlyAndAnswerClosedAfterwards() {
    Inbox in2 = new Inbox();
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    TransportEndpoint e2 = transport.open(R2, in2);
    assertEquals(SendStatus.SENT, e1.send(R2, frame("before")));
    Thread delivery = in2.awaitCount(1).get(0).thread();

    e1.close();
    e1.close();
    assertEquals(SendStatus.CLOSED, e1.send(R2, frame("from a closed endpoint")));
    transport.close();
    transport.close();
    assertFalse(delivery.isAlive(), "closing the transport stops every delivery thread");
    assertEquals(SendStatus.CLOSED, e2.send(R1, frame("after close")));
    assertThrows(UnavailableException.class, () -> transport.open(R3, (from, f) -> {}));
    assertEquals(2, transport.metrics().closed());
    e2.close();
  }

  private static List<String> texts(List<Inbox.Received> received) {
    return received.stream().map(Inbox.Received::text).toList();
  }
}
