package io.tidaldb.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.transport.inprocess.TransportMetrics;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Link faults on the data path: three regions with real WALs, stores and replication over the
 * in-process transport, under a steady QUORUM write load (a new entity per signal), through (a) a
 * 10 s cut between shard 0's leader and one follower, both ways or only from the leader to the
 * follower, with writes entering at the leader's region and the third region (issue 10's target: no
 * epoch changes, every such write acknowledged), (b) 10 % loss, 5 % duplication and 5 % reordering
 * on every link, (c) a 1 s pause of a follower of shard 0. After the faults end and the cluster
 * converges, every acknowledged signal is counted exactly once on every region, no failed one more
 * than once, and every shard's log is the same on every region up to the leader's durable position.
 * Each scenario prints its seed; {@code -Dtidal.seed=<n>} replays it (the fault decisions per link;
 * the threads interleave anew).
 */
class LinkFaultScenarioTest {
  private static final Duration ELECTION = Duration.ofSeconds(5);
  private static final Duration CONVERGE = Duration.ofSeconds(20);
  private static final Duration PHASE_LIMIT = Duration.ofSeconds(20);
  private static final int WRITERS = 4;

  /** The cut of issue 10's target: a leader cut from one follower for 10 s. */
  private static final Duration LONG_CUT = Duration.ofSeconds(10);

  private InProcessTransport transport;
  private SimulatedCluster cluster;

  @BeforeEach
  void start() {
    cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions().withTransport(() -> transport = new InProcessTransport()));
    cluster.awaitLeader(ELECTION);
    PreferredLeaders.await(cluster, ELECTION);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void shouldKeepEveryEpochAndAckEveryConnectedWriteThroughATenSecondCutBetweenLeaderAndFollower() {
    cutLeaderFromFollowerUnderWrites(false);
  }

  @Test
  void shouldKeepEveryEpochAndAckEveryConnectedWriteThroughATenSecondOneWayCutLeaderToFollower() {
    cutLeaderFromFollowerUnderWrites(true);
  }

  /**
   * The seed that failed once on a loaded machine (load 8 on 2 cores): it cuts region 0's frames to
   * region 1. Replayed under load it failed two ways: the bridge's write forwarded to shard 1's
   * leader failed ("may or may not be stored") when the bridge, late to hear that leader, ran a
   * pre-vote that changed no epoch (fixed: {@link SuspectedLeaderForwardTest} forces the late
   * frames); and an epoch changed when the bridge heard nothing from region 0 for an election
   * timeout (starvation) and the cut follower, which never hears region 0, granted its pre-vote
   * (not fixed, see docs/ARCHITECTURE.md "Leadership"). The seed only picks the follower.
   */
  @Test
  void shouldAckEveryConnectedWriteThroughTheOneWayCutOfSeed32420408881701() {
    cutLeaderFromFollowerUnderWrites(true, 32420408881701L);
  }

  /**
   * Issue 10's cut target: shard 0's leader is cut from one follower for {@link #LONG_CUT} (both
   * directions, or only leader to follower) under QUORUM writes that enter at the leader's region
   * and at the third region, each to every shard whose leader it still reaches (the leader's region
   * does not write to the shards the cut follower leads: its forwards cannot reach them either way
   * the link is cut). Every shard's leader still reaches a majority (the third region bridges), so
   * no epoch may change anywhere and every write must be acknowledged; afterwards every one is
   * counted exactly once on every region.
   */
  private void cutLeaderFromFollowerUnderWrites(boolean oneWay) {
    cutLeaderFromFollowerUnderWrites(oneWay, null);
  }

