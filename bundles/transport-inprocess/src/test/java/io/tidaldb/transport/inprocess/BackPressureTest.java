package io.tidaldb.transport.inprocess;

import static io.tidaldb.transport.inprocess.Inbox.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A link whose receiver is stuck fills up to its frame and byte bounds, then refuses with
 * BACK_PRESSURED without blocking, without disturbing other links, and accepts again once drained.
 */
class BackPressureTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final RegionId R3 = RegionId.of(3);

  @Test
  void shouldBackPressureWhenTheFrameBoundIsReachedAndRecoverAfterTheHandlerUnblocks()
      throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Inbox in2 = Inbox.blockingOnFirstFrame(entered, release);
    try (InProcessTransport transport =
        new InProcessTransport(new InProcessConfig(1024, 4, 1 << 20))) {
      TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
      TransportEndpoint e3 = transport.open(R3, (from, f) -> {});
      transport.open(R2, in2);
      assertEquals(SendStatus.SENT, e1.send(R2, frame("held")));
      assertTrue(entered.await(5, TimeUnit.SECONDS), "the handler holds the first frame");
      for (int i = 0; i < 4; i++) {
        assertEquals(SendStatus.SENT, e1.send(R2, frame("queued " + i)));
      }
      assertEquals(SendStatus.BACK_PRESSURED, e1.send(R2, frame("refused")));
      assertEquals(SendStatus.BACK_PRESSURED, e1.send(R2, frame("refused again")));
      assertEquals(SendStatus.SENT, e3.send(R2, frame("other link")), "links are bounded apart");
      assertEquals(2, transport.metrics().backPressured());

      release.countDown();
      in2.awaitCount(6);
      assertEquals(SendStatus.SENT, e1.send(R2, frame("after")));
      List<String> from1 =
          in2.awaitCount(7).stream()
              .filter(r -> r.from().equals(R1))
              .map(Inbox.Received::text)
              .toList();
      assertEquals(List.of("held", "queued 0", "queued 1", "queued 2", "queued 3", "after"), from1);
    }
  }

  @Test
  void shouldBackPressureWhenTheByteBoundIsReached() throws InterruptedException {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Inbox in2 = Inbox.blockingOnFirstFrame(entered, release);
    try (InProcessTransport transport =
        new InProcessTransport(new InProcessConfig(100, 1000, 250))) {
      TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
      transport.open(R2, in2);
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(1)));
      assertTrue(entered.await(5, TimeUnit.SECONDS), "the handler holds the first frame");
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(100)));
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(100)));
      assertEquals(SendStatus.BACK_PRESSURED, e1.send(R2, ByteBuffer.allocate(100)));
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(50)), "250 bytes fit");
      assertEquals(SendStatus.BACK_PRESSURED, e1.send(R2, ByteBuffer.allocate(1)));
      release.countDown();
      in2.awaitCount(4);
      assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(100)));
      in2.awaitCount(5);
    }
  }
}
