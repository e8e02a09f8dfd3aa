package io.tidaldb.transport.tcp.component;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.support.config.LiveConfig;
import io.tidaldb.transport.tcp.TcpConfig;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import io.tidaldb.transport.tcp.TcpTransport;
import io.tidaldb.transport.tcp.TlsContexts;
import io.tidaldb.transport.tcp.TlsSettings;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tcp} {@link Transport}: a thin DS shell that starts a {@link TcpTransport} from its
 * configuration (PID {@code io.tidaldb.transport.tcp}) and closes it when deactivated.
 *
 * <p>The configuration is required, so nothing listens or dials until an operator writes one. Links
 * are TLS 1.3 with mutual authentication ({@code tls.mode=mutual}, the default: key and trust
 * stores required, read and checked at activation); plaintext only when {@code tls.mode=plaintext}
 * is written out. Immediate, because the transport must listen and dial its peers before a consumer
 * binds it.
 */
@Component(
    service = {Transport.class, MetricsSource.class},
    configurationPid = TcpTransportComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true,
    property = Transport.NAME_PROPERTY + "=" + TcpTransport.NAME)
@Designate(ocd = TcpTransportComponent.Config.class)
public final class TcpTransportComponent implements Transport, MetricsSource {

  /** Configuration of the TCP transport of one region. */
  @ObjectClassDefinition(
      name = "TidalDB TCP transport",
      description = "Frames between regions over TCP: one link per region pair.")
  public @interface Config {
    /**
     * Returns this region.
     *
     * @return the region id, 0..65535; required
     */
    @AttributeDefinition(description = "This region's id, 0..65535 (required).")
    int region();

    /**
     * Returns the address to listen on.
     *
     * @return a host name or IP literal
     */
    @AttributeDefinition(description = "Address to listen on (host name or IP).")
    String listen_host() default "127.0.0.1";

    /**
     * Returns the port to listen on.
     *
     * @return 0..65535 (0: any free port)
     */
    @AttributeDefinition(description = "Port to listen on, 0..65535 (0: any free port).")
    int listen_port() default 7400;

    /**
     * Returns every other region and where it listens.
     *
     * @return elements {@code id=host:port}, comma-separated or one per element
     */
    @AttributeDefinition(
        description =
            "Every other region as id=host:port, comma-separated, e.g."
                + " 1=10.0.0.2:7400,2=10.0.0.3:7400 (required). The lower id of a pair dials.")
    String[] peers();

    /**
     * Returns the security of the links.
     *
     * @return {@code mutual} (TLS 1.3, both ends authenticated) or {@code plaintext}
     */
    @AttributeDefinition(
        description =
            "Link security: 'mutual' (TLS 1.3, each region proves its id with its certificate;"
                + " the default) or 'plaintext' (only when written out).")
    String tls_mode() default MUTUAL;

    /**
     * Returns this region's key store.
     *
     * @return a PKCS12 file path (relative to the working directory)
     */
    @AttributeDefinition(
        required = false,
        description =
            "This region's PKCS12 key store: one key, its certificate naming"
                + " tidal://region/<id> (required with tls.mode=mutual).")
    String tls_key_store();

    /**
     * Returns the key store's password.
     *
     * @return the password (also the key's)
     */
    @AttributeDefinition(
        required = false,
        type = AttributeType.PASSWORD,
        description = "Password of the key store and of its key.")
    String tls_key_store_password();

    /**
     * Returns the trust store.
     *
     * @return a PKCS12 file path (relative to the working directory)
     */
    @AttributeDefinition(
        required = false,
        description =
            "PKCS12 trust store holding the CA that signs every region's certificate (required"
                + " with tls.mode=mutual).")
    String tls_trust_store();

    /**
     * Returns the trust store's password.
     *
     * @return the password
     */
    @AttributeDefinition(
        required = false,
        type = AttributeType.PASSWORD,
        description = "Password of the trust store.")
    String tls_trust_store_password();

