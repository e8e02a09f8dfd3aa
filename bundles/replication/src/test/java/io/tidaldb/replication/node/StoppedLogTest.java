package io.tidaldb.replication.node;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A region whose WAL of a shard stopped (a write, fsync or listener failure; injected here as a
 * commit listener that throws) can make nothing durable: as leader it steps down and does not run
 * again, as follower it stops acknowledging, and both say why in their status.
 */
class StoppedLogTest {
  private static final List<RegionId> REGIONS =
      List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2));
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final Duration STORED = Duration.ofSeconds(30);
  private static final String CAUSE = "disk full (injected)";

  @TempDir Path dir;
  private InProcessTransport transport;
  private final WalEngine[] wals = new WalEngine[3];
  private final ReplicationNode[] nodes = new ReplicationNode[3];

  @BeforeEach
  void start() {
    transport = new InProcessTransport();
    for (int i = 0; i < 3; i++) {
      wals[i] = WalEngine.open(WalConfig.builder(dir.resolve("wal-" + i)).shardCount(1).build());
      ReplicationConfig config =
          ReplicationConfig.defaults(REGIONS.get(i), REGIONS, dir.resolve("epochs-" + i))
              .withTimings(Duration.ofMillis(20), Duration.ofMillis(100))
              .withDurabilityTimeout(STORED);
      nodes[i] = new ReplicationNode(config, wals[i], transport, System::nanoTime);
      WalEngine wal = wals[i];
      nodes[i].attach((shard, position, fence) -> wal.shard(shard).truncateFrom(position));
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

  @Test
  void shouldStepDownAndNeverRunAgainWhenTheLeadersLogStops() throws Exception {
    int stopped = (int) appendAtLeader(-1, 10)[0];
    ShardLog log = wals[stopped].shard(0);
    log.setCommitListener(
        b -> {
          throw new IllegalStateException(CAUSE);
        });
    long failing = log.appendSignal(1, 1, 1.0, 1_700_000_000_000L, 99, 1);
    assertThrows(StorageException.class, () -> log.awaitDurable(failing, STORED.toNanos()));

    await() // before: it kept leading, its lease renewed by heartbeats, and said nothing
        .atMost(DEADLINE)
        .until(() -> nodes[stopped].status().get(0).problem().isPresent());
    ShardReplicationStatus status = nodes[stopped].status().get(0);
    assertEquals(Role.FOLLOWER, status.role());
    assertTrue(status.problem().get().contains("WAL stopped"), status.toString());
    assertTrue(status.problem().get().contains(CAUSE), status.toString());
    assertThrows(NotLeaderException.class, () -> nodes[stopped].checkLeader(0));
    long[] appended = appendAtLeader(stopped, 10);
    int next = (int) appended[0];
    long last = appended[1];
    nodes[next].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);

    // The new leader goes away: the third region, not the stopped one, must take over.
    nodes[next].close();
    nodes[next] = null;
    int third = awaitLeader(stopped);
    assertNotEquals(next, third);
    assertThrows(NotLeaderException.class, () -> nodes[stopped].checkLeader(0));
    assertTrue(nodes[stopped].status().get(0).problem().isPresent());
  }

  @Test
  void shouldStopAcknowledgingAndSayWhyWhenAFollowersLogStops() throws Exception {
    long[] appended = appendAtLeader(-1, 10);
    int leader = (int) appended[0];
    int follower = (leader + 1) % 3;
    long first = appended[1];
    nodes[leader].whenStored(0, first, Durability.ALL).get(STORED.toSeconds(), SECONDS);
    wals[follower]
        .shard(0)
        .setCommitListener(
            b -> {
              throw new IllegalStateException(CAUSE);
            });
    // Leadership may move under load meanwhile; the follower whose log stopped must never lead.
    appended = appendAtLeader(follower, 10);
    int current = (int) appended[0];
    long second = appended[1];
    nodes[current].whenStored(0, second, Durability.QUORUM).get(STORED.toSeconds(), SECONDS);
    await().atMost(DEADLINE).until(() -> nodes[follower].status().get(0).problem().isPresent());
    ShardReplicationStatus status = nodes[follower].status().get(0);
    assertTrue(status.problem().get().contains(CAUSE), status.toString());
    assertEquals(Role.FOLLOWER, status.role());

    appended = appendAtLeader(follower, 10);
    current = (int) appended[0];
    long third = appended[1];
    nodes[current].whenStored(0, third, Durability.QUORUM).get(STORED.toSeconds(), SECONDS);
    long heard =
        nodes[current].status().get(0).regions().stream()
            .filter(p -> p.region().equals(REGIONS.get(follower)))
            .findFirst()
            .orElseThrow()
            .hwm();
    assertTrue(
        heard <= first + 1, "the leader heard no ack beyond the last durable batch: " + heard);
    assertEquals(first + 1, wals[follower].shard(0).durablePosition());
  }

  /**
   * Waits until a running region other than {@code not} leads shard 0, failing if {@code not} does.
   */
  private int awaitLeader(int not) {
    int[] found = {-1};
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              for (int i = 0; i < 3; i++) {
                if (nodes[i] != null && nodes[i].status().get(0).role() == Role.LEADER) {
                  if (i == not) {
                    throw new AssertionError("region " + i + " leads again with its log stopped");
                  }
                  try {
                    nodes[i].checkLeader(0);
                    found[0] = i;
                    return true;
                  } catch (NotLeaderException e) {
                    // elected, not yet accepting writes
                  }
                }
              }
              return false;
            });
    return found[0];
  }

  /**
   * Appends {@code n} records at the region leading shard 0, other than {@code not}, again at the
   * next leader if leadership moves under load meanwhile; returns {region, last position}.
   */
  private long[] appendAtLeader(int not, int n) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      int region = awaitLeader(not);
      try {
        return new long[] {region, append(region, n)};
      } catch (NotLeaderException e) {
        assertTrue(System.nanoTime() < deadline, "no stable leader: " + e.getMessage());
      }
    }
  }

  private long append(int region, int n) {
    nodes[region].checkLeader(0);
    ShardLog log = wals[region].shard(0);
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
}
