package io.tidaldb.replication.component;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.replication.node.ReplicationConfig;
import io.tidaldb.replication.node.ReplicationNode;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.support.config.LiveConfig;
import java.nio.file.Path;
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
 * The {@link Replication} service of one region: a thin DS shell that builds a {@link
 * ReplicationNode} over the region's {@link WriteAheadLog} and a {@link Transport} from its
 * configuration (PID {@code io.tidaldb.replication}) when activated and closes it when deactivated.
 *
 * <p>The configuration is required: a single-region node has none and runs without replication.
 * Several regions in one framework use one factory configuration per region, {@code
 * io.tidaldb.replication~<name>}, each with its own {@code region}, {@code directory} and {@code
 * wal.target=(region=<n>)}. The configuration's properties, {@code region} included, are the
 * service's properties, so the region's store binds it with {@code
 * replication.target=(region=<n>)}. Both references are static: a WAL or transport going away
 * re-activates the component (the node closes; the new one starts every shard as a follower at its
 * saved epoch). Immediate, because elections and shipping must run even before a store binds it.
 */
@Component(
    service = {Replication.class, MetricsSource.class},
    configurationPid = ReplicationComponent.PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE,
    immediate = true)
@Designate(ocd = ReplicationComponent.Config.class, factory = true)
public final class ReplicationComponent implements Replication, MetricsSource {

  /**
   * Configuration of one region's replication. Besides these keys, {@code wal.target} picks the
   * region's WAL (such as {@code (region=0)}) and {@code transport.target} the transport (default
   * {@value ReplicationComponent#DEFAULT_TRANSPORT_TARGET}).
   */
  @ObjectClassDefinition(
      name = "TidalDB replication",
      description =
          "One region's replication: per-shard leadership and WAL shipping to the other regions.")
  public @interface Config {
    /**
     * Returns this region.
     *
     * @return the region id, 0..65535; required
     */
    @AttributeDefinition(description = "This region's id, 0..65535 (required).")
    int region();

    /**
     * Returns every region of the cluster, this one included.
     *
     * @return region ids, comma-separated (or one per list element), same order on every region
     */
    @AttributeDefinition(
        description =
            "Every region of the cluster, this one included, comma-separated, e.g. 0,1,2"
                + " (required; the same on every region).")
    String[] regions();

    /**
     * Returns the directory of the shards' epoch files.
     *
     * @return a path; empty for {@code data/region-<region>/epochs}
     */
    @AttributeDefinition(
        description = "Directory of the shards' epoch files (default data/region-<region>/epochs).")
    String directory() default "";

    /**
     * Returns the heartbeat interval.
     *
     * @return milliseconds between a leader's heartbeats
     */
    @AttributeDefinition(description = "Milliseconds between a leader's heartbeats.", min = "1")
    long heartbeat_ms() default 50;

    /**
     * Returns the election timeout.
     *
     * @return milliseconds of silence after which a follower runs for leader
     */
    @AttributeDefinition(
        description =
            "Milliseconds of silence after which a follower runs for leader and a leader steps"
                + " down; at least twice heartbeat.ms.",
        min = "2")
    long election_timeout_ms() default 200;

    /**
     * Returns the durability timeout.
     *
     * @return milliseconds a QUORUM or ALL wait lasts before it fails
     */
    @AttributeDefinition(
        description = "Milliseconds a QUORUM or ALL write waits before it fails.",
        min = "1")
    long durability_timeout_ms() default 5000;

    /**
     * Returns the pause threshold.
     *
     * @return milliseconds between two rounds of the replication thread that count as a pause of
     *     this region; 0 turns pause detection off
     */
    @AttributeDefinition(
        description =
            "Milliseconds between two rounds of the replication thread that count as a pause of"
                + " this region (GC, CPU starvation): failure detectors restart and leases get a"
                + " grace instead of acting on this region's own silence; 0 turns this off.",
        min = "0")
    long pause_threshold_ms() default 50;
  }

