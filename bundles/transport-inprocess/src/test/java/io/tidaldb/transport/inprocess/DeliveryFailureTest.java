package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A frame handler that throws an Error (a StackOverflowError in a decoder, an AssertionError) on
 * some frames does not end delivery for the others: each failure is counted, and the frames after
 * it are delivered in order.
 */
class DeliveryFailureTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);

  private final InProcessTransport transport = new InProcessTransport();

  @AfterEach
  void close() {
    transport.close();
  }

  @Test
  void shouldKeepDeliveringWhenTheHandlerThrowsAnError() {
    Inbox in2 =
        new Inbox() {
          @Override
          void onReceived(RegionId from, byte[] bytes) {
            if (bytes[0] % 3 == 0) {
              throw new StackOverflowError("frame " + bytes[0]);
            }
            if (bytes[0] % 3 == 1) {
              throw new AssertionError("frame " + bytes[0]);
            }
          }
        };
    TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
    transport.open(R2, in2);
    for (byte i = 0; i < 30; i++) {
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.wrap(new byte[] {i})));
    }
    List<Inbox.Received> got = in2.awaitCount(30);
    for (int i = 0; i < 30; i++) {
      assertEquals(i, got.get(i).bytes()[0]);
    }
    Inbox.waiting().until(() -> transport.metrics().handlerFailures() == 20);
    assertEquals(30, transport.metrics().delivered());
    assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.wrap(new byte[] {2})));
    assertTrue(in2.awaitCount(31).size() >= 31, "still delivering");
  }
}
