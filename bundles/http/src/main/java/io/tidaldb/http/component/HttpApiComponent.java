package io.tidaldb.http.component;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.metrics.MetricsExposition;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.http.ApiServlet;
import io.tidaldb.http.HttpApi;
import io.tidaldb.http.HttpApiConfig;
import io.tidaldb.support.config.ConfigValues;
import jakarta.servlet.Servlet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DS shell of the HTTP API: builds an {@link HttpApi} from its configuration (PID {@code
 * io.tidaldb.http}) and registers its {@link ApiServlet} at {@code /*} on the OSGi HTTP Whiteboard
 * (Felix HTTP on Jetty 12, whose own PID {@code org.apache.felix.http} sets the address, port and
 * TLS); unregisters it on deactivation.
 *
 * <p>The store and replication references are multiple, optional and dynamic (volatile fields: DS
 * constructor injection only supports static references), so the API stays up while the store
 * bundle restarts and answers 503 {@code store_unavailable} meanwhile; with several regions in one
 * framework each request picks one (see {@link HttpApiConfig#region()}).
 */
@Component(
    immediate = true,
    configurationPid = HttpApiComponent.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = HttpApiComponent.Config.class)
public final class HttpApiComponent {
  /** The configuration PID. */
  static final String PID = "io.tidaldb.http";

  /** The HTTP API's configuration (PID {@code io.tidaldb.http}). */
  @ObjectClassDefinition(
      name = "TidalDB HTTP API",
      description = "The node's HTTP API; address, port and TLS: PID org.apache.felix.http")
  public @interface Config {
    /** Bearer token every /v1 request must carry; empty for none. */
    @AttributeDefinition(
        name = "bearer.token",
        description = "Token every /v1 request must carry (Authorization: Bearer); empty: none")
    String bearer_token() default "";

    /** Largest request body in bytes. */
    @AttributeDefinition(name = "max.body.bytes", description = "Largest request body in bytes")
    long max_body_bytes() default 16L << 20;

    /** Replication lag in ms up to which /health/ready says ready. */
    @AttributeDefinition(
        name = "ready.lag.ms",
        description = "Largest lag behind a shard's leader, in ms, at which /health/ready is 200")
    long ready_lag_ms() default 5_000;

    /** The region whose store to serve when the framework has several; -1: the lowest. */
    @AttributeDefinition(
        description = "Region whose store to serve when the framework has several; -1: the lowest")
    int region() default -1;

    /** Signals being stored at once over every request; beyond: 429. */
    @AttributeDefinition(
        name = "max.inflight.signals",
        description = "Signals being stored at once over every request; beyond it: 429")
    int max_inflight_signals() default 1_000_000;

    /** How long a write waits for its acknowledgements, in ms. */
    @AttributeDefinition(
        name = "ack.timeout.ms",
        description = "How long a write waits for its acknowledgements, in ms; then 503 unknown")
    long ack_timeout_ms() default 35_000;
  }

  private static final Logger LOG = LoggerFactory.getLogger(HttpApiComponent.class);

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = SignalStore.class)
  private volatile List<SignalStore> stores;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = Replication.class)
  private volatile List<Replication> replications;

  @Reference(
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      service = MetricsExposition.class)
  private volatile MetricsExposition metrics;

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      service = TenantAdmin.class)
  private volatile List<TenantAdmin> admins;

  private final ServiceRegistration<Servlet> registration;

  /**
   * Builds the API and registers its servlet. A malformed or out-of-range value is logged at ERROR
   * naming the PID, the key and the value, and activation fails naming the key.
   *
   * @param context the bundle's context
   * @param config the configuration
   * @param properties the component's properties as configured, to name refused raw values
   */
  @Activate
  public HttpApiComponent(BundleContext context, Config config, Map<String, Object> properties) {
    HttpApiConfig c = toConfig(config, new ConfigValues(PID, properties, LOG));
    HttpApi api =
        new HttpApi(
            c,
            this::currentStores,
            this::currentReplications,
            () -> metrics,
            this::currentAdmins,
            System::currentTimeMillis);
    Hashtable<String, Object> props = new Hashtable<>();
    props.put("osgi.http.whiteboard.servlet.pattern", "/*");
    props.put("osgi.http.whiteboard.servlet.name", "tidaldb-http-api");
    registration = context.registerService(Servlet.class, new ApiServlet(api), props);
    LOG.info(
        "HTTP API registered at /* (token {}, max body {} bytes, ready lag {} ms, region {})",
        c.bearerToken().isEmpty() ? "off" : "on",
        c.maxBodyBytes(),
        c.readyLagMillis(),
        c.region() < 0 ? "any" : c.region());
  }

  static HttpApiConfig toConfig(Config c, ConfigValues v) {
    String token = v.get("bearer.token", "a text", c::bearer_token);
    long maxBody = v.get("max.body.bytes", "a whole number", c::max_body_bytes);
    long readyLag = v.get("ready.lag.ms", "a whole number", c::ready_lag_ms);
    int region = v.get("region", "a whole number", c::region);
    int inFlight = v.get("max.inflight.signals", "a whole number", c::max_inflight_signals);
    long ackTimeout = v.get("ack.timeout.ms", "a whole number", c::ack_timeout_ms);
    try {
      return new HttpApiConfig(token, maxBody, readyLag, region, inFlight, ackTimeout);
    } catch (InvalidArgumentException e) {
      throw v.refuse(e.argument(), e.value(), e.rule());
    }
  }

  /** Unregisters the servlet. */
  @Deactivate
  public void deactivate() {
    try {
      registration.unregister();
    } catch (IllegalStateException e) {
      // already gone with the bundle
    }
  }

  private List<SignalStore> currentStores() {
    List<SignalStore> s = stores;
    return s == null ? List.of() : s;
  }

  private List<Replication> currentReplications() {
    List<Replication> r = replications;
    return r == null ? List.of() : r;
  }

  private List<TenantAdmin> currentAdmins() {
    List<TenantAdmin> a = admins;
    return a == null ? List.of() : a;
  }
}
