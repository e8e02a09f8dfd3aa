package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.crdt.DecayModel;
import io.tidaldb.session.table.SessionConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The store's configuration. Immutable; build it with {@link #builder(Path)}. Every setter
 * validates its value and throws an {@link InvalidArgumentException} naming it.
 */
public final class StoreConfig {
  /** The default {@link #leaderWait()}, in ms. */
  public static final long DEFAULT_LEADER_WAIT_MILLIS = 1_000L;

  /** The default {@link #readWaitMax()}, in ms. */
  public static final long DEFAULT_READ_WAIT_MAX_MILLIS = 1_000L;

  /** The default {@link #readQuantum()}, in µs. */
  public static final long DEFAULT_READ_QUANTUM_MICROS = 100L;

  private final Path directory;
  private final RegionId region;
  private final Set<String> tenants;
  private final long defaultHalfLifeMillis;
  private final Map<String, Long> halfLifeByType;
  private final double maxAbsWeight;
  private final long maxFutureSkewMillis;
  private final long snapshotEveryRecords;
  private final int snapshotsToKeep;
  private final int snapshotBufferBytes;
  private final Executor snapshotExecutor;
  private final Duration ackTimeout;
  private final Duration leaderWait;
  private final Duration readWaitMax;
  private final Duration readQuantum;
  private final LongSupplier clock;
  private final SessionConfig sessions;

  private StoreConfig(Builder b) {
    this.directory = b.directory;
    this.region = b.region;
    LinkedHashSet<String> t = new LinkedHashSet<>(b.tenants);
    t.add(TenantId.DEFAULT.name());
    this.tenants = Collections.unmodifiableSet(t);
    this.defaultHalfLifeMillis = b.defaultHalfLifeMillis;
    this.halfLifeByType = Map.copyOf(b.halfLifeByType);
    this.maxAbsWeight = b.maxAbsWeight;
    this.maxFutureSkewMillis = b.maxFutureSkewMillis;
    this.snapshotEveryRecords = b.snapshotEveryRecords;
    this.snapshotsToKeep = b.snapshotsToKeep;
    this.snapshotBufferBytes = b.snapshotBufferBytes;
    this.snapshotExecutor = b.snapshotExecutor;
    this.ackTimeout = b.ackTimeout;
    this.leaderWait = b.leaderWait;
    this.readWaitMax = b.readWaitMax;
    this.readQuantum = b.readQuantum;
    this.clock = b.clock;
    this.sessions = b.sessions;
  }

  /**
   * Starts a configuration whose snapshots and node identity live in {@code directory}.
   *
   * @param directory the store's directory (created if missing)
   * @return a builder with the defaults
   */
  public static Builder builder(Path directory) {
    return new Builder(directory);
  }

  /** Returns the directory of snapshots and the node identity file. */
  public Path directory() {
    return directory;
  }

  /** Returns this node's region. */
  public RegionId region() {
    return region;
  }

  /** Returns the known tenant names; always includes {@code default}. */
  public Set<String> tenants() {
    return tenants;
  }

  /** Returns the decay model of a signal type: its configured half-life or the default. */
  public DecayModel decayFor(String typeName) {
    return DecayModel.ofHalfLife(halfLifeByType.getOrDefault(typeName, defaultHalfLifeMillis));
  }

  /** Returns whether a signal type has a half-life of its own (else it takes the default). */
  public boolean hasOwnHalfLife(String typeName) {
    return halfLifeByType.containsKey(typeName);
  }

  /** Returns the largest accepted absolute weight. */
  public double maxAbsWeight() {
    return maxAbsWeight;
  }

  /** Returns how far in the future of the local clock an event time may lie. */
  public long maxFutureSkewMillis() {
    return maxFutureSkewMillis;
  }

  /** Returns after how many applied records a shard writes a snapshot. */
  public long snapshotEveryRecords() {
    return snapshotEveryRecords;
  }

  /** Returns how many snapshots per shard are kept (the WAL is kept back to the oldest). */
  public int snapshotsToKeep() {
    return snapshotsToKeep;
  }

  /** Returns the size of the chunks snapshots are written and read in. */
  public int snapshotBufferBytes() {
    return snapshotBufferBytes;
  }

  /** Returns the executor periodic snapshots are written on, or null for the store's own thread. */
  public Executor snapshotExecutor() {
    return snapshotExecutor;
  }

  /** Returns how long {@code signal} waits for durability before giving up. */
  public Duration ackTimeout() {
    return ackTimeout;
  }

