package io.tidaldb.transport.tcp.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.transport.tcp.TcpConfig;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The DS shell validates its configuration key by key, starts the engine and closes it. */
class TcpTransportComponentTest {
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);

  @Test
  void shouldTranslateAValidConfiguration() {
    TcpConfig c =
        toConfig(
            Map.of(
                "region",
                1,
                "tls.mode",
                "plaintext",
                "listen.host",
                "0.0.0.0",
                "listen.port",
                7401,
                "peers",
                new String[] {"0=10.0.0.1:7400, 2=node-2:7402", "3=[::1]:7403"},
                "max.frame.bytes",
                4096,
                "queue.bytes",
                8192L,
                "idle.timeout.ms",
                0L));
    assertEquals(R1, c.region());
    assertEquals("0.0.0.0", c.listenHost());
    assertEquals(7401, c.listenPort());
    assertEquals(
        Map.of(
            R0,
            new PeerAddress("10.0.0.1", 7400),
            RegionId.of(2),
            new PeerAddress("node-2", 7402),
            RegionId.of(3),
            new PeerAddress("::1", 7403)),
        c.peers());
    assertEquals(4096, c.maxFrameBytes());
    assertEquals(8192, c.queueBytes());
    assertEquals(TcpConfig.DEFAULT_QUEUE_FRAMES, c.queueFrames());
    assertEquals(0, c.idleTimeoutMs());
  }

  @Test
  void shouldRefuseAnUnknownTlsMode() {
    for (String mode : new String[] {"tls", "PLAINTEXT", "", "none"}) {
      Map<String, Object> raw = valid();
      raw.put("tls.mode", mode);
      InvalidArgumentException e =
          assertThrows(InvalidArgumentException.class, () -> toConfig(raw));
      assertEquals("tls.mode", e.argument());
      assertTrue(e.getMessage().contains("'" + mode + "'"), e.getMessage());
      assertTrue(e.getMessage().contains("mutual"), e.getMessage());
    }
  }

  @Test
  void shouldDefaultToMutualTlsAndLoadTheStores() {
    Map<String, Object> raw = mutual();
    raw.remove("tls.mode");
    TcpConfig c = toConfig(raw);
    assertTrue(c.tlsEnabled());
    assertFalse(toConfig(valid()).tlsEnabled());
  }

  @Test
  void shouldRequireTheStoresForMutualTls() {
    Map<String, Object> raw = valid();
    raw.remove("tls.mode");
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> toConfig(raw));
    assertEquals("tls.key.store", e.argument(), e.getMessage());
    assertTrue(e.getMessage().contains("required"), e.getMessage());
    refusesTls("tls.trust.store", null, "tls.trust.store", "required");
    refusesTls("tls.key.store.password", null, "tls.key.store.password", "required");
    refusesTls("tls.trust.store.password", null, "tls.trust.store.password", "required");
    refusesTls("handshake.timeout.ms", 0L, "handshake.timeout.ms", "0");
  }

  @Test
  void shouldRefuseStoresNamingTheFileAndWhatIsWrong(@TempDir Path dir) throws Exception {
    String missing = dir.resolve("nowhere.p12").toString();
    refusesTls("tls.key.store", missing, "tls.key.store", missing, "does not exist");
    refusesTls("tls.trust.store", missing, "tls.trust.store", missing, "does not exist");
    String region0 = STORES.resolve("region-0.p12").toString();
    String trust = STORES.resolve("truststore.p12").toString();
    // wrong password: the message names the file and the key, never the password
    InvalidArgumentException e =
        refusesTls("tls.key.store.password", "hunter2", "tls.key.store", region0, "wrong password");
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    refusesTls("tls.trust.store.password", "hunter2", "tls.trust.store", trust, "wrong password");
    // the trust store as key store: no key
    refusesTls("tls.key.store", trust, "tls.key.store", trust, "no private key");
    // another region's store
    String region1 = STORES.resolve("region-1.p12").toString();
    refusesTls("tls.key.store", region1, "tls.key.store", region1, "is for region-1");
    // not a PKCS12 file
    Path garbage = Files.writeString(dir.resolve("garbage.p12"), "not a key store");
    refusesTls("tls.key.store", garbage.toString(), "tls.key.store", "garbage.p12", "PKCS12");
    // a certificate without a tidal://region/ name
    X509Bundle ca = newCa();
    X509Bundle anonymous =
        new CertificateBuilder()
            .subject("CN=region-0")
            .ecp256()
            .addSanDnsName("localhost")
            .buildIssuedBy(ca);
    Path noSan = dir.resolve("no-san.p12");
    try (var out = Files.newOutputStream(noSan)) {
      anonymous.toKeyStore("changeit".toCharArray()).store(out, "changeit".toCharArray());
    }
    refusesTls(
        "tls.key.store", noSan.toString(), "tls.key.store", "no-san.p12", "no tidal://region/");
  }

  @Test
  void shouldRefuseBadValuesNamingKeyAndValue() {
    refuses("region", null, "region", "required");
    refuses("region", 70000, "region", "70000");
    refuses("peers", new String[0], "peers", "required");
    refuses("peers", new String[] {"1=host"}, "peers", "1=host");
    refuses("peers", new String[] {"x=host:1"}, "peers", "'x'");
    refuses("peers", new String[] {"1=host:99999"}, "peers", "1=host:99999");
    refuses("peers", new String[] {"1=a:1,1=b:2"}, "peers", "twice");
    refuses("peers", new String[] {"0=a:1"}, "peers", "own region");
    refuses("listen.port", 65536, "listen.port", "65536");
    refuses("listen.host", " ", "listen.host", "empty");
    refuses("max.frame.bytes", 10, "max.frame.bytes", "10");
    refuses("queue.bytes", 100L, "queue.bytes", "100");
    refuses("queue.frames", 0, "queue.frames", "0");
    refuses("connect.backoff.initial.ms", 0L, "connect.backoff.initial.ms", "0");
    refuses("connect.backoff.max.ms", 10L, "connect.backoff.max.ms", "10");
    refuses("connect.timeout.ms", 0L, "connect.timeout.ms", "0");
    refuses("hello.timeout.ms", -1L, "hello.timeout.ms", "-1");
    refuses("idle.timeout.ms", -5L, "idle.timeout.ms", "-5");
    refuses("io.threads", 0, "io.threads", "0");
    refuses("max.inbound.connections", 0, "max.inbound.connections", "0");
  }

  @Test
  void shouldNameKeyAndRawValueWhenAValueCannotBeConverted() {
    Map<String, Object> raw = valid();
    raw.put("queue.frames", "lots");
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> toConfig(raw));
    assertEquals("queue.frames", e.argument());
    assertTrue(e.getMessage().contains("'lots'"), e.getMessage());
  }

  @Test
  void shouldStartTheEngineAndCloseItOnDeactivate() {
    Map<String, Object> raw1 = valid();
    raw1.put("region", 1);
    raw1.put("peers", new String[] {"0=127.0.0.1:9"});
    raw1.put("listen.port", 0);
    TcpTransportComponent c1 = new TcpTransportComponent(config(raw1), raw1);
    Map<String, Object> raw0 = valid();
    raw0.put("listen.port", 0);
    raw0.put("peers", new String[] {"1=127.0.0.1:" + c1.engine().localAddress().getPort()});
    TcpTransportComponent c0 = new TcpTransportComponent(config(raw0), raw0);
    try {
      assertEquals("tcp", c0.name());
      assertEquals(TcpConfig.DEFAULT_MAX_FRAME_BYTES, c0.maxFrameBytes());
      TransportEndpoint e0 = c0.open(R0, Transport.RECONCILE_CHANNEL, (from, f) -> {});
      int[] got = new int[1];
      c1.open(R1, Transport.RECONCILE_CHANNEL, (from, f) -> got[0]++);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> e0.send(R1, ByteBuffer.allocate(8)) == SendStatus.SENT);
      c0.deactivate();
      assertEquals(SendStatus.CLOSED, e0.send(R1, ByteBuffer.allocate(8)));
    } finally {
      c0.deactivate();
      c1.deactivate();
    }
  }

  @Test
  void shouldRefuseAChangeWhileRunningAndKeepTheLinkUp() {
    Map<String, Object> raw1 = valid();
    raw1.put("region", 1);
    raw1.put("peers", new String[] {"0=127.0.0.1:9"});
    raw1.put("listen.port", 0);
    TcpTransportComponent c1 = new TcpTransportComponent(config(raw1), raw1);
    Map<String, Object> raw0 = valid();
    raw0.put("listen.port", 0);
    raw0.put("peers", new String[] {"1=127.0.0.1:" + c1.engine().localAddress().getPort()});
    TcpTransportComponent c0 = new TcpTransportComponent(config(raw0), raw0);
    try {
      TransportEndpoint e0 = c0.open(R0, Transport.RECONCILE_CHANNEL, (from, f) -> {});
      c1.open(R1, Transport.RECONCILE_CHANNEL, (from, f) -> {});
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> e0.send(R1, ByteBuffer.allocate(8)) == SendStatus.SENT);
      int port = c0.engine().localAddress().getPort();
      for (Object[] change :
          new Object[][] {{"listen.port", 1}, {"max.frame.bytes", "big"}, {"region", 2}}) {
        Map<String, Object> next = new java.util.HashMap<>(raw0);
        next.put((String) change[0], change[1]);
        c0.modified(config(next), next); // refused: nothing is closed or rebound
        assertEquals(port, c0.engine().localAddress().getPort());
        assertEquals(SendStatus.SENT, e0.send(R1, ByteBuffer.allocate(8)), change[0] + "");
      }
    } finally {
      c0.deactivate();
      c1.deactivate();
    }
  }

  @Test
  void shouldDescribeARequiredImmediateTransportNamedTcp() throws IOException {
    // bnd writes the DS descriptor into target/classes before the tests run
    String xml =
        Files.readString(
            Path.of("target/classes/OSGI-INF/" + TcpTransportComponent.class.getName() + ".xml"));
    assertTrue(xml.contains("<provide interface=\"" + Transport.class.getName() + "\"/>"), xml);
    assertTrue(
        xml.contains("name=\"" + Transport.NAME_PROPERTY + "\" type=\"String\" value=\"tcp\""),
        xml);
    assertTrue(xml.contains("configuration-pid=\"io.tidaldb.transport.tcp\""), xml);
    assertTrue(xml.contains("configuration-policy=\"require\""), xml);
    assertTrue(xml.contains("immediate=\"true\""), xml);
    assertTrue(xml.contains("modified=\"modified\""), xml); // a change never re-activates it
    String metatype =
        Files.readString(
            Path.of(
                "target/classes/OSGI-INF/metatype/"
                    + TcpTransportComponent.Config.class.getName()
                    + ".xml"));
    for (String key :
        new String[] {
          "region",
          "listen.host",
          "listen.port",
          "peers",
          "tls.mode",
          "max.frame.bytes",
          "tls.key.store",
          "tls.key.store.password",
          "tls.trust.store",
          "tls.trust.store.password",
          "handshake.timeout.ms"
        }) {
      assertTrue(metatype.contains("id=\"" + key + "\""), key + " in " + metatype);
    }
  }

  // --- helpers

  private static void refuses(String key, Object value, String named, String mentions) {
    Map<String, Object> raw = valid();
    raw.put(key, value);
    if (value == null) {
      raw.remove(key);
    }
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> toConfig(raw));
    assertEquals(named, e.argument(), e.getMessage());
    assertTrue(e.getMessage().contains(mentions), e.getMessage());
  }

  private static final Path STORES = Path.of("src/test/resources/tls");

  private static X509Bundle newCa() throws Exception {
    return new CertificateBuilder()
        .subject("CN=test CA")
        .ecp256()
        .setIsCertificateAuthority(true)
        .buildSelfSigned();
  }

  /** A valid mutual-TLS configuration of region 0 with the committed stores. */
  private static Map<String, Object> mutual() {
    Map<String, Object> raw = valid();
    raw.put("tls.mode", "mutual");
    raw.put("tls.key.store", STORES.resolve("region-0.p12").toString());
    raw.put("tls.key.store.password", "changeit");
    raw.put("tls.trust.store", STORES.resolve("truststore.p12").toString());
    raw.put("tls.trust.store.password", "changeit");
    return raw;
  }

  private static InvalidArgumentException refusesTls(
      String key, Object value, String named, String... mentions) {
    Map<String, Object> raw = mutual();
    raw.put(key, value);
    if (value == null) {
      raw.remove(key);
    }
    InvalidArgumentException e = assertThrows(InvalidArgumentException.class, () -> toConfig(raw));
    assertEquals(named, e.argument(), e.getMessage());
    for (String m : mentions) {
      assertTrue(e.getMessage().contains(m), m + " in " + e.getMessage());
    }
    return e;
  }

  private static Map<String, Object> valid() {
    Map<String, Object> raw = new HashMap<>();
    raw.put("region", 0);
    raw.put("tls.mode", "plaintext");
    raw.put("peers", new String[] {"1=127.0.0.1:7401"});
    return raw;
  }

  private static TcpConfig toConfig(Map<String, Object> raw) {
    return TcpTransportComponent.toConfig(
        config(raw),
        raw,
        new ConfigValues(
            TcpTransportComponent.PID,
            raw,
            LoggerFactory.getLogger(TcpTransportComponentTest.class)));
  }

  /**
   * A configuration as SCR builds it: each method reads its key (underscores as dots) or returns
   * its default, and a value of the wrong type throws as SCR's conversion does.
   */
  static TcpTransportComponent.Config config(Map<String, Object> raw) {
    return (TcpTransportComponent.Config)
        Proxy.newProxyInstance(
            TcpTransportComponent.Config.class.getClassLoader(),
            new Class<?>[] {TcpTransportComponent.Config.class},
            (proxy, method, args) -> {
              if (method.getName().equals("annotationType")) {
                return TcpTransportComponent.Config.class;
              }
              String key = method.getName().replace('_', '.');
              Object value = raw.get(key);
              if (value == null) {
                Object d = method.getDefaultValue();
                if (d == null && method.getReturnType() == int.class) {
                  return 0;
                }
                return d;
              }
              Class<?> type = method.getReturnType();
              if (type == int.class && value instanceof String s) {
                throw new IllegalStateException(
                    new NumberFormatException("For input string: \"" + s + "\""));
              }
              if (type == long.class && value instanceof Number n) {
                return n.longValue();
              }
              return value;
            });
  }
}
