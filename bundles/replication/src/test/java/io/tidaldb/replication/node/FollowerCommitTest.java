package io.tidaldb.replication.node;

import static io.tidaldb.replication.node.EpochSyncHarness.batches;
import static io.tidaldb.replication.node.FollowerFixture.A;
import static io.tidaldb.replication.node.FollowerFixture.C;
import static io.tidaldb.replication.node.FollowerFixture.SHARD;
import static io.tidaldb.replication.node.FollowerFixture.encoder;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower's known commit (issue 12): taken from its leader's HEARTBEAT only once it completed
 * the epoch sync with that leader in its epoch, bounded by its own durable position and by the
 * leader's announced HWM, never lowered, and not taken from a new leader it has not synced with.
 * Region B is a real {@link ShardReplica} over a real WAL ({@link FollowerFixture}); A's and C's
 * frames are played by the test.
 */
class FollowerCommitTest {
  @TempDir Path dir;
  private FollowerFixture fx;

  @BeforeEach
  void start() {
    fx = new FollowerFixture(dir, batch -> {});
  }

  @AfterEach
  void stop() {
    fx.close();
  }

  @Test
  void shouldTakeTheLeadersCommitOnlyOnceSyncedAndNotBeyondItsOwnDurablePosition() {
    fx.leaderA.activate(1);
    fx.appendAtA(1); // one batch each
    fx.appendAtA(1);
    fx.appendAtA(1);
    List<ByteBuffer> batches = batches(fx.logA);
    assertEquals(3, batches.size());
    heartbeat(A, 1, 3, 3); // B learns its leader: not synced yet
    fx.replicaB.doWork(fx.tick());
    assertEquals(List.of(), fx.committedB, "nothing before the sync");

    fx.followA();
    heartbeat(A, 1, 3, 1); // synced; nothing of A's log is durable here yet: min(1, 0)
    fx.replicaB.doWork(fx.tick());
    assertEquals(List.of(), fx.committedB, "min(commit, durable 0)");
    fx.deliverBatch(batches.get(0));
    fx.deliverBatch(batches.get(1));
    fx.awaitAck(2);
    fx.replicaB.doWork(fx.tick());
    assertEquals(List.of(1L), fx.committedB, "not beyond the leader's commit");
    heartbeat(A, 1, 3, 2);
    fx.deliverBatch(batches.get(2));
    fx.awaitAck(3);
    fx.replicaB.doWork(fx.tick());
    assertEquals(List.of(1L, 2L), fx.committedB, "the leader's commit, below B's durable 3");
    heartbeat(A, 1, 2, 9); // a commit above the leader's announced HWM counts up to that HWM
    heartbeat(A, 1, 3, 1); // and never lower
    fx.replicaB.doWork(fx.tick());
    assertEquals(List.of(1L, 2L), fx.committedB);

    heartbeat(C, 2, 50, 40); // C leads epoch 2: B has not synced with it
    fx.replicaB.doWork(fx.tick());
    assertEquals(List.of(1L, 2L), fx.committedB, "no commit from a leader not synced with");
  }

  private void heartbeat(io.tidaldb.api.RegionId from, long epoch, long hwm, long commit) {
    fx.deliver(
        from, encoder().heartbeat(fx.out(), 0, SHARD, from.value(), epoch, hwm, fx.now(), commit));
  }
}