  /**
   * Returns how long a write at a region that finds no leader of its shard (an election) or cannot
   * reach it waits for one before it fails (see {@code WritePath}).
   */
  public Duration leaderWait() {
    return leaderWait;
  }

  /**
   * Returns how long a read carrying a {@link io.tidaldb.api.ReadToken} waits at most for this
   * region to apply the shard's log through the token's position before it fails as stale.
   */
  public Duration readWaitMax() {
    return readWaitMax;
  }

  /**
   * Returns how long a thread may run reads back to back before it yields its CPU once, so the
   * commit path's threads are not kept waiting behind readers (zero: never yields; see {@code
   * ReadQuantum}).
   */
  public Duration readQuantum() {
    return readQuantum;
  }

  /** Returns the wall clock in ms since the epoch. */
  public LongSupplier clock() {
    return clock;
  }

  /**
   * Returns the policy of every shard's session table (ttl, live sessions per tenant, seq gap,
   * window); every region must use the same values, since expiry is decided from the log.
   */
  public SessionConfig sessions() {
    return sessions;
  }

  /** Builds a {@link StoreConfig}. */
  public static final class Builder {
    private final Path directory;
    private RegionId region = RegionId.of(0);
    private final Set<String> tenants = new LinkedHashSet<>();
    private long defaultHalfLifeMillis = Duration.ofDays(1).toMillis();
    private final Map<String, Long> halfLifeByType = new HashMap<>();
    private double maxAbsWeight = 1e12;
    private long maxFutureSkewMillis = Duration.ofMinutes(5).toMillis();
    private long snapshotEveryRecords = 10_000_000;
    private int snapshotsToKeep = 2;
    private int snapshotBufferBytes = 1 << 20;
    private Executor snapshotExecutor;
    private Duration ackTimeout = Duration.ofSeconds(30);
    private Duration leaderWait = Duration.ofMillis(DEFAULT_LEADER_WAIT_MILLIS);
    private Duration readWaitMax = Duration.ofMillis(DEFAULT_READ_WAIT_MAX_MILLIS);
    private Duration readQuantum = Duration.ofNanos(DEFAULT_READ_QUANTUM_MICROS * 1000);
    private LongSupplier clock = System::currentTimeMillis;
    private SessionConfig sessions = SessionConfig.DEFAULTS;

    private Builder(Path directory) {
      if (directory == null) {
        throw new InvalidArgumentException("store directory", null, "must be set");
      }
      this.directory = directory;
    }

    /** Sets this node's region (default 0). */
    public Builder region(RegionId value) {
      this.region = value;
      return this;
    }

    /** Adds known tenants besides {@code default}; names are validated. */
    public Builder tenants(String... names) {
      for (String name : names) {
        tenants.add(TenantId.of(name.trim()).name());
      }
      return this;
    }

    /** Sets the half-life of types without their own (default one day). */
    public Builder defaultHalfLife(Duration halfLife) {
      this.defaultHalfLifeMillis = positiveMillis("default half-life", halfLife);
      return this;
    }

    /** Sets the half-life of one signal type. Every region must use the same value. */
    public Builder halfLife(String typeName, Duration halfLife) {
      halfLifeByType.put(SignalType.of(typeName).name(), positiveMillis("half-life", halfLife));
      return this;
    }

    /** Sets the largest accepted absolute weight (default 1e12). */
    public Builder maxAbsWeight(double value) {
      if (!(value > 0) || Double.isInfinite(value)) {
        throw new InvalidArgumentException("max abs weight", value, "must be finite and > 0");
      }
      this.maxAbsWeight = value;
      return this;
    }

    /** Sets how far ahead of the local clock event times may lie (default 5 minutes). */
    public Builder maxFutureSkew(Duration skew) {
      if (skew.isNegative()) {
        throw new InvalidArgumentException("max future skew", skew, "must be >= 0");
      }
      this.maxFutureSkewMillis = skew.toMillis();
      return this;
    }

    /** Sets after how many records a shard writes a snapshot (default 10,000,000). */
    public Builder snapshotEveryRecords(long records) {
      if (records < 1) {
        throw new InvalidArgumentException("snapshot every records", records, "must be >= 1");
      }
      this.snapshotEveryRecords = records;
      return this;
    }

    /** Sets how many snapshots per shard to keep, at least 2 (default 2). */
    public Builder snapshotsToKeep(int count) {
      if (count < 2) {
        throw new InvalidArgumentException("snapshots to keep", count, "must be >= 2");
      }
      this.snapshotsToKeep = count;
      return this;
    }