  private void cutLeaderFromFollowerUnderWrites(boolean oneWay, Long fixedSeed) {
    // The claim is about the protocol: a leader that reaches a majority keeps its epoch through the
    // cut. With the default 200 ms election timeout a loaded 2-core machine also starves a thread
    // for a timeout now and then, and in a one-way cut that alone can elect the bridge (see
    // ARCHITECTURE.md "Leadership", the limit found with seed 32420408881701); a 1 s timeout keeps
    // scheduling noise out of the verdict while the cut follower still runs ~10 pre-votes.
    cluster.close();
    cluster =
        SimulatedCluster.build(
            ClusterConfig.threeRegions()
                .withTimings(Duration.ofMillis(100), Duration.ofSeconds(1))
                .withTransport(() -> transport = new InProcessTransport()));
    cluster.awaitLeader(ELECTION);
    PreferredLeaders.await(cluster, ELECTION);
    String kind = oneWay ? "one-way cut leader -> follower" : "cut leader <-> follower";
    long seed = seed(LONG_CUT.toSeconds() + " s " + kind, fixedSeed);
    RegionId leader = cluster.leaderOf(ShardId.of(0));
    RegionId follower = followerOf(leader, seed);
    RegionId bridge =
        cluster.regions().stream()
            .filter(r -> !r.equals(leader) && !r.equals(follower))
            .findFirst()
            .orElseThrow();
    RegionId[] leaders = new RegionId[cluster.config().shards()];
    long[] epochs = new long[leaders.length];
    for (int s = 0; s < leaders.length; s++) {
      leaders[s] = cluster.leaderOf(ShardId.of(s));
      epochs[s] = maxEpoch(s);
    }
    ConnectedWrites writes =
        new ConnectedWrites(
            cluster,
            List.of(leader, bridge),
            (entry, shard) -> !(entry.equals(leader) && leaders[shard].equals(follower)));
    try {
      writes.awaitMore(20, PHASE_LIMIT);
      if (oneWay) {
        cluster.faults().cutOneWay(leader, follower);
      } else {
        cluster.faults().bridge(leader, follower);
      }
      long before = writes.acked();
      Deadline cut = Deadline.after(LONG_CUT);
      while (!cut.expired()) {
        cut.park();
      }
      long during = writes.acked() - before;
      cluster.faults().reset();
      writes.awaitMore(20, PHASE_LIMIT);
      writes.close();
      long[] after = new long[leaders.length];
      for (int s = 0; s < leaders.length; s++) {
        after[s] = maxEpoch(s);
      }
      System.out.printf(
          "link faults: %d s %s (%s -> %s), seed %d: %d QUORUM writes through %s and %s, %d during"
              + " the cut, %d failed; ack p50 %d us, p99 %d us, max %d us; epochs %s -> %s%n",
          LONG_CUT.toSeconds(),
          kind,
          leader,
          follower,
          seed,
          writes.outcomes().size(),
          leader,
          bridge,
          during,
          writes.failures().size(),
          writes.latencyMicros(50),
          writes.latencyMicros(99),
          writes.latencyMicros(100),
          Arrays.toString(epochs),
          Arrays.toString(after));
      assertArrayEquals(epochs, after, "seed " + seed + ": an epoch changed during the " + kind);
      assertEquals(List.of(), writes.failures(), "seed " + seed + ": " + kind);
      assertTrue(during > 0, "seed " + seed + ": no write acknowledged during the " + kind);
      checkExactlyOnce(kind + ", seed " + seed, writes.outcomes());
    } finally {
      writes.close();
    }
  }

  /** The highest epoch any region knows for a shard. */
  private long maxEpoch(int shard) {
    long max = -1;
    for (RegionId r : cluster.regions()) {
      max = Math.max(max, cluster.node(r).replication().status().get(shard).epoch());
    }
    return max;
  }

  private void checkExactlyOnce(String what, Map<Long, SteadyLoad.Outcome> outcomes) {
    cluster.awaitFullConvergence(CONVERGE);
    HistoryCheck check = new HistoryCheck(cluster);
    check.checkCounts(outcomes);
    check.checkLogs();
    assertEquals(List.of(), check.violations(), what + "; " + HistoryCheck.positions(cluster));
  }

