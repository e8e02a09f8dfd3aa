package io.tidaldb.reconcile.component;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.reconcile.ReconcileReport;
import io.tidaldb.reconcile.Reconciliation;
import io.tidaldb.reconcile.engine.ReconcileConfig;
import io.tidaldb.reconcile.engine.ReconcileLoop;
import io.tidaldb.reconcile.engine.ReconciliationEngine;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.support.config.LiveConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Reconciliation} service of one region: a thin DS shell that builds a {@link
 * ReconciliationEngine} over the region's {@link ReconcileState} (the store) and a {@link
 * Transport}'s reconciliation channel, and runs it on {@code tidal-reconcile-<region>}.
 *
 * <p>Configuration required, one factory configuration per region, {@code
 * io.tidaldb.reconcile~<name>}, with {@code region}, {@code regions}, {@code
 * state.target=(region=<n>)} (the region's store) and optionally {@code transport.target}, {@code
 * interval.ms}, {@code session.timeout.ms} and {@code compact.enabled}. Its properties are the
 * service's, so consumers pick a region with {@code (region=<n>)}. Both references are static: the
 * store or the transport going away re-activates the component. Stopping or updating this bundle
 * touches neither the store nor replication (the channel is its own).
 */
@Component(
    service = Reconciliation.class,
    configurationPid = ReconcileComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true)
@Designate(ocd = ReconcileComponent.Config.class, factory = true)
public final class ReconcileComponent implements Reconciliation {

  /** Configuration of one region's reconciliation. */
  @ObjectClassDefinition(
      name = "TidalDB reconciliation",
      description = "Digest-based anti-entropy of one region with the other regions.")
  public @interface Config {
    /**
     * Returns this region.
     *
     * @return the region id; required
     */
    @AttributeDefinition(description = "This region's id, 0..65535 (required).")
    int region();

    /**
     * Returns every region, this one included.
     *
     * @return ids, comma-separated or one per element
     */
    @AttributeDefinition(description = "Every region, this one included, e.g. 0,1,2 (required).")
    String[] regions();

    /**
     * Returns the periodic interval.
     *
     * @return milliseconds between sessions with each peer; 0 turns periodic sessions off
     */
    @AttributeDefinition(description = "Milliseconds between sessions with each peer; 0 = off.")
    long interval_ms() default 5000;

    /**
     * Returns the session deadline.
     *
     * @return milliseconds a session may take before it fails and is retried
     */
    @AttributeDefinition(description = "Milliseconds a session may take before it is retried.")
    long session_timeout_ms() default 5000;

    /**
     * Returns whether this region compacts the closed epochs of the shards it leads.
     *
     * @return true to probe the other regions after on-demand sessions and every interval
     */
    @AttributeDefinition(
        description =
            "Whether this region, as a shard's leader, folds closed epochs once every region"
                + " reports the same closed entries (it answers other leaders' probes either way).")
    boolean compact_enabled() default true;
  }

  /** The configuration PID (factory PID of {@code io.tidaldb.reconcile~<name>}). */
  static final String PID = "io.tidaldb.reconcile";

  /** The transport bound unless {@code transport.target} says otherwise. */
  static final String DEFAULT_TRANSPORT_TARGET = "(transport.name=inprocess)";

  private static final Logger LOG = LoggerFactory.getLogger(ReconcileComponent.class);

  private final ReconciliationEngine engine;
  private final TransportEndpoint endpoint;
  private final ReconcileLoop loop;
  private final LiveConfig live;

  /**
   * Starts the region's reconciliation. A malformed value is logged at ERROR naming the PID, the
   * key and the value, and activation fails with an {@link InvalidArgumentException} naming the
   * key; a transport without the reconciliation channel fails it with the transport's {@code
   * UnavailableException}. The rest of the node keeps serving either way.
   *
   * @param state the region's store side (pick it with {@code state.target})
   * @param transport the transport (pick it with {@code transport.target})
   * @param config the configuration
   * @param properties the configured properties, to name refused raw values
   */
  @Activate
  public ReconcileComponent(
      @Reference(name = "state") ReconcileState state,
      @Reference(name = "transport", target = DEFAULT_TRANSPORT_TARGET) Transport transport,
      Config config,
      Map<String, Object> properties) {
    ReconcileConfig settings =
        toReconcileConfig(config, properties, new ConfigValues(pidOf(properties), properties, LOG));
    settings =
        settings.withMaxFrameBytes(
            Math.min(transport.maxFrameBytes(), ReconcileConfig.DEFAULT_MAX_FRAME_BYTES));
    this.engine = new ReconciliationEngine(settings, state, this::send, System.nanoTime());
    this.endpoint = transport.open(settings.region(), Transport.RECONCILE_CHANNEL, engine::onFrame);
    this.loop = new ReconcileLoop(engine);
    this.live = new LiveConfig(pidOf(properties), properties, LOG);
    LOG.info(
        "reconciliation of {} with {} started (interval {} ms, compaction {})",
        settings.region(),
        settings.peers(),
        settings.interval().toMillis(),
        settings.compactEnabled() ? "on" : "off");
  }