    /**
     * Sets the size of the chunks a snapshot body is streamed through when written and read
     * (default 1 MiB, at least 4 KiB); an entry larger than a chunk gets a chunk of its own.
     */
    public Builder snapshotBufferBytes(int bytes) {
      if (bytes < 4096 || bytes > 1 << 30) {
        throw new InvalidArgumentException("snapshot buffer bytes", bytes, "must be 4 KiB..1 GiB");
      }
      this.snapshotBufferBytes = bytes;
      return this;
    }

    /**
     * Sets the executor periodic snapshots are written on, off the commit threads (default null:
     * one daemon thread per store, stopped on close). Tests pass one they run by hand.
     */
    public Builder snapshotExecutor(Executor executor) {
      this.snapshotExecutor = executor;
      return this;
    }

    /** Sets how long {@code signal} waits for durability (default 30 s). */
    public Builder ackTimeout(Duration timeout) {
      positiveMillis("ack timeout", timeout);
      this.ackTimeout = timeout;
      return this;
    }

    /**
     * Sets how long a write waits for a reachable leader of its shard before it fails (default
     * {@value StoreConfig#DEFAULT_LEADER_WAIT_MILLIS} ms; 0 fails at once).
     */
    public Builder leaderWait(Duration wait) {
      if (wait == null || wait.isNegative()) {
        throw new InvalidArgumentException("leader wait", wait, "must be at least 0 ms");
      }
      this.leaderWait = wait;
      return this;
    }

    /**
     * Sets how long a read with a token waits for this region to apply it ({@code
     * read.wait.max.ms}, default {@value #DEFAULT_READ_WAIT_MAX_MILLIS} ms; 0 to 1 h, 0 fails at
     * once).
     */
    public Builder readWaitMax(Duration wait) {
      if (wait == null || wait.isNegative() || wait.compareTo(Duration.ofHours(1)) > 0) {
        throw new InvalidArgumentException("read wait max", wait, "must be 0 ms to 1 h");
      }
      this.readWaitMax = wait;
      return this;
    }

    /**
     * Sets how long a thread may read back to back before it yields its CPU once ({@code
     * read.quantum.us}, default {@value #DEFAULT_READ_QUANTUM_MICROS} µs; 0 to 1 s, 0 never
     * yields).
     */
    public Builder readQuantum(Duration quantum) {
      if (quantum == null || quantum.isNegative() || quantum.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new InvalidArgumentException("read quantum", quantum, "must be 0 µs to 1 s");
      }
      this.readQuantum = quantum;
      return this;
    }

    /** Sets the wall clock (tests pass a controllable one). */
    public Builder clock(LongSupplier millis) {
      this.clock = millis;
      return this;
    }

    /**
     * Sets how long an idle client session lives in a shard's session table ({@code
     * session.ttl.ms}, default 24 h; 1 ms to {@link SessionConfig#MAX_TTL_MILLIS}).
     */
    public Builder sessionTtl(Duration ttl) {
      this.sessions = sessions.withTtlMillis(positiveMillis("session.ttl", ttl));
      return this;
    }

    /**
     * Sets how many live sessions of one tenant a shard keeps before it refuses a new one ({@code
     * session.max.per.tenant}, default {@value SessionConfig#DEFAULT_MAX_SESSIONS_PER_TENANT}, at
     * least 1).
     */
    public Builder sessionMaxPerTenant(int max) {
      this.sessions = sessions.withMaxSessionsPerTenant(max);
      return this;
    }

    /**
     * Sets how far a session's seq may jump above the highest the shard saw ({@code
     * session.max.seq.gap}, default 2^20; 1 to 2^31 - 1).
     */
    public Builder sessionMaxSeqGap(long gap) {
      this.sessions = sessions.withMaxSeqGap(gap);
      return this;
    }

    /**
     * Sets how many unacknowledged seqs one session may hold in one shard's window ({@code
     * session.max.window}, default {@value SessionConfig#DEFAULT_MAX_WINDOW}; 1 to {@value
     * SessionConfig#MAX_WINDOW}).
     */
    public Builder sessionMaxWindow(int max) {
      this.sessions = sessions.withMaxWindow(max);
      return this;
    }

    /** Returns the configuration. */
    public StoreConfig build() {
      return new StoreConfig(this);
    }

    private static long positiveMillis(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero() || d.toMillis() == 0) {
        throw new InvalidArgumentException(what, d, "must be at least 1 ms");
      }
      return d.toMillis();
    }
  }
}
