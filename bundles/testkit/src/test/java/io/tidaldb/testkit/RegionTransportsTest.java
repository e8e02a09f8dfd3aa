package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-region composite: routing by region, its name and limit, and who closes what. */
class RegionTransportsTest {
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);

  @Test
  void shouldOpenEachRegionOnItsOwnTransportOnTheAskedChannel() {
    Recording t0 = new Recording("tcp", 1 << 20, false);
    Recording t1 = new Recording("tcp", 1 << 16, false);
    RegionTransports both = RegionTransports.borrowing(Map.of(R0, t0, R1, t1));
    both.open(R1, Transport.RECONCILE_CHANNEL, (from, frame) -> {});
    both.open(R0, (from, frame) -> {});
    assertEquals(List.of("region-0@0"), t0.opened);
    assertEquals(List.of("region-1@1"), t1.opened);
    assertEquals("tcp", both.name());
    assertEquals(1 << 16, both.maxFrameBytes());
    assertEquals(
        "none+tcp",
        RegionTransports.borrowing(Map.of(R0, t0, R1, new Recording("none", 1, false))).name());
  }

  @Test
  void shouldCloseOwnedTransportsOnlyAndReportEveryFailure() {
    Recording t0 = new Recording("tcp", 1 << 20, true);
    Recording t1 = new Recording("tcp", 1 << 20, true);
    RegionTransports.borrowing(Map.of(R0, t0, R1, t1)).close();
    assertFalse(t0.closed || t1.closed);

    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> RegionTransports.owning(Map.of(R0, t0, R1, t1)).close());
    assertTrue(t0.closed && t1.closed, "both closed although both failed");
    assertTrue(e.getMessage().contains("region-0"), e.getMessage());
    assertEquals(1, e.getSuppressed().length);
  }

  @Test
  void shouldRefuseAnEmptyOrNullMapAndARegionWithoutTransport() {
    assertThrows(InvalidArgumentException.class, () -> RegionTransports.owning(Map.of()));
    Map<RegionId, Transport> withNull = new HashMap<>();
    withNull.put(R0, null);
    assertThrows(InvalidArgumentException.class, () -> RegionTransports.owning(withNull));
    RegionTransports one = RegionTransports.borrowing(Map.of(R0, new Recording("tcp", 1, false)));
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> one.open(R1, (from, frame) -> {}));
    assertTrue(e.getMessage().contains("region-1"), e.getMessage());
    assertTrue(e.getMessage().contains("[region-0]"), e.getMessage());
    assertSame(one.transports().get(R0).getClass(), Recording.class);
  }

  /** Records the endpoints opened and whether it was closed; optionally fails to close. */
  private static final class Recording implements Transport, AutoCloseable {
    final String name;
    final int max;
    final boolean failClose;
    final List<String> opened = new ArrayList<>();
    boolean closed;

    Recording(String name, int max, boolean failClose) {
      this.name = name;
      this.max = max;
      this.failClose = failClose;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int maxFrameBytes() {
      return max;
    }

    @Override
    public TransportEndpoint open(RegionId local, FrameHandler handler) {
      return open(local, REPLICATION_CHANNEL, handler);
    }

    @Override
    public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
      opened.add(local + "@" + channel);
      return new TransportEndpoint() {
        @Override
        public RegionId local() {
          return local;
        }

        @Override
        public SendStatus send(RegionId to, ByteBuffer frame) {
          return SendStatus.SENT;
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public void close() {
      closed = true;
      if (failClose) {
        throw new IllegalStateException("close of " + name + " failed");
      }
    }
  }
}
