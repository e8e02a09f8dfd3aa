package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.api.replication.ShardReplicationStatus.SnapshotProgress;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.transport.inprocess.InProcessTransport;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot catch-up over three real nodes, real WALs and the in-process transport: a follower whose
 * position its leader's log no longer holds (trimmed while it was down, or its own log is empty) is
 * shipped a snapshot ({@link SnapshotStore}), installs it, and follows from its position.
 */
class SnapshotCatchUpTest {
  private static final List<RegionId> REGIONS =
      List.of(RegionId.of(0), RegionId.of(1), RegionId.of(2));
  private static final long SEGMENT_BYTES = 16 * 1024;
  private static final int SNAPSHOT_BYTES = 600 * 1024;
  private static final int CHUNK_BYTES = 32 * 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Duration STORED = Duration.ofSeconds(30);

  @TempDir Path dir;
  private InProcessTransport transport;
  private final WalEngine[] wals = new WalEngine[3];
  private final SnapshotStore[] stores = new SnapshotStore[3];
  private final ReplicationNode[] nodes = new ReplicationNode[3];

  @BeforeEach
  void start() {
    transport = new InProcessTransport();
    for (int i = 0; i < 3; i++) {
      openWal(i);
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
    for (SnapshotStore s : stores) {
      assertEquals(0, s.open.get(), "every snapshot opened was closed");
    }
  }

  @Test
  void shouldCatchUpAFollowerBehindTheTrimmedLogWithASnapshotAndThenFollow() throws Exception {
    int leader = awaitLeader(-1);
    int down = (leader + 1) % 3;
    long behind = storeAll(leader);
    stopNode(down);
    long p = writeAndTrim(leader, behind);
    startNode(down);
    awaitCaughtUp(leader, down, p);
    assertEquals(List.of(p), stores[down].installed);
    assertEquals(1, nodes[leader].snapshotEvents(SnapshotEvent.INSTALLED));
    assertTrue(nodes[leader].snapshotEvents(SnapshotEvent.BYTES_SENT) >= SNAPSHOT_BYTES);
    followsWithQuorumAndAll(leader, down);
  }

  @Test
  void shouldCatchUpAFollowerWithAnEmptyLog() throws Exception {
    int leader = awaitLeader(-1);
    int wiped = (leader + 1) % 3;
    storeAll(leader);
    stopNode(wiped);
    wals[wiped].close();
    deleteTree(dir.resolve("wal-" + wiped));
    openWal(wiped);
    long p = writeAndTrim(leader, 1);
    startNode(wiped);
    awaitCaughtUp(leader, wiped, p);
    followsWithQuorumAndAll(leader, wiped);
    // its EPOCH_END_REQUEST asks where epoch 0 ends: at the trimmed log's start, whose record
    // below is gone (it used to throw there, on the replication thread, and go unanswered)
    assertEquals(0, nodes[leader].failureLinesLogged(), "no frame failed at the leader");
  }

  @Test
  void shouldResumeATransferCutHalfwayFromTheAckedOffsetAndShowItsProgress() throws Exception {
    int leader = awaitLeader(-1);
    int down = (leader + 1) % 3;
    long behind = storeAll(leader);
    stopNode(down);
    long p = writeAndTrim(leader, behind);
    CountDownLatch half = new CountDownLatch(1);
    stores[down].onWritten =
        n -> {
          if (n >= SNAPSHOT_BYTES / 2 && half.getCount() > 0) {
            transport.cut(REGIONS.get(leader), REGIONS.get(down)); // mid-transfer
            half.countDown();
          }
        };
    startNode(down);
    assertTrue(half.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "half the snapshot arrived");
    SnapshotProgress received = catchUp(down, down);
    assertEquals(p, received.position());
    assertEquals(SNAPSHOT_BYTES, received.bytesTotal());
    assertTrue(received.bytesDone() >= SNAPSHOT_BYTES / 2, received.toString());
    assertTrue(received.bytesDone() < SNAPSHOT_BYTES, received.toString());
    SnapshotProgress acked = catchUp(leader, down);
    assertEquals(p, acked.position());
    assertTrue(acked.bytesDone() <= received.bytesDone(), acked + " vs " + received);
    assertTrue(nodes[leader].retainFrom(0) <= p, "the log is kept from the snapshot's position");
    stores[down].onWritten = n -> {};
    transport.heal(REGIONS.get(leader), REGIONS.get(down));
    awaitCaughtUp(leader, down, p);
    long resent = nodes[leader].snapshotEvents(SnapshotEvent.BYTES_RESENT);
    System.out.printf("snapshot resent %d of %d bytes after the cut%n", resent, SNAPSHOT_BYTES);
    // at most the window in flight at the cut is sent again (4 chunks, which may exceed half of
    // this small snapshot); a restart would need a second sink (asserted next) and send it all
    assertTrue(resent < SNAPSHOT_BYTES, "resumed, not restarted: resent " + resent);
    assertEquals(1, nodes[down].snapshotEvents(SnapshotEvent.RECEIVE_STARTED), "one sink");
    assertTrue(nodes[down].snapshotEvents(SnapshotEvent.RECEIVE_RESUMED) >= 1, "offered again");
    followsWithQuorumAndAll(leader, down);
  }

  @Test
  void shouldRestartATransferWhoseInstallFailsTheChecksumAndSucceed() throws Exception {
    int leader = awaitLeader(-1);
    int down = (leader + 1) % 3;
    long behind = storeAll(leader);
    stopNode(down);
    long p = writeAndTrim(leader, behind);
    stores[down].corruptInstalls.set(1);
    startNode(down);
    awaitCaughtUp(leader, down, p);
    assertEquals(1, nodes[down].snapshotEvents(SnapshotEvent.INSTALL_FAILED));
    assertEquals(1, nodes[leader].snapshotEvents(SnapshotEvent.FOLLOWER_FAILED));
    assertEquals(2, nodes[leader].snapshotEvents(SnapshotEvent.OPENED), "reopened");
    assertEquals(List.of(p), stores[down].installed);
    followsWithQuorumAndAll(leader, down);
  }

  @Test
  void shouldCatchUpFromTheNextLeaderWhenTheLeaderCrashesMidTransfer() throws Exception {
    int leader = awaitLeader(-1);
    int down = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    long behind = storeAll(leader);
    stopNode(down);
    long p = writeAndTrim(leader, behind);
    trim(other); // the next leader's log does not reach the follower either
    CountDownLatch half = new CountDownLatch(1);
    stores[down].onWritten =
        n -> {
          if (n >= SNAPSHOT_BYTES / 2 && half.getCount() > 0) {
            // no further chunk arrives before the crash (otherwise, on a slow machine, the
            // transfer could finish first and the follower would no longer be behind)
            transport.cut(REGIONS.get(leader), REGIONS.get(down));
            half.countDown();
          }
        };
    startNode(down);
    assertTrue(half.await(DEADLINE.toSeconds(), TimeUnit.SECONDS), "half the snapshot arrived");
    // Under load the leader may have lost its lease already (starved heartbeats): then the next
    // leader may be elected while it still runs, and its ack can make the quorum for the snapshot
    boolean ledUntilTheCrash = leads(leader);
    stopNode(leader); // crashes mid-transfer: its snapshot is closed
    stores[down].onWritten = n -> {};
    int next = awaitLeader(leader);
    assertEquals(other, next, "the follower behind cannot win");
    long end = wals[next].shard(0).durablePosition();
    await()
        .atMost(DEADLINE)
        .until(
            () ->
                wals[down].shard(0).durablePosition() >= end && !stores[down].installed.isEmpty());
    assertTrue(stores[down].installed.get(0) >= p, stores[down].installed.toString());
    // the follower is needed for a quorum of the two regions left: offered after the wait
    if (ledUntilTheCrash) {
      assertEquals(1, nodes[next].snapshotEvents(SnapshotEvent.OFFERED_BEYOND_QUORUM));
    }
    assertEquals(1, nodes[down].snapshotEvents(SnapshotEvent.RECEIVE_ABANDONED), "old sink");
    long last = append(next, 50);
    nodes[next].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    await().atMost(DEADLINE).until(() -> wals[down].shard(0).durablePosition() > last);
  }

  /** Stores a record at ALL and returns the position every region holds. */
  private long storeAll(int leader) throws Exception {
    long last = append(leader, 200);
    nodes[leader].whenStored(0, last, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    return last + 1;
  }

  /**
   * Writes enough to fill segments, trims the leader's log above {@code behind}; returns its end.
   */
  private long writeAndTrim(int leader, long behind) throws Exception {
    long last = -1;
    for (int i = 0; i < 10; i++) {
      last = append(leader, 200);
    }
    nodes[leader].whenStored(0, last, Durability.QUORUM).get(STORED.toSeconds(), TimeUnit.SECONDS);
    trim(leader);
    assertTrue(
        wals[leader].shard(0).startPosition() > behind,
        "the log no longer reaches "
            + behind
            + ": starts at "
            + wals[leader].shard(0).startPosition());
    return wals[leader].shard(0).durablePosition();
  }

  private void trim(int region) {
    ShardLog log = wals[region].shard(0);
    assertTrue(log.truncateBefore(log.durablePosition()) > 0, "segments deleted");
  }

  private void awaitCaughtUp(int leader, int follower, long p) {
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                wals[follower].shard(0).startPosition() == p
                    && wals[follower].shard(0).durablePosition()
                        >= wals[leader].shard(0).durablePosition()
                    && nodes[leader].snapshotEvents(SnapshotEvent.INSTALLED) > 0);
  }

  /** Later writes are acknowledged at ALL, which needs the caught-up follower. */
  private void followsWithQuorumAndAll(int leader, int follower) throws Exception {
    long last = append(leader, 100);
    nodes[leader].whenStored(0, last, Durability.ALL).get(STORED.toSeconds(), TimeUnit.SECONDS);
    assertTrue(wals[follower].shard(0).durablePosition() > last);
    ShardReplicationStatus status = nodes[leader].status().get(0);
    for (RegionProgress r : status.regions()) {
      assertEquals(Optional.empty(), r.catchUp(), "transfer over: " + r);
    }
    assertEquals(
        0, nodes[leader].snapshotEvents(SnapshotEvent.ABANDONED), "no transfer was abandoned");
  }

  /** The catch-up progress {@code region} reports for {@code about}, awaited. */
  private SnapshotProgress catchUp(int region, int about) {
    SnapshotProgress[] found = {null};
    await()
        .atMost(DEADLINE)
        .until(
            () -> {
              for (RegionProgress r : nodes[region].status().get(0).regions()) {
                if (r.region().equals(REGIONS.get(about)) && r.catchUp().isPresent()) {
                  found[0] = r.catchUp().get();
                  return true;
                }
              }
              return false;
            });
    return found[0];
  }

  private void openWal(int i) {
    wals[i] =
        WalEngine.open(
            WalConfig.builder(dir.resolve("wal-" + i))
                .shardCount(1)
                .segmentBytes(SEGMENT_BYTES)
                .build());
  }

  private void startNode(int i) {
    ReplicationConfig config =
        ReplicationConfig.defaults(REGIONS.get(i), REGIONS, dir.resolve("epochs-" + i))
            .withTimings(Duration.ofMillis(20), Duration.ofMillis(200))
            .withDurabilityTimeout(STORED);
    config = config.withShipping(config.shipping().withSnapshotChunkBytes(CHUNK_BYTES));
    nodes[i] = new ReplicationNode(config, wals[i], transport, System::nanoTime);
    if (stores[i] == null || !stores[i].uses(wals[i])) {
      stores[i] = new SnapshotStore(wals[i], SNAPSHOT_BYTES);
    }
    nodes[i].attach(stores[i]);
  }

  private void stopNode(int i) {
    nodes[i].close();
    nodes[i] = null;
  }

  private boolean leads(int region) {
    try {
      nodes[region].checkLeader(0);
      return true;
    } catch (NotLeaderException e) {
      return false;
    }
  }

  private int awaitLeader(int not) {
    int[] found = {-1};
    await()
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              for (int i = 0; i < 3; i++) {
                if (i != not && nodes[i] != null) {
                  try {
                    nodes[i].checkLeader(0);
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

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = java.nio.file.Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        java.nio.file.Files.delete(p);
      }
    }
  }
}
