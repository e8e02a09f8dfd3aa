package io.tidaldb.store.component;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.router.ShardRouter;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantListener;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.support.config.ConfigValues;
import io.tidaldb.support.config.LiveConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
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
 * DS shell of the store: builds a {@link SignalStoreEngine} from its configuration and the WAL and
 * router services, registers it as the {@link SignalStore}, and closes it on deactivation (which
 * flushes and checkpoints every shard).
 *
 * <p>References: {@code wal} ({@link WriteAheadLog}), {@code router} ({@link ShardRouter}) and
 * {@code replication} ({@link Replication}; optional, static, greedy). Without a replication the
 * store serves a single region. A configuration change is taken by {@link #modified} without
 * closing the store. With a replication, the engine is opened with it, {@linkplain
 * Replication#attach attached} to it after opening and {@linkplain Replication#detach detached}
 * before closing; a replication appearing or going away re-activates the component.
 *
 * <p>Several regions in one framework: one factory configuration per region, PID {@code
 * io.tidaldb.store~<region>} (DS 1.4 maps it onto this component's PID {@code io.tidaldb.store};
 * the configuration policy is OPTIONAL), each with its own {@code directory} and {@code region},
 * and the reference targets
 *
 * <ul>
 *   <li>{@code wal.target=(region=<name>)} to bind that region's WAL,
 *   <li>{@code replication.target=(region=<name>)} to bind that region's replication,
 *   <li>{@code replication.cardinality.minimum=1} so the store waits for it instead of starting as
 *       a single region.
 * </ul>
 *
 * <p>The same service is the region's {@link ReconcileState} (the store's side of reconciliation,
 * see {@link SignalStoreEngine#reconcileState()}), with the same properties, so the reconciliation
 * of a region binds it with {@code state.target=(region=<n>)}.
 */
@Component(
    service = {SignalStore.class, ReconcileState.class, MetricsSource.class},
    configurationPid = StoreComponent.PID,
    immediate = true)
@Designate(ocd = StoreComponent.Config.class)
public final class StoreComponent implements SignalStore, ReconcileState, MetricsSource {

  /** The store's configuration (PID {@code io.tidaldb.store}). */
  @ObjectClassDefinition(name = "TidalDB store", description = "The per-region signal database")
  public @interface Config {
    /** Directory of snapshots and the node identity file. */
    @AttributeDefinition(description = "Directory of snapshots and node.id")
    String directory() default "data/store";

    /** This node's region id. */
    @AttributeDefinition(description = "This node's region id, 0..65535")
    int region() default 0;

    /** Tenants besides 'default'. */
    @AttributeDefinition(description = "Known tenants besides 'default'")
    String[] tenants() default {};

    /** Half-life of signal types without their own, in ms. */
    @AttributeDefinition(description = "Default half-life in ms")
    long defaultHalfLifeMillis() default 86_400_000L;

    /** Per-type half-lives as type=millis. */
    @AttributeDefinition(description = "Per-type half-lives, each 'type=millis'")
    String[] halfLives() default {};

    /** Largest accepted absolute weight. */
    @AttributeDefinition(description = "Largest accepted absolute weight")
    double maxAbsWeight() default 1e12;

    /** How far ahead of the local clock event times may lie, in ms. */
    @AttributeDefinition(description = "Accepted future skew of event times in ms")
    long maxFutureSkewMillis() default 300_000L;

    /** Records between snapshots of a shard. */
    @AttributeDefinition(description = "Applied records between snapshots of a shard")
    long snapshotEveryRecords() default 10_000_000L;

    /** Snapshots kept per shard. */
    @AttributeDefinition(description = "Snapshots kept per shard, at least 2")
    int snapshotsToKeep() default 2;

    /** How long a synchronous signal waits for durability, in ms. */
    @AttributeDefinition(description = "Acknowledgement timeout in ms")
    long ackTimeoutMillis() default 30_000L;

    /** How long a write waits for a reachable leader of its shard before it fails, in ms. */
    @AttributeDefinition(
        description =
            "How long a write at a region that finds no leader of its shard (an election) or"
                + " cannot reach it waits for one before it fails, in ms; 0 fails at once")
    long leaderWaitMillis() default 1_000L;

    /** How long a read with a read-your-writes token waits for this region to apply it, in ms. */
    @AttributeDefinition(
        name = "read.wait.max.ms",
        description =
            "How long a read carrying a read-your-writes token waits for this region to apply the"
                + " shard's log through it before it fails as stale, in ms (0 to 3600000)")
    long read_wait_max_ms() default 1_000L;

    /** How long a thread may read back to back before it yields its CPU once, in µs. */
    @AttributeDefinition(
        name = "read.quantum.us",
        description =
            "How long a thread may run reads back to back before it yields its CPU once, so the"
                + " commit path's threads do not wait behind spinning readers, in µs (0 to"
                + " 1000000; 0 never yields)")
    long read_quantum_us() default 100L;

    /** How long an idle client session lives in a shard's session table, in ms. */
    @AttributeDefinition(
        name = "session.ttl.ms",
        description =
            "How long an idle client session lives in a shard's session table, in ms (24 h);"
                + " every region must use the same value")
    long session_ttl_ms() default 86_400_000L;

    /** Live sessions of one tenant per shard. */
    @AttributeDefinition(
        name = "session.max.per.tenant",
        description = "Live client sessions of one tenant per shard; a new one beyond is refused")
    int session_max_per_tenant() default 1_000_000;

    /** Largest jump of a session's seq above the highest the shard saw. */
    @AttributeDefinition(
        name = "session.max.seq.gap",
        description = "Largest jump of a session's seq above the highest the shard saw (2^20)")
    long session_max_seq_gap() default 1_048_576L;

    /** Unacknowledged seqs one session may hold per shard. */
    @AttributeDefinition(
        name = "session.max.window",
        description = "Unacknowledged seqs one client session may hold per shard, 1..65536")
    int session_max_window() default 1_024;
  }

  /** The configuration PID. */
  static final String PID = "io.tidaldb.store";

  private static final Logger LOG = LoggerFactory.getLogger(StoreComponent.class);

  /** The keys a running store takes live ({@link #modified}). */
  static final Set<String> LIVE_KEYS =
      Set.of("tenants", "maxAbsWeight", "halfLives", "defaultHalfLifeMillis");

  /** Why each other key of the configuration is refused while the store runs. */
  static final Map<String, String> FIXED_KEYS = fixedKeys();

  private final SignalStoreEngine engine;
  private final Replication replication;
  private final LiveConfig live;

  /** Tells the engine of the registry's changes (one per component, added on bind). */
  private final TenantListener tenantListener;

  /** Guards {@link #directory}: bind and unbind may come from different threads. */
  private final Object directoryLock = new Object();

  private TenantDirectory directory;

  /**
   * Opens the store and attaches it to the replication, if there is one. A malformed or
   * out-of-range value is logged at ERROR naming the PID, the key and the value, and activation
   * fails with an {@link InvalidArgumentException} naming the key.
   *
   * @param wal the write-ahead log
   * @param router the shard router
   * @param replication the region's replication, or null for a single region
   * @param config the configuration
   * @param properties the component's properties as configured, to name refused raw values
   */
  @Activate
  public StoreComponent(
      @Reference(name = "wal") WriteAheadLog wal,
      @Reference(name = "router") ShardRouter router,
      @Reference(
              name = "replication",
              cardinality = ReferenceCardinality.OPTIONAL,
              policy = ReferencePolicy.STATIC,
              policyOption = ReferencePolicyOption.GREEDY)
          Replication replication,
      Config config,
      Map<String, Object> properties) {
    StoreConfig storeConfig = toStoreConfig(config, new ConfigValues(PID, properties, LOG));
    try {
      this.engine = SignalStoreEngine.open(storeConfig, wal, router, replication);
    } catch (RuntimeException e) {
      // SCR reports a failed activation on the console only: say it where operators look
      LOG.error(
          "{}: the store in {} cannot open, it stays unavailable until this is fixed: {}",
          PID,
          storeConfig.directory(),
          e.getMessage());
      throw e;
    }
    this.tenantListener = engine::tenantsChanged;
    this.replication = replication;
    // a factory configuration (io.tidaldb.store~r0) is named as such in the refusals
    this.live =
        new LiveConfig(
            properties.get("service.pid") instanceof String pid ? pid : PID, properties, LOG);
    if (replication != null) {
      try {
        replication.attach(engine);
      } catch (RuntimeException e) {
        engine.close();
        throw e;
      }
    }
  }

  /**
   * Translates the component configuration into the engine's, key by key.
   *
   * @param c the component's configuration
   * @param v reads and validates it, naming a refused key and value
   * @return the engine's configuration
   */
  static StoreConfig toStoreConfig(Config c, ConfigValues v) {
    String directory = v.get("directory", "a path", c::directory);
    int region = v.get("region", "a whole number", c::region);
    String[] tenants = v.get("tenants", "a list of names", c::tenants);
    long halfLifeMillis =
        v.get("defaultHalfLifeMillis", "a whole number", c::defaultHalfLifeMillis);
    String[] halfLives = v.get("halfLives", "a list of 'type=millis'", c::halfLives);
    double maxAbsWeight = v.get("maxAbsWeight", "a number", c::maxAbsWeight);
    long skewMillis = v.get("maxFutureSkewMillis", "a whole number", c::maxFutureSkewMillis);
    long snapshotEvery = v.get("snapshotEveryRecords", "a whole number", c::snapshotEveryRecords);
    int snapshotsToKeep = v.get("snapshotsToKeep", "a whole number", c::snapshotsToKeep);
    long ackTimeoutMillis = v.get("ackTimeoutMillis", "a whole number", c::ackTimeoutMillis);
    long leaderWaitMillis = v.get("leaderWaitMillis", "a whole number", c::leaderWaitMillis);
    long readWaitMax = v.get("read.wait.max.ms", "a whole number", c::read_wait_max_ms);
    long readQuantum = v.get("read.quantum.us", "a whole number", c::read_quantum_us);
    long sessionTtl = v.get("session.ttl.ms", "a whole number", c::session_ttl_ms);
    int sessionsPerTenant =
        v.get("session.max.per.tenant", "a whole number", c::session_max_per_tenant);
    long seqGap = v.get("session.max.seq.gap", "a whole number", c::session_max_seq_gap);
    int window = v.get("session.max.window", "a whole number", c::session_max_window);
    if (directory == null || directory.isBlank()) {
      throw v.refuse("directory", directory, "must not be blank");
    }
    StoreConfig.Builder b = StoreConfig.builder(Path.of(directory));
    v.check("region", region, () -> b.region(RegionId.of(region)));
    v.check("tenants", tenants, () -> b.tenants(tenants));
    v.check(
        "defaultHalfLifeMillis",
        halfLifeMillis,
        () -> b.defaultHalfLife(Duration.ofMillis(halfLifeMillis)));
    v.check("maxAbsWeight", maxAbsWeight, () -> b.maxAbsWeight(maxAbsWeight));
    v.check(
        "maxFutureSkewMillis", skewMillis, () -> b.maxFutureSkew(Duration.ofMillis(skewMillis)));
    v.check("snapshotEveryRecords", snapshotEvery, () -> b.snapshotEveryRecords(snapshotEvery));
    v.check("snapshotsToKeep", snapshotsToKeep, () -> b.snapshotsToKeep(snapshotsToKeep));
    v.check(
        "ackTimeoutMillis",
        ackTimeoutMillis,
        () -> b.ackTimeout(Duration.ofMillis(ackTimeoutMillis)));
    v.check(
        "leaderWaitMillis",
        leaderWaitMillis,
        () -> b.leaderWait(Duration.ofMillis(leaderWaitMillis)));
    v.check("read.wait.max.ms", readWaitMax, () -> b.readWaitMax(Duration.ofMillis(readWaitMax)));
    // clamped before the µs become ns, so a huge value is refused, not wrapped around into range
    long quantumMicros = Math.max(-1, Math.min(readQuantum, 2_000_000L));
    v.check(
        "read.quantum.us",
        readQuantum,
        () -> b.readQuantum(Duration.ofNanos(quantumMicros * 1000)));
    v.check("session.ttl.ms", sessionTtl, () -> b.sessionTtl(Duration.ofMillis(sessionTtl)));
    v.check(
        "session.max.per.tenant",
        sessionsPerTenant,
        () -> b.sessionMaxPerTenant(sessionsPerTenant));
    v.check("session.max.seq.gap", seqGap, () -> b.sessionMaxSeqGap(seqGap));
    v.check("session.max.window", window, () -> b.sessionMaxWindow(window));
    for (String entry : halfLives) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw v.refuse("halfLives", entry, "must be 'type=millis'");
      }
      long millis;
      try {
        millis = Long.parseLong(entry.substring(eq + 1).trim());
      } catch (NumberFormatException e) {
        throw v.refuse("halfLives", entry, "millis must be a whole number");
      }
      v.check(
          "halfLives",
          entry,
          () -> b.halfLife(entry.substring(0, eq).trim(), Duration.ofMillis(millis)));
    }
    return b.build();
  }

  /**
   * Takes a configuration change while the store runs, without closing it: the new values are
   * validated first; the tenants, the weight bound and the half-lives of types without state apply
   * live; anything else that changed (the directory, the region, the half-life of a type with
   * state, the settings fixed while a store is open) refuses the whole change. A refused change
   * keeps the serving configuration and logs one WARN line naming key, value and rule ({@link
   * LiveConfig}). (Without this method DS would close the store and open it again on every change.)
   *
   * @param config the new configuration
   * @param properties the new component properties as configured
   */
  @Modified
  public void modified(Config config, Map<String, Object> properties) {
    Set<String> changed = live.changed(properties);
    if (changed.isEmpty()) {
      return;
    }
    StoreConfig next;
    try {
      next = toStoreConfig(config, ConfigValues.quiet(PID, properties));
    } catch (InvalidArgumentException e) {
      live.refuse(List.of(LiveConfig.Refusal.of(e)));
      return;
    }
    List<LiveConfig.Refusal> refused = new ArrayList<>();
    for (String key : changed) {
      String rule = FIXED_KEYS.get(key);
      if (rule != null) {
        refused.add(new LiveConfig.Refusal(key, properties.get(key), rule));
      }
    }
    if (!refused.isEmpty()) {
      live.refuse(refused);
      return;
    }
    try {
      engine.reconfigure(next);
    } catch (InvalidArgumentException e) {
      Object value =
          properties.containsKey(e.argument()) ? properties.get(e.argument()) : e.value();
      live.refuse(List.of(new LiveConfig.Refusal(e.argument(), value, e.rule())));
      return;
    }
    live.accepted(properties, changed);
  }

  private static Map<String, String> fixedKeys() {
    String opens =
        "applies only when the store opens: restart the node (or the io.tidaldb.store bundle) to"
            + " apply it";
    Map<String, String> m = new HashMap<>();
    m.put(
        "directory",
        "the store's data directory cannot change while it runs (its snapshots and node.id are"
            + " there); stop the node, move the data, then change it");
    m.put(
        "region",
        "the region id is part of every replica id the store has handed out; it never changes"
            + " while the store runs");
    for (String key :
        List.of(
            "maxFutureSkewMillis",
            "snapshotEveryRecords",
            "snapshotsToKeep",
            "ackTimeoutMillis",
            "leaderWaitMillis",
            "read.wait.max.ms",
            "read.quantum.us",
            "session.ttl.ms",
            "session.max.per.tenant",
            "session.max.seq.gap",
            "session.max.window")) {
      m.put(key, opens);
    }
    return Map.copyOf(m);
  }

  @Override
  public void collect(MetricsSink sink) {
    engine.collectMetrics(sink);
  }

  /**
   * Binds the region's tenant registry (optional, dynamic, greedy; pick the region's with {@code
   * tenants.target=(region=<n>)}): protects the configured tenants from deletion and listens for
   * changes. Stopping the tenancy bundle never closes the store: it keeps the last known tenants.
   *
   * @param tenants the region's tenant directory
   */
  @Reference(
      name = "tenants",
      service = TenantDirectory.class,
      cardinality = ReferenceCardinality.OPTIONAL,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY,
      unbind = "unbindTenants")
  void bindTenants(TenantDirectory tenants) {
    synchronized (directoryLock) {
      if (directory != null) {
        directory.removeListener(tenantListener);
      }
      directory = tenants;
      Set<TenantId> configured = new java.util.HashSet<>();
      for (String name : engine.configuredTenants()) {
        configured.add(TenantId.of(name));
      }
      tenants.protect(TENANTS_OWNER, configured);
      tenants.addListener(tenantListener);
    }
  }

  /**
   * Unbinds the registry; the store keeps the tenants it last heard of.
   *
   * @param tenants the directory going away
   */
  void unbindTenants(TenantDirectory tenants) {
    synchronized (directoryLock) {
      tenants.removeListener(tenantListener);
      tenants.protect(TENANTS_OWNER, Set.of());
      if (directory == tenants) {
        directory = null;
      }
    }
  }

  /** Who protects the configured tenants from deletion. */
  static final String TENANTS_OWNER = "store configuration key 'tenants' (PID " + PID + ")";

  /** Detaches the store from the replication, then flushes, checkpoints and closes it. */
  @Deactivate
  public void deactivate() {
    synchronized (directoryLock) {
      if (directory != null) {
        directory.removeListener(tenantListener);
      }
    }
    try {
      if (replication != null) {
        replication.detach(engine);
      }
    } finally {
      engine.close();
    }
  }

  @Override
  public long submit(
      TenantId tenant, SignalType type, long entity, double weight, long eventTimeMillis) {
    return engine.submit(tenant, type, entity, weight, eventTimeMillis);
  }

  @Override
  public void awaitDurable(long ticket, Duration timeout) {
    engine.awaitDurable(ticket, timeout);
  }

  @Override
  public void check(Signal signal) {
    engine.check(signal);
  }

  @Override
  public SignalAck signal(Signal signal, Durability durability) {
    return engine.signal(signal, durability);
  }

  @Override
  public CompletableFuture<SignalAck> signalAsync(Signal signal, Durability durability) {
    return engine.signalAsync(signal, durability);
  }

  @Override
  public SignalAck signal(Signal signal, Durability durability, SessionSeq session) {
    return engine.signal(signal, durability, session);
  }

  @Override
  public CompletableFuture<SignalAck> signalAsync(
      Signal signal, Durability durability, SessionSeq session) {
    return engine.signalAsync(signal, durability, session);
  }

  @Override
  public CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return engine.signalBatchAsync(signals, durability, session);
  }

  @Override
  public CompletableFuture<List<SignalAck>> signalBatchAsync(
      List<Signal> signals, Durability durability) {
    return engine.signalBatchAsync(signals, durability);
  }

  @Override
  public List<CompletableFuture<SignalAck>> signalEachAsync(
      List<Signal> signals, Durability durability, SessionSeq session) {
    return engine.signalEachAsync(signals, durability, session);
  }

  @Override
  public SignalAggregate read(TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    return engine.read(tenant, type, entity, at);
  }

  @Override
  public SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, ReadToken after) {
    return engine.read(tenant, type, entity, at, after);
  }

  @Override
  public SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, Duration maxLag) {
    return engine.read(tenant, type, entity, at, maxLag);
  }

  @Override
  public List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, ReadToken after) {
    return engine.top(tenant, type, k, at, after);
  }

  @Override
  public List<RankedEntity> top(
      TenantId tenant, SignalType type, int k, Timestamp at, Duration maxLag) {
    return engine.top(tenant, type, k, at, maxLag);
  }

  @Override
  public StoreStatus status() {
    return engine.status();
  }

  @Override
  public java.util.Optional<io.tidaldb.api.TenantUsage> usage(TenantId tenant) {
    return engine.usage(tenant);
  }

  @Override
  public List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at) {
    return engine.top(tenant, type, k, at);
  }

  @Override
  public int shardCount() {
    return engine.reconcileState().shardCount();
  }

  @Override
  public Set<TenantId> tenants(int shard) {
    return engine.reconcileState().tenants(shard);
  }

  @Override
  public void bucketDigests(int shard, TenantId tenant, long[] into) {
    engine.reconcileState().bucketDigests(shard, tenant, into);
  }

  @Override
  public void forEachInBuckets(int shard, TenantId tenant, BitSet buckets, EntityVisitor visitor) {
    engine.reconcileState().forEachInBuckets(shard, tenant, buckets, visitor);
  }

  @Override
  public int entityCount(int shard, TenantId tenant) {
    return engine.reconcileState().entityCount(shard, tenant);
  }

  @Override
  public void segmentDigests(int shard, TenantId tenant, BitSet buckets, long[] into) {
    engine.reconcileState().segmentDigests(shard, tenant, buckets, into);
  }

  @Override
  public void forEachInSegments(
      int shard, TenantId tenant, BitSet segments, EntityVisitor visitor) {
    engine.reconcileState().forEachInSegments(shard, tenant, segments, visitor);
  }

  @Override
  public List<EntityState> states(int shard, TenantId tenant, Collection<EntityKey> keys) {
    return engine.reconcileState().states(shard, tenant, keys);
  }

  @Override
  public MergeReport merge(int shard, TenantId tenant, List<EntityState> states) {
    return engine.reconcileState().merge(shard, tenant, states);
  }

  @Override
  public ShardEpochs epochs(int shard) {
    return engine.reconcileState().epochs(shard);
  }

  @Override
  public ClosedDigest closedDigest(int shard, long throughEpoch) {
    return engine.reconcileState().closedDigest(shard, throughEpoch);
  }

  @Override
  public CompletableFuture<Long> compact(int shard, long throughEpoch) {
    return engine.reconcileState().compact(shard, throughEpoch);
  }
}
