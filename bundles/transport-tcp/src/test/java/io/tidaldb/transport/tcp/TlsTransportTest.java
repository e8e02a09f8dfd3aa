package io.tidaldb.transport.tcp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.pkitesting.X509Bundle;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.ToLongFunction;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS 1.3 between real transports on loopback: three regions exchange frames on every
 * channel and survive restarts; every refused certificate (expired, another CA, missing, wrong
 * region) and a plaintext peer on either side keeps its link down, is counted under its cause, and
 * leaves the other links working.
 */
class TlsTransportTest {
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;

  private Map<RegionId, TcpTransport> transports = new HashMap<>();
  private final Map<RegionId, TransportEndpoint[]> endpoints = new HashMap<>();
  private final Map<RegionId, Inbox[]> inboxes = new HashMap<>();
  private X509Bundle ca;
  private Path trust;

  @AfterEach
  void closeTransports() {
    Transports.closeAll(transports);
  }

  @Test
  void shouldExchangeFramesOverMutualTlsOnEveryChannelAndSurviveRestarts() {
    transports =
        new HashMap<>(Transports.start(3, c -> c.withTls(TlsFixtures.contexts(c.region()))));
    for (int r = 0; r < 3; r++) {
      openAll(RegionId.of(r));
    }
    exchangeOnEveryChannel(3, "first");

    // the accepting side of two links (region 2) restarts on the same port
    restart(R2);
    exchangeOnEveryChannel(3, "after region 2 restarted");
    // the dialling side of two links (region 0) restarts
    restart(R0);
    exchangeOnEveryChannel(3, "after region 0 restarted");
    for (TcpTransport t : transports.values()) {
      assertEquals(0, t.metrics().tlsRefused(), t.metrics().toString());
      assertTrue(t.config().tlsEnabled());
    }
  }

  @Test
  void shouldRefuseExpiredCertificatesOnBothSides() {
    // region 1 presents an expired certificate: region 0 dials it (checks it as a server's),
    // region 2 is dialled by it (checks it as a client's)
    startWithPki(
        1, TlsFixtures.keyStore(dir, "expired-1", TlsFixtures.expiredCert(caOnce(), 1)), true);
    awaitRefusals(R0, TcpMetrics::tlsExpired);
    awaitRefusals(R2, TcpMetrics::tlsExpired);
    assertOthersServeAndBadLinksStayDown(R1);
  }

  @Test
  void shouldRefuseCertificatesOfAnotherCaAsMissingOrUntrusted() {
    X509Bundle rogue = TlsFixtures.newCa("rogue CA");
    startWithPki(
        1,
        TlsFixtures.keyStore(
            dir, "rogue-1", TlsFixtures.regionCert(rogue, RegionIdentity.PREFIX + 1)),
        true);
    awaitRefusals(R0, TcpMetrics::tlsUntrusted);
    awaitRefusals(R2, TcpMetrics::tlsUntrusted);
    assertOthersServeAndBadLinksStayDown(R1);
  }

  @Test
  void shouldRefuseAClientWithoutCertificate() throws Exception {
    startWithPki(-1, null, true);
    exchangeOnEveryChannel(3, "all up");
    // a JSSE client that trusts the CA but has no key of its own
    SSLContext noKey = SSLContext.getInstance("TLSv1.3");
    noKey.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
    InetSocketAddress at = transports.get(R1).localAddress();
    try (SSLSocket socket = (SSLSocket) noKey.getSocketFactory().createSocket()) {
      socket.connect(at, 10_000);
      socket.setSoTimeout(10_000);
      socket.startHandshake(); // TLS 1.3: the client's side completes before the server checks
      InputStream in = socket.getInputStream();
      assertThrows(IOException.class, () -> drain(in));
    }
    awaitRefusals(R1, TcpMetrics::tlsUntrusted, 1);
    assertTrue(
        transports.get(R1).linkErrors(TlsRefusal.UNTRUSTED.label()) >= 1,
        "counted under its cause");
    exchangeOnEveryChannel(3, "still all up");
  }