  /** The configuration PID (and factory PID of {@code io.tidaldb.replication~<name>}). */
  static final String PID = "io.tidaldb.replication";

  /** The transport bound unless {@code transport.target} says otherwise. */
  static final String DEFAULT_TRANSPORT_TARGET = "(transport.name=inprocess)";

  private static final Logger LOG = LoggerFactory.getLogger(ReplicationComponent.class);

  private final ReplicationNode node;
  private final LiveConfig live;

  /**
   * Starts the region's replication. A malformed, missing or out-of-range value is logged at ERROR
   * naming the PID, the key and the value, and activation fails with an {@link
   * InvalidArgumentException} naming the key; the rest of the node keeps serving.
   *
   * @param wal the region's write-ahead log (pick it with {@code wal.target})
   * @param transport the transport between regions (pick it with {@code transport.target})
   * @param config the component's configuration
   * @param properties the component's properties as configured, to name refused raw values
   */
  @Activate
  public ReplicationComponent(
      @Reference(name = "wal") WriteAheadLog wal,
      @Reference(name = "transport", target = DEFAULT_TRANSPORT_TARGET) Transport transport,
      Config config,
      Map<String, Object> properties) {
    ReplicationConfig settings =
        toReplicationConfig(
            config, properties, new ConfigValues(pidOf(properties), properties, LOG));
    this.node = new ReplicationNode(settings, wal, transport, System::nanoTime);
    this.live = new LiveConfig(pidOf(properties), properties, LOG);
  }

  /**
   * Takes a configuration change while the region's replication runs, without stopping it (without
   * this method DS would deactivate and re-activate it on every change): the new values are
   * validated, and a change of any key of its configuration, which applies only when it starts, is
   * refused with one WARN line naming key, value and rule; it keeps its configuration. A key it
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
            toReplicationConfig(
                config, properties, ConfigValues.quiet(pidOf(properties), properties)),
        LiveConfig.fixedKeys(
            Config.class,
            "applies only when the region's replication starts: restart the node (or the io.tidaldb.replication bundle) to"
                + " apply it"));
  }

  /**
   * Translates the component configuration into the node's, validating every value.
   *
   * @param c the component's configuration
   * @param raw the component's properties as configured, to tell a missing key from a default
   * @param v reads and validates it key by key, naming a refused key and value
   * @return the node's configuration
   */
  static ReplicationConfig toReplicationConfig(Config c, Map<String, ?> raw, ConfigValues v) {
    if (raw.get("region") == null) {
      throw v.refuse("region", null, "is required: this region's id, 0..65535");
    }
    int regionId = v.get("region", "a whole number", c::region);
    RegionId region = v.check("region", regionId, () -> RegionId.of(regionId));
    String[] regionsRaw = v.get("regions", "a list of region ids", c::regions);
    List<RegionId> regions = parseRegions(regionsRaw, v);
    if (!regions.contains(region)) {
      throw v.refuse("regions", join(regionsRaw), "must contain this region " + regionId);
    }
    String directory = v.get("directory", "a path", c::directory);
    Path epochs =
        directory == null || directory.isBlank()
            ? Path.of("data", "region-" + regionId, "epochs")
            : Path.of(directory.trim());
    long heartbeat = v.get("heartbeat.ms", "a whole number", c::heartbeat_ms);
    long election = v.get("election.timeout.ms", "a whole number", c::election_timeout_ms);
    long durability = v.get("durability.timeout.ms", "a whole number", c::durability_timeout_ms);
    if (heartbeat <= 0) {
      throw v.refuse("heartbeat.ms", heartbeat, "must be > 0");
    }
    if (election < 2 * heartbeat) {
      throw v.refuse(
          "election.timeout.ms", election, "must be at least twice heartbeat.ms " + heartbeat);
    }
    if (durability <= 0) {
      throw v.refuse("durability.timeout.ms", durability, "must be > 0");
    }
    long pause = v.get("pause.threshold.ms", "a whole number", c::pause_threshold_ms);
    if (pause < 0) {
      throw v.refuse("pause.threshold.ms", pause, "must be >= 0 (0 turns pause detection off)");
    }
    return ReplicationConfig.defaults(region, regions, epochs)
        .withTimings(Duration.ofMillis(heartbeat), Duration.ofMillis(election))
        .withDurabilityTimeout(Duration.ofMillis(durability))
        .withPauseThreshold(Duration.ofMillis(pause));
  }