    /**
     * Returns the TLS handshake timeout.
     *
     * @return milliseconds
     */
    @AttributeDefinition(description = "How long a TLS handshake may take, in ms.")
    long handshake_timeout_ms() default TlsSettings.DEFAULT_HANDSHAKE_TIMEOUT_MS;

    /**
     * Returns the largest frame carried.
     *
     * @return bytes
     */
    @AttributeDefinition(description = "Largest frame carried, in bytes (64 or more).")
    int max_frame_bytes() default TcpConfig.DEFAULT_MAX_FRAME_BYTES;

    /**
     * Returns the bound in bytes of each link's outbound buffer.
     *
     * @return bytes, at least max.frame.bytes + 8
     */
    @AttributeDefinition(description = "Most bytes queued per link; at least max.frame.bytes + 8.")
    long queue_bytes() default TcpConfig.DEFAULT_QUEUE_BYTES;

    /**
     * Returns the bound in frames of each link's hand-off to its event loop.
     *
     * @return frames
     */
    @AttributeDefinition(description = "Most frames waiting per link for the event loop.")
    int queue_frames() default TcpConfig.DEFAULT_QUEUE_FRAMES;

    /**
     * Returns the first reconnect wait.
     *
     * @return milliseconds
     */
    @AttributeDefinition(description = "First wait before dialling a peer again, in ms.")
    long connect_backoff_initial_ms() default TcpConfig.DEFAULT_BACKOFF_INITIAL_MS;

    /**
     * Returns the longest reconnect wait.
     *
     * @return milliseconds
     */
    @AttributeDefinition(description = "Longest wait between two dials of a peer, in ms.")
    long connect_backoff_max_ms() default TcpConfig.DEFAULT_BACKOFF_MAX_MS;

    /**
     * Returns the dial timeout.
     *
     * @return milliseconds
     */
    @AttributeDefinition(description = "How long a dial may take, in ms.")
    long connect_timeout_ms() default TcpConfig.DEFAULT_CONNECT_TIMEOUT_MS;

    /**
     * Returns the HELLO timeout.
     *
     * @return milliseconds
     */
    @AttributeDefinition(description = "How long a new connection may take to say HELLO, in ms.")
    long hello_timeout_ms() default TcpConfig.DEFAULT_HELLO_TIMEOUT_MS;

    /**
     * Returns the idle timeout.
     *
     * @return milliseconds, 0 for none
     */
    @AttributeDefinition(
        description = "A link silent this long is closed (PING after a third of it); 0: off.")
    long idle_timeout_ms() default TcpConfig.DEFAULT_IDLE_TIMEOUT_MS;

    /**
     * Returns the number of IO threads.
     *
     * @return threads
     */
    @AttributeDefinition(description = "Netty event loop threads.")
    int io_threads() default 1;

    /**
     * Returns the limit of accepted connections open at once.
     *
     * @return connections
     */
    @AttributeDefinition(
        description = "Most accepted connections open at once; more are closed at once.")
    int max_inbound_connections() default TcpConfig.DEFAULT_MAX_INBOUND_CONNECTIONS;
  }

  /** The configuration PID. */
  static final String PID = "io.tidaldb.transport.tcp";

  /** The {@code tls.mode} of plaintext links. */
  static final String PLAINTEXT = "plaintext";

  /** The {@code tls.mode} of TLS 1.3 links with mutual authentication, the default. */
  static final String MUTUAL = "mutual";

  private static final Logger LOG = LoggerFactory.getLogger(TcpTransportComponent.class);

  private final TcpTransport engine;
  private final LiveConfig live;