  @Test
  void shouldKeepEveryAcknowledgedSignalOnceOnLossyDuplicatingReorderingLinks() {
    long seed = seed("loss, duplication and reordering on every link");
    LinkShape shape = LinkShape.seeded(seed).withLoss(0.10).withDuplication(0.05).withReorder(0.05);
    try (SteadyLoad load = SteadyLoad.start(cluster, WRITERS)) {
      load.runFor(Duration.ofMillis(300), 20, PHASE_LIMIT);
      cluster.faults().shapeAll(shape);
      load.runFor(Duration.ofSeconds(3), 100, PHASE_LIMIT);
      cluster.faults().reset();
      load.runFor(Duration.ofMillis(300), 20, PHASE_LIMIT);
      TransportMetrics m = transport.metrics();
      assertTrue(m.lost() > 0 && m.duplicated() > 0 && m.reordered() > 0, m.toString());
      finish(shape.toString(), seed, load);
    }
  }

  @Test
  void shouldKeepEveryAcknowledgedSignalOnceThroughAOneSecondPauseOfAFollower() {
    long seed = seed("1 s pause of a follower");
    RegionId paused = followerOf(cluster.leaderOf(ShardId.of(0)), seed);
    try (SteadyLoad load = SteadyLoad.start(cluster, WRITERS)) {
      load.runFor(Duration.ofMillis(300), 20, PHASE_LIMIT);
      cluster.faults().pause(paused, Duration.ofSeconds(1));
      Deadline limit = Deadline.after(PHASE_LIMIT);
      while (cluster.faults().paused(paused)) {
        assertTrue(!limit.expired(), paused + " still paused after " + PHASE_LIMIT);
        limit.park();
      }
      load.runFor(Duration.ofMillis(500), 50, PHASE_LIMIT);
      finish("1 s pause of " + paused, seed, load);
    }
  }

  /** Stops the load, waits for convergence, checks counts and logs, and prints what it saw. */
  private void finish(String fault, long seed, SteadyLoad load) {
    load.close();
    cluster.awaitFullConvergence(CONVERGE);
    Map<Long, SteadyLoad.Outcome> outcomes = load.outcomes();
    long acked = outcomes.values().stream().filter(o -> o == SteadyLoad.Outcome.ACKED).count();
    HistoryCheck check = new HistoryCheck(cluster);
    String stored = check.checkCounts(outcomes);
    check.checkLogs();
    System.out.printf(
        "link faults: %s, seed %d: %d writes, %d acknowledged (%s); %s%d log records compared;"
            + " %s%n",
        fault,
        seed,
        outcomes.size(),
        acked,
        load.latencies(),
        stored,
        check.recordsCompared(),
        transport.metrics());
    assertEquals(List.of(), load.unexpected(), "seed " + seed);
    assertEquals(
        List.of(), check.violations(), "seed " + seed + "; " + HistoryCheck.positions(cluster));
  }

  private RegionId followerOf(RegionId leader, long seed) {
    List<RegionId> others = cluster.regions().stream().filter(r -> !r.equals(leader)).toList();
    return others.get(new SplittableRandom(seed).nextInt(others.size()));
  }

  /** Returns a seed from {@code -Dtidal.seed} or the clock, and prints it for a rerun. */
  private static long seed(String scenario) {
    return seed(scenario, null);
  }

  /**
   * Returns a seed from {@code -Dtidal.seed}, else {@code fixed}, else the clock, and prints it.
   */
  private static long seed(String scenario, Long fixed) {
    String given = System.getProperty("tidal.seed");
    long seed = given != null ? Long.parseLong(given) : fixed != null ? fixed : System.nanoTime();
    System.out.println(
        "link faults: " + scenario + ": seed " + seed + " (rerun with -Dtidal.seed=" + seed + ")");
    return seed;
  }
}