  /**
   * Takes a configuration change while the region's reconciliation runs, without stopping it
   * (without this method DS would deactivate and re-activate it on every change): the new values
   * are validated, and a change of any key of its configuration, which applies only when it starts,
   * is refused with one WARN line naming key, value and rule; it keeps its configuration. A key it
   * does not read is only a service property; a changed reference target re-binds as DS decides.
   *
   * @param config the new configuration
   * @param properties the new component properties as configured
   */
  @Modified
  public void modified(Config config, Map<String, Object> properties) {
    live.review(
        properties,
        () ->
            toReconcileConfig(
                config, properties, ConfigValues.quiet(pidOf(properties), properties)),
        LiveConfig.fixedKeys(
            Config.class,
            "applies only when the region's reconciliation starts: restart the node (or the io.tidaldb.reconcile bundle) to"
                + " apply it"));
  }

  private SendStatus send(RegionId to, ByteBuffer frame) {
    return endpoint.send(to, frame);
  }

  /**
   * Translates and validates the configuration.
   *
   * @param c the configuration
   * @param raw the configured properties
   * @param v reads and validates key by key
   * @return the engine's settings
   */
  static ReconcileConfig toReconcileConfig(Config c, Map<String, ?> raw, ConfigValues v) {
    if (raw.get("region") == null) {
      throw v.refuse("region", null, "is required: this region's id, 0..65535");
    }
    int regionId = v.get("region", "a whole number", c::region);
    RegionId region = v.check("region", regionId, () -> RegionId.of(regionId));
    String[] regionsRaw = v.get("regions", "a list of region ids", c::regions);
    List<RegionId> regions = parseRegions(regionsRaw, v);
    if (!regions.contains(region)) {
      throw v.refuse(
          "regions", String.join(",", regionsRaw), "must contain this region " + regionId);
    }
    long interval = v.get("interval.ms", "a whole number", c::interval_ms);
    if (interval < 0) {
      throw v.refuse("interval.ms", interval, "must be >= 0 (0 turns periodic sessions off)");
    }
    long timeout = v.get("session.timeout.ms", "a whole number", c::session_timeout_ms);
    if (timeout <= 0) {
      throw v.refuse("session.timeout.ms", timeout, "must be > 0");
    }
    if (raw.get("compact.enabled") instanceof String text
        && !text.trim().equalsIgnoreCase("true")
        && !text.trim().equalsIgnoreCase("false")) {
      throw v.refuse("compact.enabled", text, "must be true or false");
    }
    boolean compact = v.get("compact.enabled", "true or false", c::compact_enabled);
    return ReconcileConfig.defaults(region, regions)
        .withInterval(Duration.ofMillis(interval))
        .withSessionTimeout(Duration.ofMillis(timeout))
        .withCompaction(compact);
  }

  private static List<RegionId> parseRegions(String[] raw, ConfigValues v) {
    if (raw == null || raw.length == 0) {
      throw v.refuse("regions", null, "is required: every region's id, comma-separated");
    }
    List<RegionId> regions = new ArrayList<>();
    for (String element : raw) {
      for (String part : element.split(",", -1)) {
        int id;
        try {
          id = Integer.parseInt(part.trim());
        } catch (NumberFormatException e) {
          throw v.refuse("regions", String.join(",", raw), "'" + part.trim() + "' is not an id");
        }
        if (id < 0 || id > RegionId.MAX_VALUE) {
          throw v.refuse("regions", String.join(",", raw), "every id must be 0..65535: " + id);
        }
        regions.add(RegionId.of(id));
      }
    }
    if (new HashSet<>(regions).size() != regions.size()) {
      throw v.refuse("regions", String.join(",", raw), "must not repeat a region");
    }
    return regions;
  }

  private static String pidOf(Map<String, Object> properties) {
    return properties.get("service.pid") instanceof String pid ? pid : PID;
  }

  /** Stops the thread, fails waiting demands and leaves the channel. */
  @Deactivate
  public void deactivate() {
    try {
      loop.close();
    } finally {
      endpoint.close();
    }
    LOG.info("reconciliation of {} stopped", engine.config().region());
  }

  @Override
  public RegionId region() {
    return engine.config().region();
  }

  @Override
  public List<RegionId> peers() {
    return engine.config().peers();
  }

  @Override
  public CompletableFuture<ReconcileReport> reconcileAll() {
    return engine.reconcileAll();
  }

  @Override
  public String toString() {
    return "reconciliation of " + region() + " with " + peers();
  }
}