  @Test
  void shouldRefuseAPeerPresentingAnotherRegionOnBothSides() {
    // region 1 presents a trusted certificate for region 2: region 0 dialled region 1 and gets 2;
    // region 2 accepts a dialler that claims to be region 2 itself
    startWithPki(
        1,
        TlsFixtures.keyStore(
            dir, "wrong-1", TlsFixtures.regionCert(caOnce(), RegionIdentity.PREFIX + 2)),
        false);
    awaitRefusals(R0, TcpMetrics::tlsWrongRegion);
    awaitRefusals(R2, TcpMetrics::tlsWrongRegion);
    assertOthersServeAndBadLinksStayDown(R1);
  }

  @Test
  void shouldRefuseAHelloThatDisagreesWithTheCertificate() {
    // region 0 presents a trusted certificate for region 1: region 2 accepts it as region 1 (a
    // lower peer) but the HELLO says region 0; region 1 refuses a dialler claiming its own id
    startWithPki(
        0,
        TlsFixtures.keyStore(
            dir, "wrong-0", TlsFixtures.regionCert(caOnce(), RegionIdentity.PREFIX + 1)),
        false);
    awaitRefusals(R2, TcpMetrics::tlsWrongRegion);
    awaitRefusals(R1, TcpMetrics::tlsWrongRegion);
    assertOthersServeAndBadLinksStayDown(R0);
  }

  @Test
  void shouldRefusePlaintextOnATlsLinkAndTlsOnAPlaintextPort() {
    // region 1 is plaintext: region 0 (TLS) dials it, it (plaintext) dials region 2 (TLS)
    startWithPki(1, null, true);
    awaitRefusals(R1, TcpMetrics::tlsOnPlaintext);
    awaitRefusals(R2, TcpMetrics::tlsPlaintextPeer);
    assertOthersServeAndBadLinksStayDown(R1);
    assertFalse(transports.get(R1).config().tlsEnabled());
  }

  @Test
  void shouldTellCausesApart() {
    assertEquals(
        TlsRefusal.EXPIRED,
        TlsRefusal.classify(
            new javax.net.ssl.SSLHandshakeException(
                "PKIX path validation failed: java.security.cert.CertPathValidatorException:"
                    + " validity check failed")));
    assertEquals(
        TlsRefusal.UNTRUSTED,
        TlsRefusal.classify(
            new javax.net.ssl.SSLHandshakeException("Empty client certificate chain")));
    assertEquals(
        TlsRefusal.PEER_REFUSED,
        TlsRefusal.classify(
            new javax.net.ssl.SSLHandshakeException("Received fatal alert: certificate_unknown")));
    assertEquals(
        TlsRefusal.PLAINTEXT_PEER,
        TlsRefusal.classify(new io.netty.handler.ssl.NotSslRecordException("not an SSL record")));
    assertEquals(
        TlsRefusal.FAILED, TlsRefusal.classify(new javax.net.ssl.SSLException("closed early")));
  }

  // --- helpers

  private X509Bundle caOnce() {
    if (ca == null) {
      ca = TlsFixtures.newCa("TidalDB test CA");
      trust = TlsFixtures.trustStore(dir, "trust", ca.getCertificate());
    }
    return ca;
  }

  /**
   * Starts regions 0..2 over an in-process PKI, region {@code bad} with the given key store (or,
   * with none, in plaintext).
   */
  private void startWithPki(int bad, Path badKeyStore, boolean checkRegion) {
    caOnce();
    Map<Integer, TlsContexts> contexts = new HashMap<>();
    for (int r = 0; r < 3; r++) {
      if (r == bad) {
        contexts.put(
            r,
            badKeyStore == null
                ? null
                : TlsContexts.load(
                    TlsFixtures.settings(badKeyStore, trust), RegionId.of(r), checkRegion));
      } else {
        Path keys =
            TlsFixtures.keyStore(
                dir, "region-" + r, TlsFixtures.regionCert(ca, RegionIdentity.PREFIX + r));
        contexts.put(r, TlsContexts.load(TlsFixtures.settings(keys, trust), RegionId.of(r)));
      }
    }
    transports =
        new HashMap<>(Transports.start(3, c -> c.withTls(contexts.get(c.region().value()))));
    for (int r = 0; r < 3; r++) {
      openAll(RegionId.of(r));
    }
  }