  private static List<RegionId> parseRegions(String[] raw, ConfigValues v) {
    if (raw == null || raw.length == 0) {
      throw v.refuse("regions", null, "is required: every region's id, comma-separated");
    }
    List<RegionId> regions = new ArrayList<>();
    for (String element : raw) {
      for (String part : element.split(",", -1)) {
        String text = part.trim();
        int id;
        try {
          id = Integer.parseInt(text);
        } catch (NumberFormatException e) {
          throw v.refuse(
              "regions", join(raw), "must be comma-separated ids 0..65535: '" + text + "' is not");
        }
        if (id < 0 || id > RegionId.MAX_VALUE) {
          throw v.refuse("regions", join(raw), "every id must be 0..65535: " + id + " is not");
        }
        regions.add(RegionId.of(id));
      }
    }
    if (new HashSet<>(regions).size() != regions.size()) {
      throw v.refuse("regions", join(raw), "must not repeat a region");
    }
    return regions;
  }

  private static String join(String[] raw) {
    return raw == null ? null : String.join(",", raw);
  }

  private static String pidOf(Map<String, Object> properties) {
    return properties.get("service.pid") instanceof String pid ? pid : PID;
  }

  @Override
  public void collect(MetricsSink sink) {
    node.collectMetrics(sink);
  }

  /** Stops the replication thread, steps down from every shard and closes the endpoint. */
  @Deactivate
  public void deactivate() {
    node.close();
  }

  @Override
  public RegionId region() {
    return node.region();
  }

  @Override
  public List<RegionId> regions() {
    return node.regions();
  }

  @Override
  public void checkLeader(int shard) {
    node.checkLeader(shard);
  }

  @Override
  public long checkLeaderEpoch(int shard) {
    return node.checkLeaderEpoch(shard);
  }

  @Override
  public CompletableFuture<Void> whenStored(int shard, long position, Durability level) {
    return node.whenStored(shard, position, level);
  }

  @Override
  public CompletableFuture<SignalAck> forward(int shard, Signal signal, Durability durability) {
    return node.forward(shard, signal, durability);
  }

  @Override
  public CompletableFuture<SignalAck> forward(
      int shard, Signal signal, Durability durability, SessionSeq session) {
    return node.forward(shard, signal, durability, session);
  }

  @Override
  public CompletableFuture<SignalAck> forwardPart(
      int shard, java.util.List<Signal> signals, Durability durability, SessionSeq session) {
    return node.forwardPart(shard, signals, durability, session);
  }

  @Override
  public CompletableFuture<Void> leaderChange(int shard) {
    return node.leaderChange(shard);
  }

  @Override
  public CompletableFuture<Void> transferLeadership(int shard, RegionId to) {
    return node.transferLeadership(shard, to);
  }

  @Override
  public long leaderContactAgeNanos(int shard) {
    return node.leaderContactAgeNanos(shard);
  }

  @Override
  public long regionContactAgeNanos(RegionId region) {
    return node.regionContactAgeNanos(region);
  }

  @Override
  public long retainFrom(int shard) {
    return node.retainFrom(shard);
  }

  @Override
  public void attach(ReplicaState state) {
    node.attach(state);
  }

  @Override
  public void detach(ReplicaState state) {
    node.detach(state);
  }

  @Override
  public List<ShardReplicationStatus> status() {
    return node.status();
  }

  @Override
  public String toString() {
    return "replication of " + node.region() + " " + node.regions();
  }
}
