package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication thread of a region fails: an Error kills it (before, the region went on accepting
 * writes as leader, its {@code checkLeader} answering from the state the dead thread left, while
 * the others elected another leader), a RuntimeException on every round of a shard is counted and
 * logged once, the shard's work retried with back-off (before, an ERROR with a stack trace per
 * round, every idle park).
 */
class ReplicationThreadFailureTest {
  private static final List<RegionId> REGIONS =
      List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2));
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path dir;
  private InProcessTransport transport;
  private final WalEngine[] wals = new WalEngine[3];
  private final FailingLogs[] failing = new FailingLogs[3];
  private final ReplicationNode[] nodes = new ReplicationNode[3];
  private final FreezableClock[] clocks = new FreezableClock[3];

  @BeforeEach
  void start() {
    transport = new InProcessTransport();
    for (int i = 0; i < 3; i++) {
      wals[i] = WalEngine.open(WalConfig.builder(dir.resolve("wal-" + i)).shardCount(2).build());
      failing[i] = new FailingLogs("tidal-replication-");
      ReplicationConfig config =
          ReplicationConfig.defaults(REGIONS.get(i), REGIONS, dir.resolve("epochs-" + i))
              .withTimings(Duration.ofMillis(20), Duration.ofMillis(100));
      clocks[i] = new FreezableClock();
      nodes[i] = new ReplicationNode(config, failing[i].wrap(wals[i]), transport, clocks[i]);
      WalEngine wal = wals[i];
      nodes[i].attach((shard, position, fence) -> wal.shard(shard).truncateFrom(position));
    }
  }

  @AfterEach
  void stop() {
    for (int i = 0; i < 3; i++) {
      nodes[i].close();
      wals[i].close();
    }
    transport.close();
  }

  @Test
  void shouldStepDownFromEveryShardAndSayWhyWhenTheReplicationThreadDies() {
    int dead = awaitLeader(0, -1);
    failing[dead].armed.set(() -> new StackOverflowError("injected"));

    // before: the thread died, nobody stepped down, and checkLeader kept answering from the state
    // it left (the others elected a new leader meanwhile)
    await()
        .atMost(DEADLINE)
        .until(() -> nodes[dead].status().stream().allMatch(s -> s.problem().isPresent()));
    assertThrows(NotLeaderException.class, () -> nodes[dead].checkLeader(0));
    for (ShardReplicationStatus s : nodes[dead].status()) {
      assertEquals(Role.FOLLOWER, s.role(), s.toString());
      String problem = s.problem().orElseThrow(() -> new AssertionError(s.toString()));
      assertTrue(problem.contains("tidal-replication-" + REGIONS.get(dead)), problem);
      assertTrue(problem.contains("StackOverflowError"), problem);
    }
    assertEquals(1, nodes[dead].threadDeaths());
    int next = awaitLeader(0, dead);
    assertTrue(next != dead);
    assertThrows(NotLeaderException.class, () -> nodes[dead].checkLeader(1));
  }

  @Test
  void shouldCountAndLogOnceAndBackOffWhenAShardsWorkKeepsFailing() {
    int region = awaitLeader(0, -1);
    ReplicationNode node = nodes[region];
    FailingLogs logs = failing[region];
    FreezableClock clock = clocks[region];
    logs.armed.set(() -> new IllegalStateException("injected"));
    await().atMost(DEADLINE).until(() -> logs.thrown.get() >= 2);

    // Time stands still for the region: a shard that failed waits out its back-off, however many
    // rounds the replication thread runs (before: both shards failed again on every round).
    clock.freeze();
    long thrownAtFreeze = logs.thrown.get();
    long reads = clock.reads();
    await().atMost(DEADLINE).until(() -> clock.reads() >= reads + 500); // ~500 rounds
    long during = logs.thrown.get() - thrownAtFreeze;
    assertTrue(during <= 4, during + " failures in ~500 rounds while backing off");

    await().atMost(DEADLINE).until(() -> node.workFailures() == logs.thrown.get());
    assertTrue(node.failureLinesLogged() <= 2, "one line per cause: " + node.failureLinesLogged());
    assertEquals(0, node.threadDeaths(), "the thread goes on");
    logs.armed.set(null);
    clock.thaw();
  }

  /** The monotonic clock of one region, which a test can stop; counts its reads. */
  private static final class FreezableClock implements LongSupplier {
    private final AtomicLong reads = new AtomicLong();
    private volatile long frozenAt = Long.MIN_VALUE;

    @Override
    public long getAsLong() {
      reads.incrementAndGet();
      long frozen = frozenAt;
      return frozen != Long.MIN_VALUE ? frozen : System.nanoTime();
    }

    void freeze() {
      frozenAt = System.nanoTime();
    }

    void thaw() {
      frozenAt = Long.MIN_VALUE;
    }

    long reads() {
      return reads.get();
    }
  }

  /** Waits until a region other than {@code not} leads {@code shard} and accepts writes. */
  private int awaitLeader(int shard, int not) {
    int[] found = {-1};
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              for (int i = 0; i < 3; i++) {
                if (i == not) {
                  continue;
                }
                try {
                  nodes[i].checkLeader(shard);
                  found[0] = i;
                  return true;
                } catch (NotLeaderException e) {
                  // not (yet) the leader
                }
              }
              return false;
            });
    return found[0];
  }
}
