package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.metrics.HistogramSnapshot;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.BatchDescriptor;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three regions' replication over real WALs and the in-process transport: elections, shipping,
 * durability levels, failover, and the cut of a deposed leader's unshipped suffix. The store is
 * stood in for by a {@code ReplicaState} that cuts the WAL (no state to keep here).
 *
 * <p>The nodes run on real time with 100 ms election timings, on which a loaded machine (CI beside
 * other builds on 2 cores) starves a follower long enough for a leader to lose its lease: a
 * legitimate step-down that fails any QUORUM or ALL wait pending at it. A test whose property does
 * not involve timeouts therefore stops the nodes' clock under settled leaders ({@link
 * #stopTimeUnderLeaders}) and restarts it only where time must pass (an election, a restarted
 * region hearing its leader), from where it stood.
 */
class ReplicationNodeTest {
  private static final int SHARDS = 2;
  private static final List<RegionId> REGIONS =
      List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2));

  /** Small segments, so that trimming the log deletes some. */
  private static final long SEGMENT_BYTES = 16 * 1024;

  private static final Duration DEADLINE = Duration.ofSeconds(10);

  /**
   * How long a test waits for a local fsync or a QUORUM or ALL wait, and the durability timeout of
   * its nodes: long, because reaching a level takes fsyncs whose speed the test does not control.
   */
  private static final Duration STORED = Duration.ofSeconds(30);

  /** The durability timeout of a test that asserts that a wait fails within it. */
  private static final Duration SHORT_DURABILITY_TIMEOUT = Duration.ofSeconds(2);

  /** Marks a test whose nodes run with {@link #SHORT_DURABILITY_TIMEOUT}. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  private @interface ShortDurabilityTimeout {}

  @TempDir Path dir;
  private InProcessTransport transport;
  private final WalEngine[] wals = new WalEngine[3];
  private final ReplicationNode[] nodes = new ReplicationNode[3];

  /**
   * The log cuts each region's store made of each shard ({@code region * SHARDS + shard}): a write
   * retried at another leader may leave a suffix that is cut too, so tests count the cut they mean.
   */
  private final AtomicLongArray cuts = new AtomicLongArray(3 * SHARDS);

  private final StoppableClock time = new StoppableClock();
  private Duration durabilityTimeout = STORED;

  /** The region whose store's log cuts block until {@link #cutRelease} (-1: none). */
  private volatile int blockedCuts = -1;

  private final CountDownLatch cutEntered = new CountDownLatch(1);
  private final CountDownLatch cutRelease = new CountDownLatch(1);

  @BeforeEach
  void start(TestInfo test) {
    if (test.getTestMethod()
        .filter(m -> m.isAnnotationPresent(ShortDurabilityTimeout.class))
        .isPresent()) {
      durabilityTimeout = SHORT_DURABILITY_TIMEOUT;
    }
    transport = new InProcessTransport();
    for (int i = 0; i < 3; i++) {
      wals[i] =
          WalEngine.open(
              WalConfig.builder(dir.resolve("wal-" + i))
                  .shardCount(SHARDS)
                  .segmentBytes(SEGMENT_BYTES)
                  .build());
      startNode(i);
    }
  }

  @AfterEach
  void stop() {
    cutRelease.countDown();
    for (int i = 0; i < 3; i++) {
      if (nodes[i] != null) {
        nodes[i].close();
      }
      wals[i].close();
    }
    transport.close();
  }

  @Test
  void shouldElectOneLeaderPerShard() throws Exception {
    int[] leaders = stopTimeUnderLeaders(-1, Durability.ALL);
    for (int shard = 0; shard < SHARDS; shard++) {
      int leader = leaders[shard];
      nodes[leader].checkLeader(shard);
      for (int i = 0; i < 3; i++) {
        if (i != leader) {
          int s = shard;
          int region = i;
          NotLeaderException e =
              assertThrows(NotLeaderException.class, () -> nodes[region].checkLeader(s));
          assertTrue(e.getMessage().contains("does not lead shard " + shard), e.getMessage());
        }
      }
    }
  }

  @Test
  void shouldShipToEveryRegionAndMeetQuorumAndAll() throws Exception {
    int leader = stopTimeUnderLeaders(-1, Durability.ALL)[0];
    long last = append(leader, 0, 500);
    nodes[leader].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    nodes[leader].whenStored(0, last, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    awaitIdenticalLogs(0);
    ShardReplicationStatus status = nodes[leader].status().get(0);
    assertEquals(Role.LEADER, status.role());
    assertEquals(3, status.regions().size());
    status.regions().forEach(r -> assertEquals(last + 1, r.hwm(), r.toString()));
  }

  @Test
  @ShortDurabilityTimeout
  void shouldFailQuorumWithinTheTimeoutWhenFollowersAreCutOff() {
    int leader = awaitLeader(0, -1);
    nodes[leader].checkLeader(0); // as the store does, before the cut: after it the lease runs out
    for (int i = 0; i < 3; i++) {
      if (i != leader) {
        transport.cut(REGIONS.get(leader), REGIONS.get(i));
      }
    }
    long last = appendRaw(wals[leader].shard(0), 10);
    // Fails by the durability timeout, or earlier by the step-down once the lease runs out; the
    // get's own deadline is only a bound on a hang, so it is generous.
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                nodes[leader]
                    .whenStored(0, last, Durability.QUORUM)
                    .get(STORED.toSeconds(), TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof UnavailableException, e.toString());
  }

  @Test
  void shouldReportOneLeaderPerShardAndEveryPeersLagInItsMetrics() {
    int leader = awaitLeader(0, -1);
    Map<String, Double> samples = new TreeMap<>();
    MetricsSink sink =
        new MetricsSink() {
          @Override
          public void counter(String name, String help, double value, String... labels) {
            samples.put(name + Arrays.toString(labels), value);
          }

          @Override
          public void gauge(String name, String help, double value, String... labels) {
            samples.put(name + Arrays.toString(labels), value);
          }

          @Override
          public void histogram(String name, String help, HistogramSnapshot h, String... labels) {
            samples.put(name + Arrays.toString(labels), (double) h.count());
          }
        };
    nodes[leader].collectMetrics(sink);
    assertEquals(
        1.0,
        samples.get("tidaldb_replication_leader[region, " + leader + ", shard, 0]"),
        samples.toString());
    assertTrue(
        samples.get("tidaldb_replication_leaderships_won_total[region, " + leader + ", shard, 0]")
            >= 1,
        samples.toString());
    for (int peer = 0; peer < 3; peer++) {
      assertTrue(
          samples.containsKey(
              "tidaldb_replication_lag_records[region, "
                  + leader
                  + ", shard, 0, peer, "
                  + peer
                  + "]"),
          samples.toString());
    }
  }

  @Test
  void shouldFailOverAndLetTheOldLeaderRejoin() throws Exception {
    int old = stopTimeUnderLeaders(-1, Durability.ALL)[0];
    long before = append(old, 0, 100);
    nodes[old].whenStored(0, before, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    time.resume(); // the crash must time out
    long crashed = System.nanoTime();
    nodes[old].close();
    nodes[old] = null;
    int next = awaitLeader(0, old);
    System.out.printf(
        "node failover: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed));
    next = stopTimeUnderLeaders(old, Durability.QUORUM)[0];
    long after = append(next, 0, 100);
    nodes[next].whenStored(0, after, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    time.resume(); // the rejoining region hears its leader by heartbeats
    startNode(old);
    awaitIdenticalLogs(0);
    assertEquals(after + 1, wals[old].shard(0).durablePosition());
  }

  @Test
  void shouldCutTheUnshippedSuffixOfADeposedLeader() throws Exception {
    int old = stopTimeUnderLeaders(-1, Durability.ALL)[0];
    long shipped = append(old, 0, 50);
    nodes[old].whenStored(0, shipped, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    for (int i = 0; i < 3; i++) {
      if (i != old) {
        transport.cut(REGIONS.get(old), REGIONS.get(i));
      }
    }
    long suffixEnd = appendRaw(wals[old].shard(0), 20); // accepted at LOCAL, never shipped
    time.resume(); // the cut-off leader's lease must run out
    int next = stopTimeUnderLeaders(old, Durability.QUORUM)[0];
    long after = append(next, 0, 30);
    nodes[next].whenStored(0, after, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    assertEquals(shipped + 20, suffixEnd);
    transport.healAll();
    time.resume(); // the deposed leader hears the new one by heartbeats
    awaitIdenticalLogs(0);
    assertEquals(1, cuts.get(old * SHARDS), "the deposed leader cut its suffix once");
    assertEquals(after + 1, wals[old].shard(0).durablePosition());
  }

  @Test
  void shouldTakeTheLeadersOlderEpochAfterBeingElectedAndDeposedWithoutWriting() throws Exception {
    int leader = stopTimeUnderLeaders(-1, Durability.ALL)[0];
    long first = append(leader, 0, 20);
    nodes[leader].whenStored(0, first, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    int behind = (leader + 1) % 3;
    // What winning an election and being deposed before writing leaves behind: the log's epoch
    // raised (advanceEpoch) above that of its records. Its replication restarts too (a bundle
    // update), so the follower side starts from that log.
    nodes[behind].close();
    nodes[behind] = null;
    long leaderEpoch = nodes[leader].status().get(0).epoch();
    wals[behind].shard(0).advanceEpoch(leaderEpoch + 5);
    long last = append(leader, 0, 30);
    nodes[leader].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    time.resume(); // the restarted region hears its leader by heartbeats
    startNode(behind);
    awaitIdenticalLogs(0);
    assertEquals(leaderEpoch, wals[behind].shard(0).lastEpoch(), "the leader's records, its epoch");
  }

  @Test
  void shouldKeepTheOtherShardsGoingWhileALogCutBlocks() throws Exception {
    int old = storeAtLeader(0, -1, 50, Durability.ALL);
    for (int i = 0; i < 3; i++) {
      if (i != old) {
        transport.cut(REGIONS.get(old), REGIONS.get(i));
      }
    }
    appendRaw(wals[old].shard(0), 20); // accepted at LOCAL, never shipped: cut once healed
    int next = storeAtLeader(0, old, 30, Durability.QUORUM);
    long after = wals[next].shard(0).durablePosition() - 1;
    blockedCuts = old;
    transport.healAll();
    assertTrue(cutEntered.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "the cut has begun");

    // While the deposed leader's cut of shard 0 blocks, shard 1 must go on with it: if another
    // region leads shard 1, that one stops, so the two left (one of them cutting) must elect a
    // leader of shard 1 and store a QUORUM write there.
    int leader1 = awaitLeader(1, -1);
    int gone = -1;
    if (leader1 != old) {
      gone = leader1;
      nodes[gone].close();
      nodes[gone] = null;
    }
    storeAtLeader(1, gone, 10, Durability.QUORUM);
    assertEquals(0, cuts.get(old * SHARDS), "the cut still blocks");

    cutRelease.countDown();
    await().atMost(DEADLINE).until(() -> wals[old].shard(0).durablePosition() == after + 1);
    assertEquals(1, cuts.get(old * SHARDS), "the deposed leader cut its suffix once");
    assertEquals(batches(wals[next].shard(0)), batches(wals[old].shard(0)));
  }

  @Test
  void shouldRejectTheBatchesOfADeposedLeader() throws Exception {
    int old = storeAtLeader(0, -1, 20, Durability.ALL);
    nodes[old].close();
    nodes[old] = null;
    appendRaw(wals[old].shard(0), 10); // the deposed leader's suffix, of its old epoch
    int next = awaitLeader(0, old);
    int follower = 3 - old - next;
    ShardLog log = wals[follower].shard(0);
    long before = log.durablePosition();
    ByteBuffer stale =
        batches(wals[old].shard(0)).get(batches(log).size()).order(ByteOrder.LITTLE_ENDIAN);
    long staleEpoch = stale.getLong(BatchDescriptor.EPOCH_OFFSET);
    assertEquals(
        before,
        stale.getLong(BatchDescriptor.FIRST_POSITION_OFFSET),
        "the batch continues its log");
    assertTrue(staleEpoch < nodes[next].status().get(0).epoch());
    long dropped = nodes[follower].dropped(NodeDrop.NOT_FROM_LEADER);
    FrameEncoder encoder = new FrameEncoder(1 << 20);
    ByteBuffer frame = ByteBuffer.allocate((1 << 20) + 64).order(ByteOrder.LITTLE_ENDIAN);
    TransportEndpoint deposed = transport.open(REGIONS.get(old), (from, f) -> {});
    try {
      frame.limit(encoder.walBatch(frame, 0, 0, REGIONS.get(old).value(), staleEpoch, stale));
      deposed.send(REGIONS.get(follower), frame);
      await()
          .atMost(DEADLINE)
          .until(() -> nodes[follower].dropped(NodeDrop.NOT_FROM_LEADER) > dropped);
    } finally {
      deposed.close();
    }
    assertEquals(before, log.durablePosition(), "the deposed leader's batch is not taken");
  }

  @Test
  void shouldNeitherLeadNorFollowWithoutAStore() throws Exception {
    nodes[2].close();
    nodes[2] = new ReplicationNode(config(2), wals[2], transport, time);
    int leader = stopTimeUnderLeaders(2, Durability.QUORUM)[0];
    long last = append(leader, 0, 100);
    nodes[leader].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    assertEquals(0, wals[2].shard(0).durablePosition(), "no batch is taken without a store");
    assertThrows(NotLeaderException.class, () -> nodes[2].checkLeader(0));
    time.resume(); // the attached region hears its leader by heartbeats
    attachStore(2);
    awaitIdenticalLogs(0);
  }

  @Test
  void shouldKeepEveryLeaderThroughAPauseOfTheWholeProcess() throws Exception {
    int[] leaders = stopTimeUnderLeaders(-1, Durability.ALL);
    long[] epochs = new long[SHARDS];
    long[] forgiven = new long[3];
    for (int shard = 0; shard < SHARDS; shard++) {
      epochs[shard] = nodes[leaders[shard]].status().get(shard).epoch();
    }
    for (int i = 0; i < 3; i++) {
      forgiven[i] = nodes[i].pausesForgiven(); // the load may have paused a thread before
    }
    // Every region's clock leaps 1 s (ten election timeouts) between two rounds of its thread:
    // what a stopped process, a long GC or a starved CPU looks like from inside. The clock then
    // stands again, so that only the leap can time anything out.
    time.leap(TimeUnit.SECONDS.toNanos(1));
    await()
        .atMost(DEADLINE)
        .until(
            () -> {
              for (int i = 0; i < 3; i++) {
                if (nodes[i].pausesForgiven() <= forgiven[i]) {
                  return false;
                }
              }
              return true;
            });
    long last = append(leaders[0], 0, 10);
    nodes[leaders[0]]
        .whenStored(0, last, Durability.QUORUM)
        .get(STORED.toSeconds(), TimeUnit.SECONDS);
    for (int shard = 0; shard < SHARDS; shard++) {
      ShardReplicationStatus status = nodes[leaders[shard]].status().get(shard);
      assertEquals(epochs[shard], status.epoch(), "no election after the pause, shard " + shard);
      assertEquals(Role.LEADER, status.role(), "shard " + shard);
    }
  }

  @Test
  void shouldKeepTheLogForAFollowerThatIsDownSoThatItCatchesUpAfterTheLeaderTrims()
      throws Exception {
    int leader = stopTimeUnderLeaders(-1, Durability.ALL)[0];
    int down = (leader + 1) % 3;
    long first = -1;
    for (int i = 0; i < 10; i++) {
      first = append(leader, 0, 200); // several 16 KiB segments
    }
    nodes[leader].whenStored(0, first, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    long all = first + 1;
    await().atMost(DEADLINE).until(() -> nodes[leader].retainFrom(0) == all); // next round

    assertEquals(Long.MAX_VALUE, nodes[down].retainFrom(0), "a follower keeps nothing for others");
    nodes[down].close();
    nodes[down] = null;
    long last = first;
    for (int i = 0; i < 10; i++) {
      last = append(leader, 0, 200);
    }
    nodes[leader].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    long keep = nodes[leader].retainFrom(0);
    assertEquals(all, keep, "kept from the HWM of the follower that is down");
    // What the store's checkpoint does: trim below min(what snapshots cover, what followers need).
    ShardLog log = wals[leader].shard(0);
    assertTrue(log.truncateBefore(keep) > 0, "segments the follower already has are deleted");
    time.resume(); // the restarted region hears its leader by heartbeats
    startNode(down);
    ShardLog behind = wals[down].shard(0);
    await().atMost(DEADLINE).until(() -> behind.durablePosition() == log.durablePosition());
  }

  @Test
  void shouldRefuseATransportWhoseFramesCannotCarryAWalBatch() {
    Transport tiny =
        new Transport() {
          @Override
          public String name() {
            return "tiny";
          }

          @Override
          public int maxFrameBytes() {
            return 1 << 20;
          }

          @Override
          public TransportEndpoint open(RegionId local, FrameHandler handler) {
            throw new AssertionError("a refused transport must not be opened");
          }
        };
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> new ReplicationNode(config(0), wals[0], tiny, System::nanoTime));
    assertTrue(e.getMessage().contains("maxFrameBytes of transport tiny"), e.getMessage());
    assertTrue(e.getMessage().contains("1048576"), e.getMessage());
  }

  private void startNode(int i) {
    nodes[i] = new ReplicationNode(config(i), wals[i], transport, time);
    attachStore(i);
  }

  private ReplicationConfig config(int i) {
    return ReplicationConfig.defaults(REGIONS.get(i), REGIONS, dir.resolve("epochs-" + i))
        .withTimings(Duration.ofMillis(20), Duration.ofMillis(100))
        .withDurabilityTimeout(durabilityTimeout);
  }

  private void attachStore(int i) {
    WalEngine wal = wals[i];
    nodes[i].attach(
        (shard, position, fenceEpoch) -> {
          if (blockedCuts == i) {
            blockCut();
          }
          cuts.incrementAndGet(i * SHARDS + shard);
          return wal.shard(shard).truncateFrom(position);
        });
  }

  /** A slow store: the cut's snapshot takes until the test releases it. */
  private void blockCut() {
    cutEntered.countDown();
    try {
      if (!cutRelease.await(DEADLINE.toSeconds() * 6, TimeUnit.SECONDS)) {
        throw new AssertionError("the blocked cut was never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until one running region other than {@code not} leads {@code shard}; returns it. */
  private int awaitLeader(int shard, int not) {
    int[] found = {-1};
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              for (int i = 0; i < 3; i++) {
                if (i != not && nodes[i] != null) {
                  try {
                    nodes[i].checkLeader(shard);
                    found[0] = i;
                    return true;
                  } catch (NotLeaderException e) {
                    // not this one
                  }
                }
              }
              return false;
            });
    return found[0];
  }

  /**
   * Appends {@code n} records at the leader of {@code shard} (other than {@code not}) and waits
   * until they are stored at {@code level}; on a lost leadership (a lease can expire on a loaded
   * machine) appends again at the next leader. Returns the leader that stored them.
   */
  private int storeAtLeader(int shard, int not, int n, Durability level) throws Exception {
    for (int attempt = 1; ; attempt++) {
      int leader = awaitLeader(shard, not);
      try {
        long last = append(leader, shard, n);
        nodes[leader].whenStored(shard, last, level).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        return leader;
      } catch (NotLeaderException | ExecutionException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  /**
   * Elects a leader of every shard (other than region {@code not}) and stops the nodes' clock under
   * them: on the running clock, stores a record at {@code level} at each shard's leader (at the
   * next leader if one steps down), stops the clock, and stores one more there. That write reaching
   * {@code level} on the stopped clock shows that the leader's lease and its followers' failure
   * detectors held at the instant the clock stopped, and nothing that times out fires until the
   * test resumes it: the leaderships stay, whatever the machine's load. A leadership lost at the
   * instant the clock stopped fails that write at once (no shipping after a step-down); the clock
   * then runs on and this starts over.
   *
   * @return each shard's leader
   */
  private int[] stopTimeUnderLeaders(int not, Durability level) throws Exception {
    for (int attempt = 1; ; attempt++) {
      time.resume();
      int[] leaders = new int[SHARDS];
      for (int shard = 0; shard < SHARDS; shard++) {
        leaders[shard] = storeAtLeader(shard, not, 1, level);
      }
      time.stop();
      try {
        for (int shard = 0; shard < SHARDS; shard++) {
          long last = append(leaders[shard], shard, 1);
          nodes[leaders[shard]]
              .whenStored(shard, last, level)
              .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        }
        return leaders;
      } catch (NotLeaderException | ExecutionException | TimeoutException e) {
        if (attempt == 5) {
          throw e;
        }
        System.out.printf("a leadership ended as the clock stopped, again: %s%n", e);
      }
    }
  }

  /** Appends as the store does on a leader: check leadership, then append and await local. */
  private long append(int region, int shard, int n) {
    nodes[region].checkLeader(shard);
    return appendRaw(wals[region].shard(shard), n);
  }

  private static long appendRaw(ShardLog log, int n) {
    long last = -1;
    if (log.nextPosition() == 0) {
      last = log.appendDefine(1, "acme", "view");
    }
    for (int i = 0; i < n; i++) {
      last = log.appendSignal(1, i % 17, 1.0, 1_700_000_000_000L + i, i + 1, 1);
    }
    log.awaitDurable(last, STORED.toNanos());
    return last;
  }

  private void awaitIdenticalLogs(int shard) {
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () -> {
              List<ByteBuffer> first = batches(wals[0].shard(shard));
              return !first.isEmpty()
                  && batches(wals[1].shard(shard)).equals(first)
                  && batches(wals[2].shard(shard)).equals(first);
            });
  }

  /** Copies every durable batch; an empty list if the log was cut while reading (read again). */
  private static List<ByteBuffer> batches(ShardLog log) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(log.startPosition())) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        ByteBuffer src = b.bytes();
        ByteBuffer copy = ByteBuffer.allocate(src.remaining());
        copy.put(src.duplicate()).flip();
        out.add(copy);
      }
    } catch (StorageException e) {
      return List.of(); // cut while reading: the condition is polled again
    }
    return out;
  }
}