  /**
   * Starts the transport. A missing, malformed or out-of-range value is logged at ERROR naming the
   * PID, the key and the value, and activation fails with an {@link InvalidArgumentException}
   * naming the key; a listen address that cannot be bound fails it with an {@link
   * io.tidaldb.api.UnavailableException} naming the address.
   *
   * @param config the component's configuration
   * @param properties the component's properties as configured, to name refused raw values
   */
  @Activate
  public TcpTransportComponent(Config config, Map<String, Object> properties) {
    this.engine =
        new TcpTransport(toConfig(config, properties, new ConfigValues(PID, properties, LOG)));
    this.live = new LiveConfig(pidOf(properties), properties, LOG);
  }

  /**
   * Takes a configuration change while the transport runs, without closing its links (without this
   * method DS would close every connection and listen again on every change): the new values are
   * validated, and a change of any key of its configuration, which applies only when it starts, is
   * refused with one WARN line naming key, value and rule; it keeps its configuration.
   *
   * @param config the new configuration
   * @param properties the new component properties as configured
   */
  @Modified
  public void modified(Config config, Map<String, Object> properties) {
    live.review(
        properties,
        () -> toConfig(config, properties, ConfigValues.quiet(pidOf(properties), properties)),
        LiveConfig.fixedKeys(
            Config.class,
            "applies only when the transport starts: restart the node (or the"
                + " io.tidaldb.transport-tcp bundle) to apply it"));
  }

  private static String pidOf(Map<String, Object> properties) {
    return properties.get("service.pid") instanceof String pid ? pid : PID;
  }

  /**
   * Translates the component configuration into the engine's, validating every value.
   *
   * @param c the component's configuration
   * @param raw the component's properties as configured, to tell a missing key from a default
   * @param v reads and validates it key by key
   * @return the engine's settings
   */
  static TcpConfig toConfig(Config c, Map<String, ?> raw, ConfigValues v) {
    String tls = v.get("tls.mode", "a word", c::tls_mode);
    if (tls == null || !(PLAINTEXT.equals(tls.trim()) || MUTUAL.equals(tls.trim()))) {
      throw v.refuse(
          "tls.mode",
          raw.containsKey("tls.mode") ? raw.get("tls.mode") : tls,
          "must be 'mutual' (TLS 1.3 with mutual authentication, the default) or 'plaintext'");
    }
    boolean mutual = MUTUAL.equals(tls.trim());
    if (raw.get("region") == null) {
      throw v.refuse("region", null, "is required: this region's id, 0..65535");
    }
    int regionId = v.get("region", "a whole number", c::region);
    RegionId region = v.check("region", regionId, () -> RegionId.of(regionId));
    String[] peersRaw = v.get("peers", "a list of id=host:port", c::peers);
    Map<RegionId, PeerAddress> peers = v.check("peers", null, () -> TcpConfig.parsePeers(peersRaw));
    if (peers.isEmpty()) {
      throw v.refuse("peers", raw.get("peers"), "is required: every other region as id=host:port");
    }
    String host = v.get("listen.host", "a host name or IP", c::listen_host);
    int port = v.get("listen.port", "a whole number", c::listen_port);
    int maxFrame = v.get("max.frame.bytes", "a whole number", c::max_frame_bytes);
    long queueBytes = v.get("queue.bytes", "a whole number", c::queue_bytes);
    int queueFrames = v.get("queue.frames", "a whole number", c::queue_frames);
    long initial =
        v.get("connect.backoff.initial.ms", "a whole number", c::connect_backoff_initial_ms);
    long max = v.get("connect.backoff.max.ms", "a whole number", c::connect_backoff_max_ms);
    long connect = v.get("connect.timeout.ms", "a whole number", c::connect_timeout_ms);
    long hello = v.get("hello.timeout.ms", "a whole number", c::hello_timeout_ms);
    long idle = v.get("idle.timeout.ms", "a whole number", c::idle_timeout_ms);
    int threads = v.get("io.threads", "a whole number", c::io_threads);
    int inbound = v.get("max.inbound.connections", "a whole number", c::max_inbound_connections);
    Map<String, Object> typed =
        Map.ofEntries(
            Map.entry("listen.host", String.valueOf(host)),
            Map.entry("listen.port", port),
            Map.entry("peers", peers),
            Map.entry("max.frame.bytes", maxFrame),
            Map.entry("queue.bytes", queueBytes),
            Map.entry("queue.frames", queueFrames),
            Map.entry("connect.backoff.initial.ms", initial),
            Map.entry("connect.backoff.max.ms", max),
            Map.entry("connect.timeout.ms", connect),
            Map.entry("hello.timeout.ms", hello),
            Map.entry("idle.timeout.ms", idle),
            Map.entry("io.threads", threads),
            Map.entry("max.inbound.connections", inbound));
    TcpConfig config;
    try {
      config =
          new TcpConfig(
              region,
              host == null ? null : host.trim(),
              port,
              peers,
              maxFrame,
              queueBytes,
              queueFrames,
              initial,
              max,
              connect,
              hello,
              idle,
              threads,
              inbound,
              null);
    } catch (InvalidArgumentException e) {
      return v.check(
          e.argument(),
          typed.get(e.argument()),
          () -> {
            throw e;
          });
    }
    return mutual ? config.withTls(tls(c, raw, v, region)) : config;
  }

