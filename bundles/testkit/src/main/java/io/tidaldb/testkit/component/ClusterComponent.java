package io.tidaldb.testkit.component;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.testkit.ClusterConfig;
import io.tidaldb.testkit.RegionTransports;
import io.tidaldb.testkit.SimulatedCluster;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The test kit as services: a thin DS shell that builds a {@link SimulatedCluster} from its
 * configuration (PID {@value #PID}) when activated, registers it as a {@link SimulatedCluster}
 * service (properties {@code tidaldb.cluster=<id>} and {@code transport.name}, {@value #IN_PROCESS}
 * or the per-region transports' name) next to the per-region {@code SignalStore} and {@code
 * Replication} services the cluster registers itself ({@code region=<n>}), and closes it when
 * deactivated.
 *
 * <p>The configuration is required: without one nothing runs. Immediate, because the regions must
 * run (elect, replicate) whether or not anyone uses the cluster service. A refused value fails the
 * activation with an {@link InvalidArgumentException} naming the PID, the key and the value, which
 * SCR logs.
 *
 * <p>Transport: in-process by default. With {@code transports.target} set (e.g. {@code
 * (transport.name=tcp)}) and {@code transports.cardinality.minimum} = the region count, the
 * component waits for that many {@link Transport} services, one per region with a {@code region}
 * property (each a transport that speaks for one region, such as one factory configuration of
 * {@code io.tidaldb.transport.tcp} per region), and runs the cluster over a {@link
 * RegionTransports} borrowing them: their components own them. One of them going away deactivates
 * the cluster (a static reference).
 */
@Component(
    service = {},
    configurationPid = ClusterComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true)
@Designate(ocd = ClusterComponent.Config.class)
public final class ClusterComponent {

  /** Configuration of the simulated cluster. */
  @ObjectClassDefinition(
      name = "TidalDB simulated cluster",
      description =
          "A test kit cluster in this framework: every region's WAL, replication and store, over"
              + " one in-process transport.")
  public @interface Config {
    /**
     * Returns how many regions run.
     *
     * @return region count; regions are 0 to count - 1
     */
    @AttributeDefinition(description = "How many regions (ids 0..regions-1), 1..64.", min = "1")
    int regions() default ClusterComponent.DEFAULT_REGIONS;

    /**
     * Returns the shard count of every region.
     *
     * @return shards per region
     */
    @AttributeDefinition(description = "Shards per region, 1..9999.", min = "1")
    int shards() default ClusterComponent.DEFAULT_SHARDS;

    /**
     * Returns the root of the regions' data.
     *
     * @return a path, kept on close; empty for a temporary directory deleted on close
     */
    @AttributeDefinition(
        description =
            "Root of the regions' data (region-<n>/ below it), kept on close; empty for a"
                + " temporary directory deleted on close.")
    String directory() default "";

    /**
     * Returns the periodic reconciliation interval of every region.
     *
     * @return milliseconds between sessions with each other region; 0 (the default) turns periodic
     *     sessions off (on demand and retries still run)
     */
    @AttributeDefinition(
        description =
            "Milliseconds between periodic reconciliation sessions with each other region; 0 ="
                + " off (reconcileAll and awaitFullConvergence still reconcile).")
    long reconcile_interval_ms() default 0;

    /**
     * Returns whether the regions compact closed epochs after their reconciliation sessions.
     *
     * @return true (the default) to let shard leaders fold closed epochs every region agrees on
     */
    @AttributeDefinition(
        description =
            "Whether shard leaders compact closed epochs once every region holds the same closed"
                + " entries (after reconcileAll and every periodic interval).")
    boolean reconcile_compact_enabled() default true;

    /**
     * Returns the filter of the per-region transport services the cluster runs over (the DS
     * reference {@code transports}).
     *
     * @return an LDAP filter such as {@code (transport.name=tcp)}; the default matches nothing: the
     *     cluster's own in-process transport
     */
    @AttributeDefinition(
        description =
            "Filter of the Transport services, one per region (service property region=<n>), to"
                + " run over, e.g. (transport.name=tcp); the default matches none: in-process."
                + " Set transports.cardinality.minimum to the region count with it.")
    String transports_target() default NO_TRANSPORTS;

    /**
     * Returns how many transport services must match before the cluster starts.
     *
     * @return 0 (the default) for the in-process transport; the region count with a target
     */
    @AttributeDefinition(
        description =
            "How many matching transport services the cluster waits for: the region count when"
                + " transports.target is set.",
        min = "0")
    int transports_cardinality_minimum() default 0;
  }

  /** The configuration PID. */
  public static final String PID = "io.tidaldb.testkit.cluster";

  /** Regions when {@code regions} is not configured. */
  public static final int DEFAULT_REGIONS = 3;

  /** Shards when {@code shards} is not configured. */
  public static final int DEFAULT_SHARDS = 4;

  /**
   * The default {@code transports.target}: a filter no service matches, so the cluster runs over
   * its own in-process transport.
   */
  public static final String NO_TRANSPORTS = "(&(transport.name=*)(!(transport.name=*)))";

  /**
   * The cluster service's {@code transport.name} when it runs over its own in-process transport.
   */
  public static final String IN_PROCESS = "inprocess";

  /** The service property of a per-region transport that names its region. */
  public static final String REGION_PROPERTY = "region";

  /** The service property of the cluster service naming the cluster (as on its regions'). */
  public static final String CLUSTER_PROPERTY = "tidaldb.cluster";

  private final SimulatedCluster cluster;
  private final ServiceRegistration<SimulatedCluster> registration;

  /**
   * Builds and starts the cluster, then registers it. Does not wait for leaders.
   *
   * @param context the test kit bundle's context, to register the cluster
   * @param transports the per-region transport services ({@code transports.target}) with their
   *     properties; none (the default target matches nothing) for the in-process transport
   * @param config the component's configuration
   * @param properties the component's properties as configured, to name refused raw values
   * @throws InvalidArgumentException naming the key and value of a refused configuration value
   */
  @Activate
  public ClusterComponent(
      BundleContext context,
      @Reference(
              name = "transports",
              service = Transport.class,
              cardinality = ReferenceCardinality.MULTIPLE,
              policyOption = ReferencePolicyOption.GREEDY,
              target = NO_TRANSPORTS)
          List<Map.Entry<Map<String, Object>, Transport>> transports,
      Config config,
      Map<String, Object> properties) {
    ClusterConfig settings = toClusterConfig(config, properties);
    String transportName = IN_PROCESS;
    if (!transports.isEmpty()) {
      RegionTransports perRegion =
          RegionTransports.borrowing(byRegion(transports, settings.regions().size(), properties));
      transportName = perRegion.name();
      settings = settings.withTransport(() -> perRegion);
    }
    this.cluster = SimulatedCluster.build(settings);
    try {
      Dictionary<String, Object> props = new Hashtable<>();
      props.put(CLUSTER_PROPERTY, cluster.id());
      props.put("regions", cluster.regions().size());
      props.put("shards", cluster.config().shards());
      props.put("directory", cluster.directory().toString());
      props.put(Transport.NAME_PROPERTY, transportName);
      this.registration = context.registerService(SimulatedCluster.class, cluster, props);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Translates the component's configuration into the cluster's, validating every value.
   *
   * @param c the component's configuration
   * @param raw the component's properties as configured, to name a refused raw value
   * @return the cluster configuration: three-region defaults with the configured values
   * @throws InvalidArgumentException naming the PID, the key and the value of a refused value
   */
  static ClusterConfig toClusterConfig(Config c, Map<String, ?> raw) {
    String pid = raw.get("service.pid") instanceof String s ? s : PID;
    int regions = read(pid, raw, "regions", "a whole number", c::regions);
    int shards = read(pid, raw, "shards", "a whole number", c::shards);
    String directory = read(pid, raw, "directory", "a path", c::directory);
    long interval =
        read(pid, raw, "reconcile.interval.ms", "a whole number", c::reconcile_interval_ms);
    if (raw.get("reconcile.compact.enabled") instanceof String text
        && !text.trim().equalsIgnoreCase("true")
        && !text.trim().equalsIgnoreCase("false")) {
      throw refuse(pid, raw, "reconcile.compact.enabled", "must be true or false");
    }
    boolean compact =
        read(pid, raw, "reconcile.compact.enabled", "true or false", c::reconcile_compact_enabled);
    ClusterConfig base = check(pid, raw, "regions", () -> ClusterConfig.regions(regions));
    ClusterConfig withShards = check(pid, raw, "shards", () -> base.withShards(shards));
    ClusterConfig sharded =
        check(
            pid,
            raw,
            "reconcile.interval.ms",
            () ->
                withShards
                    .withReconcileInterval(Duration.ofMillis(interval))
                    .withCompaction(compact));
    if (directory == null || directory.isBlank()) {
      return sharded;
    }
    return sharded.withDirectory(check(pid, raw, "directory", () -> Path.of(directory.trim())));
  }

  /**
   * Maps the bound transport services to their regions: exactly one per region 0..regions-1.
   *
   * @param transports the services with their properties
   * @param regions the cluster's region count
   * @param raw the component's properties, to name the PID and the target
   * @return the transport of each region
   * @throws InvalidArgumentException naming {@code transports.target} and what is wrong
   */
  static Map<RegionId, Transport> byRegion(
      List<? extends Map.Entry<Map<String, Object>, Transport>> transports,
      int regions,
      Map<String, ?> raw) {
    String pid = raw.get("service.pid") instanceof String s ? s : PID;
    Map<RegionId, Transport> byRegion = new TreeMap<>((a, b) -> a.value() - b.value());
    for (Map.Entry<Map<String, Object>, Transport> e : transports) {
      Object value = e.getKey().get(REGION_PROPERTY);
      int region;
      try {
        region = Integer.parseInt(String.valueOf(value).trim());
      } catch (NumberFormatException ex) {
        throw refuse(
            pid,
            raw,
            "transports.target",
            "a matching transport ("
                + e.getValue().name()
                + ") has no whole-number region property, but "
                + REGION_PROPERTY
                + "="
                + value);
      }
      if (region < 0 || region >= regions) {
        throw refuse(
            pid,
            raw,
            "transports.target",
            "a matching transport speaks for region "
                + region
                + ", not one of 0.."
                + (regions - 1));
      }
      if (byRegion.put(RegionId.of(region), e.getValue()) != null) {
        throw refuse(
            pid, raw, "transports.target", "two matching transports speak for region " + region);
      }
    }
    if (byRegion.size() != regions) {
      throw refuse(
          pid,
          raw,
          "transports.target",
          "matches transports of regions "
              + byRegion.keySet()
              + " only, but the cluster has "
              + regions
              + " (set transports.cardinality.minimum="
              + regions
              + ")");
    }
    return byRegion;
  }

  private static <T> T read(
      String pid, Map<String, ?> raw, String key, String what, Supplier<T> typed) {
    try {
      return typed.get();
    } catch (RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw refuse(pid, raw, key, "must be " + what + ": " + cause.getMessage());
    }
  }

  private static <T> T check(String pid, Map<String, ?> raw, String key, Supplier<T> step) {
    try {
      return step.get();
    } catch (InvalidArgumentException | InvalidPathException e) {
      throw refuse(pid, raw, key, e.getMessage());
    }
  }

  private static InvalidArgumentException refuse(
      String pid, Map<String, ?> raw, String key, String rule) {
    return new InvalidArgumentException(key, raw.get(key), "configuration " + pid + ": " + rule);
  }

  /** Withdraws the cluster service, then closes the cluster (its regions' services go with it). */
  @Deactivate
  public void deactivate() {
    try {
      registration.unregister();
    } catch (IllegalStateException e) {
      // already unregistered: the test kit bundle is stopping
    } finally {
      cluster.close();
    }
  }
}
