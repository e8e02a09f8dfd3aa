package io.tidaldb.replication.leadership;

import static org.junit.jupiter.api.Assertions.fail;

import io.tidaldb.api.RegionId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * A deterministic in-memory network of {@link ShardLeadership} state machines on a manual clock: no
 * threads, no sleeps. Messages get a seeded delay (reordering), may be lost or duplicated, and are
 * dropped across a partition, over a cut link (one direction, see {@link #cut}), or to and from a
 * stopped region. After every tick it checks the safety properties: at most one leader per epoch,
 * epochs only grow.
 */
final class SimCluster {
  static final long MS = 1_000_000L;

  final long seed;
  final SplittableRandom random;
  final List<Node> nodes = new ArrayList<>();
  final Map<Long, RegionId> leaderOfEpoch = new HashMap<>();
  final Set<RegionId> isolated = new HashSet<>();

  /** Cut links, one direction each: {@code from -> to} as a two-element list. */
  final Set<List<RegionId>> cutLinks = new HashSet<>();

  /**
   * Whether the regions learn their links' state ({@link ShardLeadership#setLinkStatus}), as over a
   * transport that knows it: a link is down while either end is stopped, the two are on different
   * sides of a partition, or it is cut in either direction. Off: every link is taken as up.
   */
  boolean linksReported;

  double lossRate;
  double duplicateRate;
  long minDelayNanos = MS;
  long maxDelayNanos = MS;
  long stepNanos = MS;
  long now;
  private long sequence;
  private final PriorityQueue<Message> inFlight =
      new PriorityQueue<>(
          (a, b) ->
              a.deliverAt != b.deliverAt
                  ? Long.compare(a.deliverAt, b.deliverAt)
                  : Long.compare(a.seq, b.seq));

  /** A region: its state machine, store and log, and whether it runs. */
  final class Node implements LeadershipListener {
    final RegionId id;
    final MemoryEpochStore store = new MemoryEpochStore();
    final MutableLog log = new MutableLog();
    ShardLeadership sm;
    boolean up = true;
    long highestEpochSeen;

    Node(RegionId id) {
      this.id = id;
    }

    @Override
    public void onBecomeLeader(long epoch) {
      RegionId earlier = leaderOfEpoch.putIfAbsent(epoch, id);
      if (earlier != null && !earlier.equals(id)) {
        fail("seed " + seed + ": two leaders of epoch " + epoch + ": " + earlier + " and " + id);
      }
    }

    @Override
    public void onBecomeFollower(RegionId leader, long epoch) {}

    @Override
    public void onLeaderLost() {}

    LeadershipState state() {
      return sm.state();
    }

    long epoch() {
      return sm.epoch();
    }

    void start(LeadershipConfig config) {
      sm = new ShardLeadership(config, log, store, new Outbox(id), this, now);
      sm.setLinkStatus(to -> !linksReported || (connected(id, to) && connected(to, id)));
    }
  }

  private record Message(
      long deliverAt,
      long seq,
      RegionId from,
      RegionId to,
      BiConsumer<ShardLeadership, Long> act) {}

  private final class Outbox implements LeadershipOutbox {
    private final RegionId from;

    Outbox(RegionId from) {
      this.from = from;
    }

    @Override
    public void sendHeartbeat(RegionId to, long epoch, long leaderHwm, long sentNanos) {
      send(from, to, (sm, t) -> sm.onHeartbeat(from, epoch, leaderHwm, sentNanos, t));
    }

    @Override
    public void sendHeartbeatAck(RegionId to, long epoch, long hwm, long echoNanos) {
      send(from, to, (sm, t) -> sm.onHeartbeatAck(from, epoch, hwm, echoNanos, t));
    }

    @Override
    public void sendVoteRequest(RegionId to, long epoch, long lastEpoch, long hwm) {
      send(from, to, (sm, t) -> sm.onVoteRequest(from, epoch, lastEpoch, hwm, t));
    }

    @Override
    public void sendVote(RegionId to, long epoch, boolean granted) {
      send(from, to, (sm, t) -> sm.onVote(from, epoch, granted, t));
    }

    @Override
    public void sendPreVoteRequest(RegionId to, long proposedEpoch, long lastEpoch, long hwm) {
      send(from, to, (sm, t) -> sm.onPreVoteRequest(from, proposedEpoch, lastEpoch, hwm, t));
    }

    @Override
    public void sendPreVote(RegionId to, long epoch, boolean granted) {
      send(from, to, (sm, t) -> sm.onPreVote(from, epoch, granted, t));
    }

    @Override
    public void sendTimeoutNow(RegionId to, long epoch, long logEnd) {
      send(from, to, (sm, t) -> sm.onTimeoutNow(from, epoch, logEnd, t));
    }
  }

  SimCluster(long seed, int regions) {
    this(seed, regions, LeadershipConfig.DEFAULT_HEARTBEAT_INTERVAL_NANOS);
  }

  SimCluster(long seed, int regions, long heartbeatNanos) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    List<RegionId> ids = new ArrayList<>();
    for (int i = 0; i < regions; i++) {
      ids.add(RegionId.of(i + 1));
    }
    for (RegionId id : ids) {
      Node node = new Node(id);
      nodes.add(node);
      node.start(
          new LeadershipConfig(
              ids, id, heartbeatNanos, LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS, seed));
    }
  }

  Node node(int i) {
    return nodes.get(i);
  }

  Node node(RegionId id) {
    return nodes.stream().filter(n -> n.id.equals(id)).findFirst().orElseThrow();
  }

  void send(RegionId from, RegionId to, BiConsumer<ShardLeadership, Long> act) {
    if (random.nextDouble() < lossRate) {
      return;
    }
    int copies = random.nextDouble() < duplicateRate ? 2 : 1;
    for (int c = 0; c < copies; c++) {
      long delay = minDelayNanos + random.nextLong(maxDelayNanos - minDelayNanos + 1);
      inFlight.add(new Message(now + delay, sequence++, from, to, act));
    }
  }

  boolean connected(RegionId a, RegionId b) {
    return node(a).up
        && node(b).up
        && isolated.contains(a) == isolated.contains(b)
        && !cutLinks.contains(List.of(a, b));
  }

  /** Cuts the link from {@code from} to {@code to} in that direction only (messages dropped). */
  void cut(RegionId from, RegionId to) {
    cutLinks.add(List.of(from, to));
  }

  /** Cuts the link between two regions in both directions. */
  void cutBoth(RegionId a, RegionId b) {
    cut(a, b);
    cut(b, a);
  }

  void tick() {
    now += stepNanos;
    while (!inFlight.isEmpty() && inFlight.peek().deliverAt <= now) {
      Message m = inFlight.poll();
      if (connected(m.from, m.to)) {
        m.act.accept(node(m.to).sm, now);
      }
    }
    for (Node n : nodes) {
      if (n.up) {
        n.sm.doWork(now);
      }
    }
    for (Node n : nodes) {
      if (n.epoch() < n.highestEpochSeen) {
        fail("seed " + seed + ": epoch of " + n.id + " went back to " + n.epoch());
      }
      n.highestEpochSeen = n.epoch();
    }
  }

  void runFor(long nanos) {
    long end = now + nanos;
    while (now < end) {
      tick();
    }
  }

  /** Runs until the condition holds; returns the simulated time it took, fails at the deadline. */
  long runUntil(BooleanSupplier condition, long maxNanos, String what) {
    long start = now;
    while (!condition.getAsBoolean()) {
      if (now - start > maxNanos) {
        fail("seed " + seed + ": not " + what + " within " + maxNanos / MS + " ms");
      }
      tick();
    }
    return now - start;
  }

  List<Node> leaders() {
    return nodes.stream().filter(n -> n.up && n.state() == LeadershipState.LEADER).toList();
  }

  Optional<Node> singleLeader() {
    List<Node> leaders = leaders();
    return leaders.size() == 1 ? Optional.of(leaders.get(0)) : Optional.empty();
  }

  /** One running leader that every running region follows in its epoch. */
  boolean settled() {
    Optional<Node> leader = singleLeader();
    return leader.isPresent()
        && nodes.stream()
            .filter(n -> n.up)
            .allMatch(
                n ->
                    n.epoch() == leader.get().epoch()
                        && n.sm.leader().equals(Optional.of(leader.get().id)));
  }

  /**
   * Seeds 1 to {@code count}, or only the one of {@code -Dtidal.seed}; prints the range under the
   * test's name, so a failure names the seed to replay.
   */
  static long[] seeds(String test, int count) {
    String fixed = System.getProperty("tidal.seed");
    long[] seeds =
        fixed == null
            ? java.util.stream.LongStream.rangeClosed(1, count).toArray()
            : new long[] {Long.parseLong(fixed)};
    System.out.println(test + " seeds " + seeds[0] + ".." + seeds[seeds.length - 1]);
    return seeds;
  }

  /**
   * Three regions that elected their first leader, then ran a random 0 to 100 ms more (so a test's
   * event falls anywhere in the heartbeat cycle).
   */
  static SimCluster settledThree(long seed, boolean linksReported) {
    SimCluster cluster = new SimCluster(seed, 3);
    cluster.linksReported = linksReported;
    cluster.runUntil(cluster::settled, 1_000 * MS, "settled");
    cluster.runFor(cluster.random.nextLong(100 * MS));
    return cluster;
  }

  /** The {@code which}-th (0 or 1) of the nodes other than {@code leader}. */
  Node other(Node leader, int which) {
    return nodes.stream().filter(n -> n != leader).skip(which).findFirst().orElseThrow();
  }

  static long seedFromProperty(long fallback) {
    String value = System.getProperty("tidal.seed");
    return value == null ? fallback : Long.parseLong(value);
  }

  /** An {@link EpochStore} in memory that records every save. */
  static final class MemoryEpochStore implements EpochStore {
    PersistedEpoch saved = PersistedEpoch.INITIAL;
    final List<PersistedEpoch> saves = new ArrayList<>();
    RuntimeException failure;

    @Override
    public PersistedEpoch load() {
      return saved;
    }

    @Override
    public void save(long epoch, Optional<RegionId> votedFor) {
      if (failure != null) {
        throw failure;
      }
      saved = new PersistedEpoch(epoch, votedFor);
      saves.add(saved);
    }
  }

  /** A {@link ReplicaLog} whose facts the test sets. */
  static final class MutableLog implements ReplicaLog {
    long hwm;
    long lastEpoch;

    @Override
    public long hwm() {
      return hwm;
    }

    @Override
    public long lastEpoch() {
      return lastEpoch;
    }
  }
}
