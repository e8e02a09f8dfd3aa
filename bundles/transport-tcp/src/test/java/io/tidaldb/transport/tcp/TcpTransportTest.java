package io.tidaldb.transport.tcp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Frames flow between real transports over loopback, on every channel, and across restarts. */
class TcpTransportTest {
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private Map<RegionId, TcpTransport> transports = Map.of();

  @AfterEach
  void closeTransports() {
    Transports.closeAll(transports);
  }

  @Test
  void shouldExchangeFramesBetweenTwoTransportsOnEveryChannel() {
    transports = Transports.start(2);
    Inbox[][] inboxes = openAllChannels(2);
    awaitLinks(2);
    for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
      assertEquals(SendStatus.SENT, endpoints[0][c].send(R1, frame("0->1 on " + c)));
      assertEquals(SendStatus.SENT, endpoints[1][c].send(R0, frame("1->0 on " + c)));
    }
    for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
      int channel = c;
      await().atMost(DEADLINE).until(() -> inboxes[1][channel].size() == 1);
      await().atMost(DEADLINE).until(() -> inboxes[0][channel].size() == 1);
      assertEquals("0->1 on " + c, text(inboxes[1][c].frames().get(0).bytes()));
      assertEquals(R0, inboxes[1][c].frames().get(0).from());
      assertEquals("1->0 on " + c, text(inboxes[0][c].frames().get(0).bytes()));
      assertEquals(R1, inboxes[0][c].frames().get(0).from());
    }
    assertEquals(16, transports.get(R0).metrics().delivered());
    assertEquals(16, transports.get(R1).metrics().delivered());
  }

  @Test
  void shouldExchangeFramesBetweenThreeTransportsOnEveryChannelInOrder() {
    transports = Transports.start(3);
    Inbox[][] inboxes = openAllChannels(3);
    awaitLinks(3);
    int perPair = 50;
    for (int i = 0; i < perPair; i++) {
      for (int from = 0; from < 3; from++) {
        for (int to = 0; to < 3; to++) {
          if (from != to) {
            int c = (from * 3 + to + i) % (Transport.MAX_CHANNEL + 1);
            assertEquals(
                SendStatus.SENT,
                endpoints[from][c].send(RegionId.of(to), frame(from + ">" + to + "#" + i)));
          }
        }
      }
    }
    for (int to = 0; to < 3; to++) {
      int target = to;
      await().atMost(DEADLINE).until(() -> total(inboxes[target]) == 2 * perPair);
      for (int from = 0; from < 3; from++) {
        if (from == to) {
          continue;
        }
        int last = -1;
        for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
          for (Inbox.Received r : inboxes[to][c].from(RegionId.of(from))) {
            String text = text(r.bytes());
            assertTrue(text.startsWith(from + ">" + to + "#"), text);
            int i = Integer.parseInt(text.substring(text.indexOf('#') + 1));
            assertEquals((from * 3 + to + i) % (Transport.MAX_CHANNEL + 1), c, text);
            last = Math.max(last, i);
          }
        }
        assertEquals(perPair - 1, last);
      }
    }
    // order per sender and channel: frames of one channel from one sender arrive ascending
    for (int to = 0; to < 3; to++) {
      for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
        for (int from = 0; from < 3; from++) {
          List<Inbox.Received> got = inboxes[to][c].from(RegionId.of(from));
          for (int k = 1; k < got.size(); k++) {
            assertTrue(seq(got.get(k - 1)) < seq(got.get(k)), "out of order on channel " + c);
          }
        }
      }
    }
  }

  @Test
  void shouldKeepOrderOfManyFramesOnOneChannel() {
    transports = Transports.start(2);
    Inbox inbox = new Inbox();
    TransportEndpoint sender = transports.get(R0).open(R0, 3, new Inbox());
    transports.get(R1).open(R1, 3, inbox);
    await().atMost(DEADLINE).until(() -> peerHasChannel(R0, R1, 3));
    int n = 5_000;
    int sent = 0;
    while (sent < n) {
      SendStatus s = sender.send(R1, ByteBuffer.allocate(4).putInt(0, sent));
      if (s == SendStatus.SENT) {
        sent++;
      } else {
        assertEquals(SendStatus.BACK_PRESSURED, s);
        Thread.onSpinWait();
      }
    }
    await().atMost(DEADLINE).until(() -> inbox.size() == n);
    List<Inbox.Received> got = inbox.frames();
    for (int i = 0; i < n; i++) {
      assertEquals(i, ByteBuffer.wrap(got.get(i).bytes()).getInt());
    }
  }

  @Test
  void shouldReconnectToAPeerThatRestartsAndCarryFramesAgain() {
    transports = new HashMap<>(Transports.start(2));
    Inbox[][] inboxes = openAllChannels(2);
    awaitLinks(2);
    assertEquals(SendStatus.SENT, endpoints[0][0].send(R1, frame("before")));
    await().atMost(DEADLINE).until(() -> inboxes[1][0].size() == 1);

    // the accepting side (region 1) restarts on the same port
    TcpTransport old = transports.get(R1);
    int port = old.localAddress().getPort();
    old.close();
    await().atMost(DEADLINE).until(() -> !transports.get(R0).linkUp(R1));
    assertEquals(SendStatus.UNREACHABLE, endpoints[0][0].send(R1, frame("while down")));
    TcpTransport restarted = new TcpTransport(old.config().withListenPort(port));
    transports.put(R1, restarted);
    Inbox again = new Inbox();
    TransportEndpoint e1 = restarted.open(R1, again);
    await().atMost(DEADLINE).until(() -> restarted.linkUp(R0) && peerHasChannel(R0, R1, 0));
    assertEquals(SendStatus.SENT, endpoints[0][0].send(R1, frame("after")));
    assertEquals(SendStatus.SENT, e1.send(R0, frame("back")));
    await().atMost(DEADLINE).until(() -> again.size() == 1 && inboxes[0][0].size() == 1);
    assertEquals("after", text(again.frames().get(0).bytes()));
    assertEquals("back", text(inboxes[0][0].frames().get(0).bytes()));
    assertTrue(transports.get(R0).metrics().linksUp() >= 2);

    // the dialling side (region 0) restarts: it dials region 1 again
    TcpTransport dialler = transports.get(R0);
    dialler.close();
    await().atMost(DEADLINE).until(() -> !restarted.linkUp(R0));
    TcpTransport redialler = new TcpTransport(dialler.config());
    transports.put(R0, redialler);
    Inbox third = new Inbox();
    TransportEndpoint e0 = redialler.open(R0, third);
    await().atMost(DEADLINE).until(() -> redialler.linkUp(R1) && peerHasChannel(R0, R1, 0));
    assertEquals(SendStatus.SENT, e0.send(R1, frame("from the new region 0")));
    await().atMost(DEADLINE).until(() -> again.size() == 2);
    assertEquals("from the new region 0", text(again.frames().get(1).bytes()));
  }

  @Test
  void shouldAnswerUnreachableWhileThePeerHasNoEndpointOnTheChannel() {
    transports = Transports.start(2);
    TransportEndpoint e0 = transports.get(R0).open(R0, new Inbox());
    await().atMost(DEADLINE).until(() -> transports.get(R0).linkUp(R1));
    assertEquals(SendStatus.UNREACHABLE, e0.send(R1, frame("nobody listens")));
    TransportEndpoint e1 = transports.get(R1).open(R1, new Inbox());
    await().atMost(DEADLINE).until(() -> e0.send(R1, frame("now")) == SendStatus.SENT);
    e1.close();
    await().atMost(DEADLINE).until(() -> e0.send(R1, frame("gone")) == SendStatus.UNREACHABLE);
  }

  @Test
  void shouldReportTheLinkConnectedOnlyWhileItIsUpAndThePeerHasTheChannel() {
    transports = new HashMap<>(Transports.start(2));
    TransportEndpoint e0 = transports.get(R0).open(R0, new Inbox());
    assertFalse(e0.connected(R2), "not a configured peer");
    await().atMost(DEADLINE).until(() -> transports.get(R0).linkUp(R1));
    assertFalse(e0.connected(R1), "the link is up but region 1 has no endpoint on the channel");
    TransportEndpoint e1 = transports.get(R1).open(R1, new Inbox());
    await().atMost(DEADLINE).until(() -> e0.connected(R1) && e1.connected(R0));
    e1.close();
    await().atMost(DEADLINE).until(() -> !e0.connected(R1));
    assertFalse(e1.connected(R0), "a closed endpoint is connected to nobody");

    TransportEndpoint again = transports.get(R1).open(R1, new Inbox());
    await().atMost(DEADLINE).until(() -> e0.connected(R1) && again.connected(R0));
    // the peer's process goes away: its connection closes, and the survivor knows at once
    long[] downAt = {0};
    Thread watch =
        new Thread(
            () -> {
              while (e0.connected(R1)) {
                Thread.onSpinWait();
              }
              downAt[0] = System.nanoTime();
            });
    watch.start();
    long closing = System.nanoTime();
    transports.get(R1).close();
    long closed = System.nanoTime();
    await().atMost(DEADLINE).until(() -> !e0.connected(R1));
    await().atMost(DEADLINE).until(() -> !watch.isAlive());
    System.out.printf(
        "TcpTransportTest: link reported down %.1f ms after the peer began closing (its close"
            + " took %.1f ms)%n",
        (downAt[0] - closing) / 1e6, (closed - closing) / 1e6);
  }

  @Test
  void shouldRefuseMisuseNamingTheValue() {
    transports = Transports.start(2);
    TcpTransport t0 = transports.get(R0);
    TransportEndpoint e0 = t0.open(R0, new Inbox());
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> t0.open(R1, new Inbox()));
    assertTrue(e.getMessage().contains("region-1"), e.getMessage());
    e = assertThrows(InvalidArgumentException.class, () -> t0.open(R0, new Inbox()));
    assertTrue(e.getMessage().contains("channel 0"), e.getMessage());
    e = assertThrows(InvalidArgumentException.class, () -> t0.open(R0, 16, new Inbox()));
    assertEquals("channel", e.argument());
    e =
        assertThrows(
            InvalidArgumentException.class,
            () -> e0.send(R1, ByteBuffer.allocate(t0.maxFrameBytes() + 1)));
    assertTrue(e.getMessage().contains(String.valueOf(t0.maxFrameBytes() + 1)), e.getMessage());
    assertThrows(InvalidArgumentException.class, () -> e0.send(R1, ByteBuffer.allocate(0)));
    assertEquals(SendStatus.UNREACHABLE, e0.send(R2, frame("not a peer")));
    t0.close();
    assertEquals(SendStatus.CLOSED, e0.send(R1, frame("closed")));
    assertThrows(UnavailableException.class, () -> t0.open(R0, 1, new Inbox()));
  }

  @Test
  void shouldNameTheAddressItCannotBind() {
    transports = Transports.start(2);
    int taken = transports.get(R1).localAddress().getPort();
    TcpConfig clash =
        Transports.config(R2, Map.of(R0, Transports.NOT_DIALLED)).withListenPort(taken);
    UnavailableException e =
        assertThrows(UnavailableException.class, () -> new TcpTransport(clash));
    assertTrue(e.getMessage().contains("127.0.0.1:" + taken), e.getMessage());
  }

  @Test
  void shouldRunOnNioToo() {
    TcpTransport acceptor =
        new TcpTransport(
            Transports.config(R1, Map.of(R0, Transports.NOT_DIALLED)), System::nanoTime, 1, false);
    TcpTransport dialler =
        new TcpTransport(
            Transports.config(
                R0, Map.of(R1, new PeerAddress("127.0.0.1", acceptor.localAddress().getPort()))),
            System::nanoTime,
            2,
            false);
    transports = Map.of(R0, dialler, R1, acceptor);
    Inbox inbox = new Inbox();
    TransportEndpoint e0 = dialler.open(R0, new Inbox());
    acceptor.open(R1, inbox);
    await().atMost(DEADLINE).until(() -> e0.send(R1, frame("over NIO")) == SendStatus.SENT);
    await().atMost(DEADLINE).until(() -> inbox.size() == 1);
    assertFalse(dialler.epoll());
  }

  // --- helpers

  private TransportEndpoint[][] endpoints;

  private Inbox[][] openAllChannels(int n) {
    Inbox[][] inboxes = new Inbox[n][Transport.MAX_CHANNEL + 1];
    endpoints = new TransportEndpoint[n][Transport.MAX_CHANNEL + 1];
    for (int r = 0; r < n; r++) {
      for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
        inboxes[r][c] = new Inbox();
        endpoints[r][c] = transports.get(RegionId.of(r)).open(RegionId.of(r), c, inboxes[r][c]);
      }
    }
    return inboxes;
  }

  /** Waits until every pair's link is up and each side knows all the other's channels. */
  private void awaitLinks(int n) {
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b) {
          RegionId from = RegionId.of(a);
          RegionId to = RegionId.of(b);
          await()
              .atMost(DEADLINE)
              .until(() -> transports.get(from).linkUp(to) && allChannels(from, to));
        }
      }
    }
  }

  private boolean allChannels(RegionId from, RegionId to) {
    Connection up = transports.get(from).link(to).up();
    return up != null && up.peerChannels() == 0xFFFF;
  }

  private boolean peerHasChannel(RegionId from, RegionId to, int channel) {
    Connection up = transports.get(from).link(to).up();
    return up != null && (up.peerChannels() & (1 << channel)) != 0;
  }

  private static int total(Inbox[] inboxes) {
    int sum = 0;
    for (Inbox inbox : inboxes) {
      sum += inbox.size();
    }
    return sum;
  }

  private static int seq(Inbox.Received r) {
    String text = text(r.bytes());
    return Integer.parseInt(text.substring(text.indexOf('#') + 1));
  }

  static ByteBuffer frame(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
