package io.tidaldb.testkit;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.wal.WalConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a {@link SimulatedCluster} is built from. Immutable: every {@code with*} method returns a
 * copy and validates its value, throwing an {@link InvalidArgumentException} that names it.
 *
 * <p>Defaults ({@link #threeRegions()}): regions 0, 1 and 2; 4 shards; tenant {@code default}; 50
 * ms heartbeats and a 200 ms election timeout; a 5 s durability timeout; the system clocks; an
 * in-process transport; data in a fresh temporary directory deleted on close; no periodic
 * reconciliation (sessions run on demand, {@link SimulatedCluster#reconcileAll()}, and as retries
 * after a failed one); compaction of closed epochs on.
 */
public final class ClusterConfig {
  /** The most regions one simulated cluster runs (every region runs in this JVM). */
  public static final int MAX_REGIONS = 64;

  /** The most shards a cluster may have (the WAL's limit). */
  public static final int MAX_SHARDS = WalConfig.MAX_SHARDS;

  // Written only by the constructors and, on a fresh copy before it is returned, by the with
  // methods: instances are immutable once a caller has them.
  private List<RegionId> regions;
  private int shards;
  private List<String> tenants;
  private Path directory;
  private Duration heartbeat;
  private Duration election;
  private Duration durabilityTimeout;
  private ManualClock clock;
  private TransportFactory transport;
  private long snapshotEveryRecords;
  private long maxRetainedRecords;
  private long segmentBytes;
  private Duration reconcileInterval = Duration.ZERO;
  private boolean compaction = true;

  private ClusterConfig(
      List<RegionId> regions,
      int shards,
      List<String> tenants,
      Path directory,
      Duration heartbeat,
      Duration election,
      Duration durabilityTimeout,
      ManualClock clock,
      TransportFactory transport,
      long snapshotEveryRecords,
      long maxRetainedRecords,
      long segmentBytes) {
    this.regions = List.copyOf(regions);
    this.shards = shards;
    this.tenants = List.copyOf(tenants);
    this.directory = directory;
    this.heartbeat = heartbeat;
    this.election = election;
    this.durabilityTimeout = durabilityTimeout;
    this.clock = clock;
    this.transport = transport;
    this.snapshotEveryRecords = snapshotEveryRecords;
    this.maxRetainedRecords = maxRetainedRecords;
    this.segmentBytes = segmentBytes;
  }

  /** A copy to change one setting of (the {@code with} methods; nothing else writes a field). */
  private ClusterConfig(ClusterConfig other) {
    this(
        other.regions,
        other.shards,
        other.tenants,
        other.directory,
        other.heartbeat,
        other.election,
        other.durabilityTimeout,
        other.clock,
        other.transport,
        other.snapshotEveryRecords,
        other.maxRetainedRecords,
        other.segmentBytes);
    this.reconcileInterval = other.reconcileInterval;
    this.compaction = other.compaction;
  }

  /**
   * Returns the default three-region configuration (see the class comment).
   *
   * @return regions 0, 1 and 2 with every default
   */
  public static ClusterConfig threeRegions() {
    return regions(3);
  }

  /**
   * Returns a configuration of {@code n} regions, ids 0 to {@code n - 1}, with every other default.
   *
   * @param n how many regions, 1 to {@link #MAX_REGIONS}
   * @return the configuration
   * @throws InvalidArgumentException if {@code n} is out of range
   */
  public static ClusterConfig regions(int n) {
    if (n < 1 || n > MAX_REGIONS) {
      throw new InvalidArgumentException("regions", n, "must be 1.." + MAX_REGIONS);
    }
    List<RegionId> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(RegionId.of(i));
    }
    return new ClusterConfig(
        ids,
        4,
        List.of(TenantId.DEFAULT.name()),
        null,
        Duration.ofMillis(50),
        Duration.ofMillis(200),
        Duration.ofSeconds(5),
        null,
        TransportFactory.inProcess(),
        -1,
        -1,
        -1);
  }

  /**
   * Returns a copy with another shard count.
   *
   * @param count 1 to {@link #MAX_SHARDS}
   * @return the copy
   * @throws InvalidArgumentException if {@code count} is out of range
   */
  public ClusterConfig withShards(int count) {
    if (count < 1 || count > MAX_SHARDS) {
      throw new InvalidArgumentException("shards", count, "must be 1.." + MAX_SHARDS);
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.shards = count;
    return copy;
  }

  /**
   * Returns a copy whose stores know these tenants; {@code default} is always known.
   *
   * @param names tenant names, each a valid {@link TenantId}
   * @return the copy
   * @throws InvalidArgumentException if the array or a name is null or invalid
   */
  public ClusterConfig withTenants(String... names) {
    if (names == null) {
      throw new InvalidArgumentException("tenants", null, "must not be null");
    }
    List<String> list = new ArrayList<>(names.length + 1);
    list.add(TenantId.DEFAULT.name());
    for (String name : names) {
      if (name == null) {
        throw new InvalidArgumentException("tenant", null, "must not be null");
      }
      String valid = TenantId.of(name).name();
      if (!list.contains(valid)) {
        list.add(valid);
      }
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.tenants = List.copyOf(list);
    return copy;
  }

  /**
   * Returns a copy that keeps its data in {@code root} (one {@code region-<n>} folder per region)
   * and leaves it there on close, so a later cluster can reopen it.
   *
   * @param root the root directory, created if missing
   * @return the copy
   * @throws InvalidArgumentException if {@code root} is null
   */
  public ClusterConfig withDirectory(Path root) {
    if (root == null) {
      throw new InvalidArgumentException("directory", null, "must not be null");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.directory = root;
    return copy;
  }

  /**
   * Returns a copy with other leadership timings.
   *
   * @param heartbeatInterval how often a leader heartbeats, {@code > 0}
   * @param electionTimeout the silence after which a follower runs for leader, at least twice the
   *     heartbeat interval
   * @return the copy
   * @throws InvalidArgumentException if a value is null or out of range
   */
  public ClusterConfig withTimings(Duration heartbeatInterval, Duration electionTimeout) {
    positive("heartbeat", heartbeatInterval);
    positive("election timeout", electionTimeout);
    if (electionTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
      throw new InvalidArgumentException(
          "election timeout",
          electionTimeout,
          "must be at least twice the heartbeat interval " + heartbeatInterval);
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.heartbeat = heartbeatInterval;
    copy.election = electionTimeout;
    return copy;
  }

  /**
   * Returns a copy with another durability timeout: how long a QUORUM or ALL write waits, and how
   * long {@link SimulatedCluster#writeSignal} looks for a shard's leader.
   *
   * @param timeout at least 1 ms
   * @return the copy
   * @throws InvalidArgumentException if {@code timeout} is null or below 1 ms
   */
  public ClusterConfig withDurabilityTimeout(Duration timeout) {
    positive("durability timeout", timeout);
    if (timeout.toMillis() < 1) {
      throw new InvalidArgumentException("durability timeout", timeout, "must be at least 1 ms");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.durabilityTimeout = timeout;
    return copy;
  }

  /**
   * Returns a copy whose regions all run on {@code manual} instead of the system clocks.
   *
   * @param manual the clock the test advances
   * @return the copy
   * @throws InvalidArgumentException if {@code manual} is null
   */
  public ClusterConfig withClock(ManualClock manual) {
    if (manual == null) {
      throw new InvalidArgumentException("clock", null, "must not be null");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.clock = manual;
    return copy;
  }

  /**
   * Returns a copy whose regions talk over a transport from {@code factory}.
   *
   * @param factory creates the transport every region shares
   * @return the copy
   * @throws InvalidArgumentException if {@code factory} is null
   */
  public ClusterConfig withTransport(TransportFactory factory) {
    if (factory == null) {
      throw new InvalidArgumentException("transport factory", null, "must not be null");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.transport = factory;
    return copy;
  }

  /**
   * Returns a copy whose stores write a snapshot of a shard every {@code records} applied records
   * (the store's default is 10M), after which a leader trims its log: how tests make a region fall
   * behind a leader's retained log.
   *
   * @param records at least 1
   * @return the copy
   * @throws InvalidArgumentException if {@code records} is below 1
   */
  public ClusterConfig withSnapshotEveryRecords(long records) {
    if (records < 1) {
      throw new InvalidArgumentException("snapshot every records", records, "must be >= 1");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.snapshotEveryRecords = records;
    return copy;
  }

  /**
   * Returns a copy whose leaders keep their log for a follower behind at most {@code records}
   * behind their durable position (replication's default is 20M); a follower further behind is
   * caught up from a snapshot.
   *
   * @param records at least 0
   * @return the copy
   * @throws InvalidArgumentException if {@code records} is negative
   */
  public ClusterConfig withMaxRetainedRecords(long records) {
    if (records < 0) {
      throw new InvalidArgumentException("max retained records", records, "must be >= 0");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.maxRetainedRecords = records;
    return copy;
  }

  /**
   * Returns a copy whose WALs roll segments at {@code bytes} (the test kit's default is 16 MiB): a
   * leader trims its log only by whole segments, so tests that need trimmed logs use small ones.
   *
   * @param bytes the segment size, at least the WAL's minimum
   * @return the copy
   * @throws InvalidArgumentException if {@code bytes} is below the WAL's minimum
   */
  public ClusterConfig withSegmentBytes(long bytes) {
    if (bytes < WalConfig.MIN_BYTES) {
      throw new InvalidArgumentException(
          "segment bytes", bytes, "must be >= " + WalConfig.MIN_BYTES);
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.segmentBytes = bytes;
    return copy;
  }

  /**
   * Returns a copy whose regions also reconcile periodically: every {@code interval}, each running
   * region starts a session with each other region (see {@link SimulatedCluster#reconcileAll()}).
   * The default is zero, off, so that tests which count sessions, bytes or merges see only the ones
   * they ask for; a failed session (a peer unreachable) is retried with back-off either way.
   *
   * @param interval zero (off) or positive
   * @return the copy
   * @throws InvalidArgumentException if {@code interval} is null or negative
   * @since testkit 1.4.0
   */
  public ClusterConfig withReconcileInterval(Duration interval) {
    if (interval == null || interval.isNegative()) {
      throw new InvalidArgumentException("reconcile interval", interval, "must be >= 0 (0 = off)");
    }
    ClusterConfig copy = new ClusterConfig(this);
    copy.reconcileInterval = interval;
    return copy;
  }

  /**
   * Returns the periodic reconciliation interval.
   *
   * @return the interval; zero when periodic sessions are off (the default)
   * @since testkit 1.4.0
   */
  public Duration reconcileInterval() {
    return reconcileInterval;
  }

  /**
   * Returns a copy whose regions compact closed epochs, or do not: with it on (the default), after
   * each region's sessions of {@link SimulatedCluster#reconcileAll()} (and every periodic interval)
   * the leader of a shard probes the other regions and appends a COMPACT record where every region
   * holds the same closed entries (the reconciliation component's {@code compact.enabled}).
   *
   * @param enabled whether leaders compact
   * @return the copy
   * @since testkit 1.5.0
   */
  public ClusterConfig withCompaction(boolean enabled) {
    ClusterConfig copy = new ClusterConfig(this);
    copy.compaction = enabled;
    return copy;
  }

  /**
   * Returns whether leaders compact closed epochs.
   *
   * @return true unless turned off with {@link #withCompaction}
   * @since testkit 1.5.0
   */
  public boolean compaction() {
    return compaction;
  }

  /**
   * Returns the WAL segment size, if set.
   *
   * @return the size; empty for the test kit's default
   */
  public OptionalLong segmentBytes() {
    return segmentBytes < 0 ? OptionalLong.empty() : OptionalLong.of(segmentBytes);
  }

  /**
   * Returns how many applied records a store writes a snapshot after, if set.
   *
   * @return the count; empty for the store's default
   */
  public OptionalLong snapshotEveryRecords() {
    return snapshotEveryRecords < 0 ? OptionalLong.empty() : OptionalLong.of(snapshotEveryRecords);
  }

  /**
   * Returns how far behind its durable position a leader keeps its log for followers, if set.
   *
   * @return the count; empty for replication's default
   */
  public OptionalLong maxRetainedRecords() {
    return maxRetainedRecords < 0 ? OptionalLong.empty() : OptionalLong.of(maxRetainedRecords);
  }

  /**
   * Returns the regions, in configuration order.
   *
   * @return the regions
   */
  public List<RegionId> regions() {
    return regions;
  }

  /**
   * Returns the shard count.
   *
   * @return the number of shards
   */
  public int shards() {
    return shards;
  }

  /**
   * Returns the tenants every store knows, {@code default} first.
   *
   * @return the tenant names
   */
  public List<String> tenants() {
    return tenants;
  }

  /**
   * Returns the root directory given with {@link #withDirectory}.
   *
   * @return the directory, or empty for a temporary one
   */
  public Optional<Path> directory() {
    return Optional.ofNullable(directory);
  }

  /**
   * Returns the heartbeat interval.
   *
   * @return the interval
   */
  public Duration heartbeat() {
    return heartbeat;
  }

  /**
   * Returns the election timeout.
   *
   * @return the timeout
   */
  public Duration election() {
    return election;
  }

  /**
   * Returns the durability timeout.
   *
   * @return the timeout
   */
  public Duration durabilityTimeout() {
    return durabilityTimeout;
  }

  /**
   * Returns the manual clock given with {@link #withClock}.
   *
   * @return the clock, or empty for the system clocks
   */
  public Optional<ManualClock> clock() {
    return Optional.ofNullable(clock);
  }

  /**
   * Returns the transport factory.
   *
   * @return the factory
   */
  public TransportFactory transport() {
    return transport;
  }

  @Override
  public String toString() {
    return "ClusterConfig[regions="
        + regions
        + ", shards="
        + shards
        + ", tenants="
        + tenants
        + ", directory="
        + (directory == null ? "(temporary)" : directory)
        + ", heartbeat="
        + heartbeat
        + ", election="
        + election
        + ", durabilityTimeout="
        + durabilityTimeout
        + ", clock="
        + (clock == null ? "system" : clock)
        + ", reconcileInterval="
        + reconcileInterval
        + ", compaction="
        + compaction
        + "]";
  }

  private static void positive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new InvalidArgumentException(name, value, "must be > 0");
    }
  }
}