  /** Waits until a transport counted at least two refusals (the dialler retried) of a cause. */
  private void awaitRefusals(RegionId at, ToLongFunction<TcpMetrics> counter) {
    awaitRefusals(at, counter, 2);
  }

  private void awaitRefusals(RegionId at, ToLongFunction<TcpMetrics> counter, long atLeast) {
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> counter.applyAsLong(transports.get(at).metrics()) >= atLeast);
  }

  /** The two regions that are not {@code bad} exchange frames; bad's links are down both ways. */
  private void assertOthersServeAndBadLinksStayDown(RegionId bad) {
    RegionId[] good = new RegionId[2];
    int n = 0;
    for (int r = 0; r < 3; r++) {
      if (r != bad.value()) {
        good[n++] = RegionId.of(r);
      }
    }
    awaitLinkWithAllChannels(good[0], good[1]);
    awaitLinkWithAllChannels(good[1], good[0]);
    exchange(good[0], good[1], "good link");
    exchange(good[1], good[0], "good link back");
    for (RegionId g : good) {
      assertFalse(transports.get(g).linkUp(bad), g + " <-> " + bad);
      assertFalse(transports.get(bad).linkUp(g), bad + " <-> " + g);
      assertEquals(
          SendStatus.UNREACHABLE, endpoints.get(g)[0].send(bad, frame("must not go through")));
      assertEquals(0, inboxes.get(bad)[0].from(g).size());
      assertEquals(0, transports.get(g).metrics().linksUp() - 1, "only the good link came up");
    }
  }

  private void openAll(RegionId region) {
    TransportEndpoint[] e = new TransportEndpoint[Transport.MAX_CHANNEL + 1];
    Inbox[] in = new Inbox[Transport.MAX_CHANNEL + 1];
    for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
      in[c] = new Inbox();
      e[c] = transports.get(region).open(region, c, in[c]);
    }
    endpoints.put(region, e);
    inboxes.put(region, in);
  }

  private void restart(RegionId region) {
    TcpTransport old = transports.get(region);
    int port = old.localAddress().getPort();
    old.close();
    for (RegionId other : transports.keySet()) {
      if (!other.equals(region)) {
        await().atMost(DEADLINE).until(() -> !transports.get(other).linkUp(region));
      }
    }
    transports.put(region, new TcpTransport(old.config().withListenPort(port)));
    openAll(region);
  }

  /** Every pair exchanges one frame on every channel, both ways. */
  private void exchangeOnEveryChannel(int n, String tag) {
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b) {
          awaitLinkWithAllChannels(RegionId.of(a), RegionId.of(b));
        }
      }
    }
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b) {
          exchange(RegionId.of(a), RegionId.of(b), tag);
        }
      }
    }
  }

  /** Sends one frame from a to b on every channel and waits for all to arrive. */
  private void exchange(RegionId a, RegionId b, String tag) {
    for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
      String text = text(tag, a, b, c);
      assertEquals(SendStatus.SENT, endpoints.get(a)[c].send(b, frame(text)), text);
    }
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              for (int c = 0; c <= Transport.MAX_CHANNEL; c++) {
                String text = text(tag, a, b, c);
                if (inboxes.get(b)[c].from(a).stream()
                    .noneMatch(r -> text.equals(new String(r.bytes(), StandardCharsets.UTF_8)))) {
                  return false;
                }
              }
              return true;
            });
  }

  private static String text(String tag, RegionId a, RegionId b, int channel) {
    return tag + " " + a.value() + ">" + b.value() + " on " + channel;
  }

  private void awaitLinkWithAllChannels(RegionId from, RegionId to) {
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              Connection up = transports.get(from).link(to).up();
              return up != null && up.peerChannels() == 0xFFFF;
            });
  }

  private static void drain(InputStream in) throws IOException {
    while (in.read() >= 0) {
      // until the server's alert
    }
    throw new IOException("closed without an alert");
  }

  private static ByteBuffer frame(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }
}
