package io.tidaldb.tenancy.component;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantInfo;
import io.tidaldb.api.tenancy.TenantListener;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.tenancy.RegistryFile;
import io.tidaldb.tenancy.TenancyNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant registry of one region: a thin DS shell that builds a {@link TenancyNode} over the
 * region's registry file and a {@link Transport}'s tenancy channel ({@link
 * Transport#TENANCY_CHANNEL}) and sends its digests on {@code tidal-tenancy-<region>}.
 *
 * <p>Configuration required, one factory configuration per region, {@code
 * io.tidaldb.tenancy~<name>}, with {@code region}, {@code regions}, {@code directory} and
 * optionally {@code transport.target} and {@code interval.ms}. Its properties are the service's, so
 * the store picks its region's directory with {@code tenants.target=(region=<n>)}. Stopping this
 * bundle never stops the store (its reference is optional and dynamic; it keeps the last known
 * tenants).
 */
@Component(
    service = {TenantAdmin.class, TenantDirectory.class},
    configurationPid = TenancyComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true)
@Designate(ocd = TenancyComponent.Config.class, factory = true)
public final class TenancyComponent implements TenantAdmin, TenantDirectory {

  /** Configuration of one region's tenant registry. */
  @ObjectClassDefinition(
      name = "TidalDB tenancy",
      description = "The tenant registry of one region, gossiped to the other regions.")
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
    @AttributeDefinition(description = "Every region, this one included, e.g. 0,1,2.")
    String[] regions() default {};

    /**
     * Returns the directory of the registry file.
     *
     * @return a path
     */
    @AttributeDefinition(description = "Directory of the registry file tenants.reg.")
    String directory() default "data/tenancy";

    /**
     * Returns the digest interval.
     *
     * @return milliseconds between digests sent to each peer; 0 turns them off
     */
    @AttributeDefinition(description = "Milliseconds between digests to each peer; 0 = off.")
    long interval_ms() default 1000;
  }

  /** The configuration PID (factory PID of {@code io.tidaldb.tenancy~<name>}). */
  static final String PID = "io.tidaldb.tenancy";

  /** The transport bound unless {@code transport.target} says otherwise. */
  static final String DEFAULT_TRANSPORT_TARGET = "(transport.name=inprocess)";

  private static final Logger LOG = LoggerFactory.getLogger(TenancyComponent.class);

  private final TenancyNode node;
  private final TransportEndpoint endpoint;
  private final ScheduledExecutorService timer;

  /**
   * Loads the region's registry and opens the tenancy channel. A malformed value or a corrupt
   * registry file fails activation naming the key or the path; the rest of the node keeps serving.
   *
   * @param transport the transport (pick it with {@code transport.target})
   * @param config the configuration
   * @param properties the configured properties, to name refused raw values
   */
  @Activate
  public TenancyComponent(
      @Reference(name = "transport", target = DEFAULT_TRANSPORT_TARGET) Transport transport,
      Config config,
      Map<String, Object> properties) {
    ConfigValues v = new ConfigValues(pidOf(properties), properties, LOG);
    if (properties.get("region") == null) {
      throw v.refuse("region", null, "is required: this region's id, 0..65535");
    }
    int regionId = v.get("region", "a whole number", config::region);
    RegionId region = v.check("region", regionId, () -> RegionId.of(regionId));
    String[] raw = v.get("regions", "a list of region ids", config::regions);
    List<RegionId> peers = parsePeers(raw, region, v);
    String directory = v.get("directory", "a path", config::directory);
    if (directory == null || directory.isBlank()) {
      throw v.refuse("directory", directory, "must not be blank");
    }
    long interval = v.get("interval.ms", "a whole number", config::interval_ms);
    if (interval < 0) {
      throw v.refuse("interval.ms", interval, "must be >= 0 (0 turns digests off)");
    }
    TransportEndpoint[] open = new TransportEndpoint[1];
    this.node =
        new TenancyNode(
            regionId,
            peers,
            new RegistryFile(Path.of(directory)),
            System::currentTimeMillis,
            (to, frame) -> open[0] == null ? SendStatus.CLOSED : open[0].send(to, frame),
            transport.maxFrameBytes(),
            TimeUnit.MILLISECONDS.toNanos(interval),
            System.nanoTime());
    String name = "tidal-tenancy-" + regionId;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    try {
      this.endpoint = transport.open(region, Transport.TENANCY_CHANNEL, node::onFrame);
    } catch (RuntimeException e) {
      timer.shutdownNow();
      throw e;
    }
    open[0] = endpoint;
    if (interval > 0 && !peers.isEmpty()) {
      long tick = Math.max(1, interval / 4);
      timer.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
    }
    LOG.info(
        "tenancy of region {} started: peers {}, directory {}, interval {} ms",
        regionId,
        peers,
        directory,
        interval);
  }

  private void tick() {
    try {
      node.doWork(System.nanoTime());
    } catch (RuntimeException e) {
      LOG.warn("tenancy of region {}: digest round failed: {}", node.region(), e.toString());
    }
  }

  private static List<RegionId> parsePeers(String[] raw, RegionId self, ConfigValues v) {
    List<RegionId> all = new ArrayList<>();
    if (raw != null) {
      for (String element : raw) {
        for (String part : element.split(",", -1)) {
          if (part.isBlank()) {
            continue;
          }
          int id;
          try {
            id = Integer.parseInt(part.trim());
          } catch (NumberFormatException e) {
            throw v.refuse("regions", String.join(",", raw), "'" + part.trim() + "' is not an id");
          }
          if (id < 0 || id > RegionId.MAX_VALUE) {
            throw v.refuse("regions", String.join(",", raw), "every id must be 0..65535: " + id);
          }
          all.add(RegionId.of(id));
        }
      }
    }
    if (new HashSet<>(all).size() != all.size()) {
      throw v.refuse("regions", String.join(",", raw), "must not repeat a region");
    }
    if (!all.isEmpty() && !all.contains(self)) {
      throw v.refuse("regions", String.join(",", raw), "must contain this region " + self);
    }
    all.remove(self);
    return all;
  }

  private static String pidOf(Map<String, Object> properties) {
    return properties.get("service.pid") instanceof String pid ? pid : PID;
  }

  /** Stops the digests and leaves the channel. */
  @Deactivate
  public void deactivate() {
    timer.shutdownNow();
    endpoint.close();
    LOG.info("tenancy of region {} stopped", node.region());
  }

  @Override
  public int region() {
    return node.region();
  }

  @Override
  public TenantInfo create(TenantId tenant, TenantQuotas quotas) {
    TenantInfo info = node.create(tenant, quotas);
    LOG.info("tenant {} created in region {}: {}", tenant, node.region(), quotas);
    return info;
  }

  @Override
  public TenantInfo setQuotas(TenantId tenant, TenantQuotas quotas) {
    TenantInfo info = node.setQuotas(tenant, quotas);
    LOG.info("tenant {} quotas set in region {}: {}", tenant, node.region(), quotas);
    return info;
  }

  @Override
  public TenantInfo delete(TenantId tenant) {
    TenantInfo info = node.delete(tenant);
    LOG.info("tenant {} deleted in region {}", tenant, node.region());
    return info;
  }

  @Override
  public List<TenantInfo> list() {
    return node.list();
  }

  @Override
  public Optional<TenantInfo> describe(TenantId tenant) {
    return node.describe(tenant);
  }

  @Override
  public TenantState state(TenantId tenant) {
    return node.state(tenant);
  }

  @Override
  public TenantQuotas quotas(TenantId tenant) {
    return node.quotas(tenant);
  }

  @Override
  public Set<TenantId> active() {
    return node.active();
  }

  @Override
  public Set<TenantId> deleted() {
    return node.deleted();
  }

  @Override
  public void protect(String owner, Set<TenantId> tenants) {
    node.protect(owner, tenants);
  }

  @Override
  public void addListener(TenantListener listener) {
    node.addListener(listener);
  }

  @Override
  public void removeListener(TenantListener listener) {
    node.removeListener(listener);
  }
}
