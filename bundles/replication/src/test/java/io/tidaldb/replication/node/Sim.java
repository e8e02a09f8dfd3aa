package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic simulation of the replication data path for one seed: 3 or 5 regions, each a real
 * {@link ReplicationNode} driven single-threaded ({@link SimRegion}) over in-memory logs ({@link
 * SimLog}) and a simulated network ({@link SimNetwork}), 1 to 3 shards, writers at LOCAL, QUORUM
 * and ALL through each region's write path ({@link SimWriters}: append, forward, local stream),
 * reconciliation sessions now and then ({@link SimReconcile}) and random faults ({@link SimFaults})
 * for {@link #FAULT_NANOS}; then everything heals, it runs until quiescence (every shard has one
 * leader taking writes, every region's log equals it, nothing pending), every region reconciles
 * with every other, and {@link SimChecker} checks the history. Never two leaders in one epoch is
 * checked after every tick. Time is virtual: ticks of {@link #TICK_NANOS}, each delivering the
 * frames due and running every region's due work.
 */
final class Sim {
  static final long MS = 1_000_000L;
  static final long TICK_NANOS = MS;
  static final long FAULT_NANOS = 3_000 * MS;
  static final long QUIESCENCE_LIMIT_NANOS = 30_000 * MS;

  /** The chance per tick of a reconciliation session during the faults. */
  static final double RECONCILE_CHANCE = 1.0 / 100;

  /** The simulation's time. */
  @FunctionalInterface
  interface Now {
    long nanos();
  }

  /** What a run found: null failure if every check passed. */
  record Result(
      long seed,
      int regions,
      int shards,
      String failure,
      long traceHash,
      String detail,
      String trace,
      int localWrites,
      int forwardedWrites,
      int statesMerged,
      int cutSuffixSignals,
      Sessions sessions) {}

  /**
   * What the session clients did (all 0 without them); {@code parts} of the {@code writes} are
   * session batch parts, holding {@code partSignals} signals.
   */
  record Sessions(
      int writes,
      int parts,
      int partSignals,
      int retries,
      int duplicates,
      int lostReplies,
      int cutDropped,
      int localStoredTwice,
      int localCompensated) {
    static final Sessions NONE = new Sessions(0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  /**
   * Whether about half the writes are client session writes ({@code -Dsimulation.sessions}, on by
   * default; {@code =false} for the writers without sessions).
   */
  static boolean sessionsOn() {
    return Boolean.parseBoolean(System.getProperty("simulation.sessions", "true"));
  }

  /**
   * Whether only the region that appended a cut LOCAL session record (its origin, the deposed
   * leader) keeps it in its set of cut LOCAL records: by default ({@code origin}), as the store
   * does since wp-lcut2; {@code -Dsimulation.compensate=holders} runs wp-lcut's first rule (every
   * region whose cut takes it), for comparison.
   */
  static boolean compensatesAtOriginOnly() {
    String at = System.getProperty("simulation.compensate", "origin");
    if (!at.equals("holders") && !at.equals("origin")) {
      throw new IllegalArgumentException(
          "simulation.compensate: '" + at + "' is neither 'holders' nor 'origin'");
    }
    return at.equals("origin");
  }

  /**
   * Whether a session client sends a LOCAL write's retries at QUORUM from its first attempt at
   * another region on: by default ({@code quorum}), as {@code SessionClient} does, so a retried
   * LOCAL write acknowledged at another region is a committed record, never cut; {@code
   * -Dsimulation.localRetries=local} sends every retry at LOCAL, as the client did before, for
   * comparison.
   */
  static boolean localRetriesAtQuorum() {
    String at = System.getProperty("simulation.localRetries", "quorum");
    if (!at.equals("local") && !at.equals("quorum")) {
      throw new IllegalArgumentException(
          "simulation.localRetries: '" + at + "' is neither 'local' nor 'quorum'");
    }
    return at.equals("quorum");
  }

  private final long seed;
  private final int shards;
  private final SplittableRandom random;
  private final SimTrace trace = new SimTrace();
  private final SimNetwork network;
  private final List<SimRegion> regions = new ArrayList<>();
  private final List<RegionId> ids = new ArrayList<>();
  private final SimWriters writers;
  private final SimReconcile reconcile = new SimReconcile(this);
  private final SimStored stored = new SimStored(this);
  private final boolean reconciles;
  private final Path directory;
  private final List<Map<Long, Integer>> leaderOfEpoch = new ArrayList<>();
  private final long[][] ledEpoch;
  private long now;
  private String violation;

  Sim(long seed, int regionCount, Path root) {
    this(seed, regionCount, root, true);
  }

  /**
   * @param reconciles false to run no reconciliation at all (the checker must then find the
   *     regions' states apart whenever a region took a write the others never got: the test of the
   *     checker)
   */
  Sim(long seed, int regionCount, Path root, boolean reconciles) {
    this(seed, regionCount, root, reconciles, sessionsOn());
  }

  /**
   * @param sessions whether about half the writes are client session writes ({@link SimClients})
   */
  Sim(long seed, int regionCount, Path root, boolean reconciles, boolean sessions) {
    this.reconciles = reconciles;
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    this.shards = 1 + random.nextInt(3);
    this.network = new SimNetwork(regionCount, random, trace);
    this.directory = root.resolve("seed-" + seed);
    this.writers = new SimWriters(this, sessions);
    this.ledEpoch = new long[regionCount][shards];
    for (int s = 0; s < shards; s++) {
      leaderOfEpoch.add(new HashMap<>());
    }
    for (int i = 0; i < regionCount; i++) {
      ids.add(RegionId.of(i));
      long offset = random.nextLong(1L << 40);
      double rate = 1 + (random.nextDouble() - 0.5) * 4e-3; // +-0.2 %
      regions.add(new SimRegion(this, i, shards, directory.resolve("region-" + i), offset, rate));
      java.util.Arrays.fill(ledEpoch[i], -1);
    }
  }

  long now() {
    return now;
  }

  SplittableRandom random() {
    return random;
  }

  SimTrace trace() {
    return trace;
  }

  SimNetwork network() {
    return network;
  }

  List<SimRegion> regions() {
    return regions;
  }

  int shards() {
    return shards;
  }

  /** Every signal some region's store applied (shard log or local stream). */
  SimStored stored() {
    return stored;
  }

  void violation(String what) {
    if (violation == null) {
      violation = what;
    }
  }

  /** Runs the seed to its end and checks the history. */
  Result run() {
    try {
      return runChecked();
    } catch (RuntimeException | AssertionError e) { // thrown by a node or the model: keep the seed
      java.io.StringWriter stack = new java.io.StringWriter();
      e.printStackTrace(new java.io.PrintWriter(stack));
      return new Result(
          seed,
          regions.size(),
          shards,
          "thrown at " + SimTrace.ms(now) + ": " + stack,
          trace.hash(),
          "",
          trace.tail(),
          writers.local(),
          writers.forwarded(),
          reconcile.merged(),
          0,
          sessions());
    } finally {
      if (Files.exists(directory)) {
        TestDirs.delete(directory);
      }
    }
  }

  private Result runChecked() {
    for (SimRegion r : regions) {
      r.start(ids);
    }
    SimFaults faults = new SimFaults(this, 1.0 / 120);
    trace.event(now, regions.size() + " regions, " + shards + " shards, seed " + seed);
    while (now < FAULT_NANOS && violation == null) {
      faults.maybeInject();
      if (random.nextDouble() < 0.1) {
        writers.write();
      }
      if (random.nextDouble() < RECONCILE_CHANCE && reconciles) {
        reconcile.maybeSession();
      }
      tick();
    }
    faults.healAll();
    long limit = now + QUIESCENCE_LIMIT_NANOS;
    while (violation == null && !quiescent()) {
      if (now > limit) {
        violation =
            "no quiescence " + SimTrace.ms(QUIESCENCE_LIMIT_NANOS) + " after the heal: " + why();
      }
      tick();
    }
    if (violation == null && reconciles) {
      violation = reconcile.all();
    }
    String failure = violation != null ? violation : new SimChecker(this, writers).check();
    if (failure != null) {
      failure += "\n" + SimChecker.logs(this);
    }
    int cutSuffix = SimChecker.cutSuffixSignals(this);
    String detail = detail(faults, cutSuffix);
    return new Result(
        seed,
        regions.size(),
        shards,
        failure,
        trace.hash(),
        detail,
        trace.tail(),
        writers.local(),
        writers.forwarded(),
        reconcile.merged(),
        cutSuffix,
        sessions());
  }

  private Sessions sessions() {
    SimClients c = writers.clients();
    return c == null
        ? Sessions.NONE
        : new Sessions(
            c.writes().size(),
            c.parts(),
            c.partSignals(),
            c.retries(),
            c.duplicates(),
            c.lostReplies(),
            stored.drops(),
            new SimSessionChecker(this, c).localStoredTwice(),
            stored.compensated().size());
  }

  /** The run's summary line. */
  private String detail(SimFaults faults, int cutSuffix) {
    return String.format(
        "%d faults, %d writes (%d forwarded, %d local, %d refused), %d signals stored"
            + " (%d of a cut suffix in no log), %d reconciliations (%d states changed),"
            + " %d frames, %s simulated; %s",
        faults.injected(),
        writers.writes().size(),
        writers.forwarded(),
        writers.local(),
        writers.refused(),
        stored.signals().size(),
        cutSuffix,
        reconcile.sessions(),
        reconcile.merged(),
        trace.frames(),
        SimTrace.ms(now),
        sessions());
  }

  /** One tick: frames due, every region's work in a seeded order, the safety check. */
  private void tick() {
    network.deliverDue(now);
    writers.step();
    int first = random.nextInt(regions.size());
    for (int i = 0; i < regions.size(); i++) {
      regions.get((first + i) % regions.size()).round(8, 0.5);
    }
    checkLeaders();
    now += TICK_NANOS;
  }

  /** Never two leaders in one epoch of a shard (and a trace line per new leadership). */
  private void checkLeaders() {
    for (SimRegion r : regions) {
      if (!r.up()) {
        continue;
      }
      for (int s = 0; s < shards; s++) {
        long e = r.node().leaderEpochOf(s);
        if (e < 0 || e == ledEpoch[r.index][s]) {
          continue;
        }
        ledEpoch[r.index][s] = e;
        Integer earlier = leaderOfEpoch.get(s).putIfAbsent(e, r.index);
        trace.event(now, "region " + r.index + " leads shard " + s + " in epoch " + e);
        if (earlier != null && earlier != r.index && violation == null) {
          violation =
              "two leaders of shard "
                  + s
                  + " in epoch "
                  + e
                  + ": regions "
                  + earlier
                  + " and "
                  + r.index;
        }
      }
    }
  }

  /** The region whose replication takes writes for {@code shard} (the lowest if several), or -1. */
  int leaderOf(int shard) {
    for (SimRegion r : regions) {
      if (r.running() && r.node().leaderEpochOf(shard) >= 0) {
        return r.index;
      }
    }
    return -1;
  }

  void crash(int region, boolean powerLoss) {
    network.drop(region);
    regions.get(region).crash(powerLoss);
    ledEpoch[region] = new long[shards];
    java.util.Arrays.fill(ledEpoch[region], -1);
  }

  void restart(int region) {
    SimRegion r = regions.get(region);
    if (!r.up()) {
      r.start(ids);
      trace.event(now, "restart of region " + region);
    }
  }

  private boolean quiescent() {
    return why() == null;
  }

  /** Why the cluster is not quiescent yet, or null. */
  String why() {
    if (writers.anyPending()) {
      return "writes wait for their durability";
    }
    for (int s = 0; s < shards; s++) {
      int leader = -1;
      for (SimRegion r : regions) {
        if (!r.running() || !r.settled()) {
          return "region " + r.index + " is down or has pending appends";
        }
        if (leads(r, s)) {
          if (leader >= 0) {
            return "shard " + s + " has two active leaders " + leader + " and " + r.index;
          }
          leader = r.index;
        }
      }
      if (leader < 0) {
        return "shard " + s + " has no leader taking writes";
      }
      for (SimRegion r : regions) {
        String withholds = r.store().sessions().withholds();
        if (withholds != null) {
          return "region " + r.index + " withholds a state from reconciliation: " + withholds;
        }
        String awaits = r.store().awaitsCommit();
        if (awaits != null) {
          return "region " + r.index + ": " + awaits;
        }
      }
      List<SimBatch> expected = regions.get(leader).log(s).durableBatches();
      for (SimRegion r : regions) {
        if (!SimChecker.same(expected, r.log(s).durableBatches())) {
          return "shard " + s + ": the log of region " + r.index + " differs from leader " + leader;
        }
      }
    }
    return null;
  }

  private static boolean leads(SimRegion r, int shard) {
    try {
      r.node().checkLeaderEpoch(shard);
      return true;
    } catch (io.tidaldb.api.replication.NotLeaderException e) {
      return false;
    }
  }
}
