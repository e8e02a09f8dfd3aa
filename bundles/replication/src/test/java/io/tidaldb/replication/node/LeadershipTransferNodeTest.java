package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.wal.FencedAppendException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leadership transfer through {@link ReplicationNode#transferLeadership} on three real nodes (real
 * WALs, the in-process transport, 20 ms / 100 ms timings). Writers go through the path a store
 * takes ({@link #write}: leader check, fenced append, durability wait; refused with {@link
 * NotLeaderException}, forwarded), so the tests see what a writer sees during a transfer. The clock
 * stops once the leader is settled (see {@code ReplicationNodeTest}), so nothing times out unless a
 * test lets time run.
 */
class LeadershipTransferNodeTest {
  private static final int SHARDS = 1;
  private static final List<RegionId> REGIONS =
      List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2));
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final TenantId TENANT = TenantId.of("acme");
  private static final SignalType TYPE = SignalType.of("view");

  @TempDir Path dir;
  private InProcessTransport transport;
  private final WalEngine[] wals = new WalEngine[3];
  private final ReplicationNode[] nodes = new ReplicationNode[3];
  private final StoppableClock time = new StoppableClock();

  @BeforeEach
  void start() {
    transport = new InProcessTransport();
    for (int i = 0; i < 3; i++) {
      wals[i] = WalEngine.open(WalConfig.builder(dir.resolve("wal-" + i)).shardCount(1).build());
      startNode(i);
    }
  }

  @AfterEach
  void stop() {
    for (int i = 0; i < 3; i++) {
      if (nodes[i] != null) {
        nodes[i].close();
      }
      wals[i].close();
    }
    transport.close();
  }

  /**
   * {@code tidal:regions}' last heard: the leader hears from both followers (their acks of the ALL
   * write), each follower from the leader, and every node answers 0 for itself; -1 for a region
   * outside the cluster. (With one shard the two followers need never talk to each other.)
   */
  @Test
  void shouldTellHowLongAgoEachRegionWasLastHeardFrom() throws Exception {
    int leader = settle();
    for (int i = 0; i < 3; i++) {
      assertEquals(0, nodes[i].regionContactAgeNanos(REGIONS.get(i)));
      if (i != leader) {
        RegionId follower = REGIONS.get(i);
        ReplicationNode node = nodes[i];
        await().atMost(DEADLINE).until(() -> nodes[leader].regionContactAgeNanos(follower) >= 0);
        await().atMost(DEADLINE).until(() -> node.regionContactAgeNanos(REGIONS.get(leader)) >= 0);
      }
    }
    assertEquals(-1, nodes[0].regionContactAgeNanos(RegionId.of(9)));
  }

  @Test
  void shouldHandLeadershipToTheTargetWithOneEpochStep() throws Exception {
    int leader = settle();
    int target = (leader + 1) % 3;
    long epoch = nodes[leader].status().get(0).epoch();

    long started = System.nanoTime();
    nodes[leader].transferLeadership(0, REGIONS.get(target)).get(10, TimeUnit.SECONDS);
    long took = System.nanoTime() - started;

    // the old leader learns it from the target's first heartbeat, which may come before the
    // target's leadership is active (its log quiet); writes meanwhile are held, not refused
    await().atMost(DEADLINE).until(() -> !refuses(target));
    assertThrows(NotLeaderException.class, () -> nodes[leader].checkLeader(0));
    assertEquals(epoch + 1, nodes[target].status().get(0).epoch(), "one epoch step");
    write(leader, 7, Durability.ALL); // forwarded to the new leader

    long[] micros = new long[6]; // and round the regions twice more
    micros[0] = TimeUnit.NANOSECONDS.toMicros(took);
    for (int i = 1; i < micros.length; i++) {
      int from = (leader + i) % 3;
      int to = (from + 1) % 3;
      long t0 = System.nanoTime();
      nodes[from].transferLeadership(0, REGIONS.get(to)).get(10, TimeUnit.SECONDS);
      micros[i] = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
      await().atMost(DEADLINE).until(() -> !refuses(to));
      write(from, i, Durability.ALL);
    }
    assertEquals(epoch + micros.length, nodes[leader].status().get(0).epoch(), "one step each");
    System.out.println(
        "node planned transfers (clock stopped, wall time, epoch files fsynced): "
            + java.util.Arrays.toString(micros)
            + " us");
  }

  /**
   * One writer per region, each writing QUORUM signals back to back while the leader hands over.
   * The old leader's and every other region's writes refused by the leader check wait (held) and
   * are stored by the new leader: none is refused. The one exception, kept as it is for every
   * change of leader: a region that learns the new epoch while its own forward is in flight to the
   * old leader fails that forward at once, "sent to region R, may or may not be stored" (the old
   * leader relays it to the new one, so it usually is stored), at most one per writer.
   */
  @Test
  void shouldRefuseNoWriteAtAnyRegionDuringAPlannedTransfer() throws Exception {
    int leader = settle();
    int target = (leader + 2) % 3;
    AtomicBoolean running = new AtomicBoolean(true);
    Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    List<Thread> writers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      int region = i;
      Thread t =
          new Thread(
              () -> {
                for (long n = 0; running.get(); n++) {
                  String outcome;
                  try {
                    SignalAck ack = write(region, n, Durability.QUORUM);
                    outcome = "region " + region + " acked";
                  } catch (Exception e) {
                    outcome = "region " + region + " failed: " + e;
                  }
                  outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
                }
              },
              "writer-" + i);
      writers.add(t);
      t.start();
    }
    await().atMost(DEADLINE).until(() -> outcomes.size() >= 3); // every writer wrote
    nodes[leader].transferLeadership(0, REGIONS.get(target)).get(10, TimeUnit.SECONDS);
    long after = outcomes.values().stream().mapToLong(AtomicLong::get).sum();
    await()
        .atMost(DEADLINE)
        .until(() -> outcomes.values().stream().mapToLong(AtomicLong::get).sum() > after + 300);
    running.set(false);
    for (Thread t : writers) {
      t.join(DEADLINE.toMillis());
    }
    System.out.println("writers during a planned transfer: " + outcomes);
    await().atMost(DEADLINE).until(() -> !refuses(target));
    String inFlight =
        "io.tidaldb.api.UnavailableException: sent to region "
            + REGIONS.get(leader)
            + ", may or may not be stored";
    for (int i = 0; i < 3; i++) {
      String prefix = "region " + i + " failed: ";
      for (Map.Entry<String, AtomicLong> e : outcomes.entrySet()) {
        if (e.getKey().startsWith(prefix)) {
          assertTrue(i != leader, "the old leader's writers are never refused: " + outcomes);
          assertTrue(e.getKey().contains(inFlight), "refused: " + e.getKey());
          assertTrue(e.getValue().get() <= 1, "one in-flight forward per writer: " + outcomes);
        }
      }
      assertTrue(outcomes.containsKey("region " + i + " acked"), outcomes.toString());
    }
  }

  @Test
  void shouldGiveUpWhenTheTargetIsDownAndStoreTheHeldWritesAtTheLeader() throws Exception {
    int leader = settle();
    // region 0 is shard 0's preferred region: if it is up and does not lead, the leader hands
    // leadership back to it once time runs, so the target (down) is region 0 unless it leads
    int target = leader == 0 ? 1 : 0;
    long epoch = nodes[leader].status().get(0).epoch();
    nodes[target].close();
    nodes[target] = null;

    CompletableFuture<Void> transfer = nodes[leader].transferLeadership(0, REGIONS.get(target));
    await().atMost(DEADLINE).until(() -> refuses(leader)); // writes paused
    CompletableFuture<SignalAck> held =
        nodes[leader].forward(
            0,
            new Signal(TENANT, TYPE, EntityId.of(5), 1.0, Timestamp.ofMillis(1)),
            Durability.QUORUM);
    assertTrue(!held.isDone(), "a write during the transfer waits: " + held);
    time.resume(); // the transfer's deadline must pass

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> transfer.get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof UnavailableException, e.toString());
    assertTrue(e.getCause().getMessage().contains("gave up"), e.getCause().getMessage());
    SignalAck ack = held.get(10, TimeUnit.SECONDS);
    assertEquals(Durability.QUORUM, ack.durability());
    nodes[leader].checkLeader(0);
    assertEquals(epoch, nodes[leader].status().get(0).epoch(), "kept leading in its epoch");
  }

  /**
   * Issue 14: closing the leader's node (its endpoint closes, as a crashed process's connections
   * do) elects a new leader with the clock stopped, so no election timeout can have fired: the
   * followers saw their link to the leader go down. Every write acknowledged at ALL before is in
   * the new leader's durable log, and it stores a QUORUM write with the one follower left.
   */
  @Test
  void shouldElectANewLeaderAtOnceWhenTheLeadersNodeClosesWithoutWaitingForTheTimeout()
      throws Exception {
    int leader = settle(); // the clock stands from here: nothing times out
    List<SignalAck> acked = new ArrayList<>();
    for (long n = 1; n <= 20; n++) {
      acked.add(write(leader, n, Durability.ALL));
    }
    long epoch = nodes[leader].status().get(0).epoch();

    long closing = System.nanoTime();
    nodes[leader].close();
    nodes[leader] = null;
    long closed = System.nanoTime();
    int next = awaitLeader();
    long took = System.nanoTime() - closing;

    assertTrue(next != leader);
    assertEquals(epoch + 1, nodes[next].status().get(0).epoch(), "one election");
    long durable = wals[next].shard(0).durablePosition();
    for (SignalAck ack : acked) {
      assertTrue(ack.position() < durable, "acknowledged " + ack + " held, durable " + durable);
    }
    SignalAck after = write(next, 21, Durability.QUORUM);
    assertEquals(Durability.QUORUM, after.durability());
    System.out.printf(
        "node failover on the leader's closed link (clock stopped, wall time): new leader %.1f ms"
            + " after the close began (the close took %.1f ms), epoch %d after %d%n",
        took / 1e6, (closed - closing) / 1e6, epoch + 1, epoch);
  }

  @Test
  void shouldRefuseATransferFromARegionThatDoesNotLeadOrToAnUnknownRegion() throws Exception {
    int leader = settle();
    int follower = (leader + 1) % 3;
    ExecutionException notLeader =
        assertThrows(
            ExecutionException.class,
            () ->
                nodes[follower]
                    .transferLeadership(0, REGIONS.get(leader))
                    .get(10, TimeUnit.SECONDS));
    assertTrue(notLeader.getCause() instanceof NotLeaderException, notLeader.toString());
    ExecutionException unknown =
        assertThrows(
            ExecutionException.class,
            () -> nodes[leader].transferLeadership(0, RegionId.of(9)).get(10, TimeUnit.SECONDS));
    assertTrue(unknown.getCause() instanceof InvalidArgumentException, unknown.toString());
    nodes[leader].transferLeadership(0, REGIONS.get(leader)).get(10, TimeUnit.SECONDS);
    nodes[leader].checkLeader(0);
  }

  @Test
  void shouldHandTheShardBackToItsPreferredRegionOnceItRestartedAndCaughtUp() throws Exception {
    time.resume(); // the return waits for a stable period of heartbeats: time runs here
    await().atMost(DEADLINE).until(() -> !refuses(0)); // region 0 is shard 0's preferred region
    nodes[0].close();
    nodes[0] = null;
    int interim = awaitLeader();
    long failoverEpoch = nodes[interim].status().get(0).epoch();
    write(interim, 1, Durability.QUORUM); // written while region 0 is down

    long restarted = System.nanoTime();
    startNode(0);
    await().atMost(DEADLINE).until(() -> !refuses(0));
    long took = System.nanoTime() - restarted;

    long epoch = nodes[0].status().get(0).epoch();
    assertTrue(epoch > failoverEpoch, "a later epoch: " + epoch + " after " + failoverEpoch);
    assertEquals(
        wals[interim].shard(0).durablePosition(),
        wals[0].shard(0).durablePosition(),
        "it caught up before it led");
    System.out.printf(
        "node return to the preferred region: %d ms after its restart, epoch %d after %d%n",
        TimeUnit.NANOSECONDS.toMillis(took), epoch, failoverEpoch);
  }

  /**
   * A write as the store makes it at {@code region}: leader check, fenced append, durability wait;
   * refused by the check (or the fence), forwarded to the leader the region knows.
   */
  private SignalAck write(int region, long n, Durability level) throws Exception {
    ReplicationNode node = nodes[region];
    ShardLog log = wals[region].shard(0);
    try {
      long epoch = node.checkLeaderEpoch(0);
      long position;
      try {
        position = log.appendSignal(epoch, 1, n, 1.0, 1_700_000_000_000L, n + 1, region);
      } catch (FencedAppendException e) {
        node.checkLeader(0); // throws NotLeaderException when it no longer leads
        throw e;
      }
      log.awaitDurable(position, DEADLINE.toNanos());
      node.whenStored(0, position, level).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
      return new SignalAck(ShardId.of(0), position, new HlcStamp(n + 1), level);
    } catch (NotLeaderException e) {
      return node.forward(
              0, new Signal(TENANT, TYPE, EntityId.of(n), 1.0, Timestamp.ofMillis(1)), level)
          .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  private boolean refuses(int region) {
    try {
      nodes[region].checkLeader(0);
      return false;
    } catch (NotLeaderException e) {
      return true;
    }
  }

  /** Elects a leader, defines the series and stores a write at ALL, then stops the clock. */
  private int settle() throws Exception {
    for (int attempt = 1; ; attempt++) {
      time.resume();
      int leader = awaitLeader();
      try {
        ShardLog log = wals[leader].shard(0);
        long epoch = nodes[leader].checkLeaderEpoch(0);
        if (log.nextPosition() == 0) {
          log.appendDefine(epoch, 1, TENANT.name(), TYPE.name());
        }
        time.stop();
        write(leader, 0, Durability.ALL);
        return leader;
      } catch (NotLeaderException | ExecutionException e) {
        if (attempt == 5) {
          throw e;
        }
      }
    }
  }

  private int awaitLeader() {
    int[] found = {-1};
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              for (int i = 0; i < 3; i++) {
                if (nodes[i] != null && !refuses(i)) {
                  found[0] = i;
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  private void startNode(int i) {
    ReplicationConfig config =
        ReplicationConfig.defaults(REGIONS.get(i), REGIONS, dir.resolve("epochs-" + i))
            .withTimings(Duration.ofMillis(20), Duration.ofMillis(100))
            .withDurabilityTimeout(Duration.ofSeconds(30));
    ReplicationNode node = new ReplicationNode(config, wals[i], transport, time);
    nodes[i] = node;
    WalEngine wal = wals[i];
    int region = i;
    node.attach(
        new ReplicaState() {
          @Override
          public long truncateLog(int shard, long position, long fenceEpoch) {
            return wal.shard(shard).truncateFrom(position);
          }

          @Override
          public CompletableFuture<SignalAck> acceptForwarded(
              Signal signal, Durability durability) {
            try {
              ShardLog log = wal.shard(0);
              long epoch = node.checkLeaderEpoch(0);
              long position =
                  log.appendSignal(
                      epoch,
                      1,
                      signal.entity().value(),
                      signal.weight(),
                      1_700_000_000_000L,
                      1,
                      region);
              return log.whenDurable(position)
                  .thenCompose(v -> node.whenStored(0, position, durability))
                  .thenApply(
                      v -> new SignalAck(ShardId.of(0), position, new HlcStamp(1), durability));
            } catch (RuntimeException e) {
              return CompletableFuture.failedFuture(e);
            }
          }
        });
  }
}