  /** Reads the TLS keys and loads the stores, refusing what is missing or wrong, naming the key. */
  private static TlsContexts tls(Config c, Map<String, ?> raw, ConfigValues v, RegionId region) {
    String keyStore = v.get(TlsSettings.KEY_STORE, "a file path", c::tls_key_store);
    String keyPassword =
        v.get(TlsSettings.KEY_STORE_PASSWORD, "a password", c::tls_key_store_password);
    String trustStore = v.get(TlsSettings.TRUST_STORE, "a file path", c::tls_trust_store);
    String trustPassword =
        v.get(TlsSettings.TRUST_STORE_PASSWORD, "a password", c::tls_trust_store_password);
    long handshake =
        v.get(TlsSettings.HANDSHAKE_TIMEOUT, "a whole number", c::handshake_timeout_ms);
    TlsSettings settings;
    try {
      settings =
          new TlsSettings(
              blank(keyStore) ? null : Path.of(keyStore.trim()),
              keyPassword,
              blank(trustStore) ? null : Path.of(trustStore.trim()),
              trustPassword,
              handshake);
    } catch (InvalidArgumentException e) {
      throw v.refuse(e.argument(), secret(e.argument()) ? null : raw.get(e.argument()), e.rule());
    } catch (java.nio.file.InvalidPathException e) {
      throw v.refuse(
          TlsSettings.KEY_STORE + " or " + TlsSettings.TRUST_STORE,
          e.getInput(),
          "is not a file path: " + e.getMessage());
    }
    try {
      return TlsContexts.load(settings, region);
    } catch (InvalidArgumentException e) {
      // the argument is a store's key, never a password's: its raw value is a path
      throw v.refuse(e.argument(), raw.get(e.argument()), e.rule());
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static boolean secret(String key) {
    return key.endsWith(".password");
  }

  @Override
  public void collect(MetricsSink sink) {
    engine.collectMetrics(sink);
  }

  /** Closes the engine: every endpoint and link, and its event loops. */
  @Deactivate
  public void deactivate() {
    engine.close();
  }

  /**
   * Returns the engine behind this service, for metrics and tests.
   *
   * @return the engine
   */
  public TcpTransport engine() {
    return engine;
  }

  @Override
  public String name() {
    return engine.name();
  }

  @Override
  public int maxFrameBytes() {
    return engine.maxFrameBytes();
  }

  @Override
  public TransportEndpoint open(RegionId local, FrameHandler handler) {
    return engine.open(local, handler);
  }

  @Override
  public TransportEndpoint open(RegionId local, int channel, FrameHandler handler) {
    return engine.open(local, channel, handler);
  }

  @Override
  public String toString() {
    return engine.toString();
  }
}
