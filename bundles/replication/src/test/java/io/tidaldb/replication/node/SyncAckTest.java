package io.tidaldb.replication.node;

import static io.tidaldb.replication.node.EpochSyncHarness.batches;
import static io.tidaldb.replication.node.FollowerFixture.A;
import static io.tidaldb.replication.node.FollowerFixture.SHARD;
import static io.tidaldb.replication.node.FollowerFixture.encoder;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.replication.wire.FrameDescriptor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follower repeats its epoch sync's ACK on the leader's heartbeats until it has appended a
 * batch of the leader. The data-path simulation's seed 5649: B asked A where its epoch ends twice
 * (the request repeats every heartbeat until answered), synced on the first answer and acked; A
 * started a shipper on that ACK, then the second request arrived and ended it ({@code
 * LeaderSide#onFollowerSync}). The batches that shipper had sent reached B with the first one lost:
 * all gaps. B counted them as taken and stopped repeating its sync ACK, its {@code FollowerDb} had
 * appended nothing to acknowledge, and A ignores resend requests from a region without a shipper: B
 * never caught up. Region B is a real {@link ShardReplica} over a real WAL ({@link
 * FollowerFixture}); A's frames are played by the test.
 */
class SyncAckTest {
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
  void shouldRepeatTheSyncAckOnHeartbeatsWhileTheLeadersBatchesArriveOnlyAsGaps() {
    fx.leaderA.activate(1);
    fx.appendAtA(1);
    fx.appendAtA(1);
    fx.appendAtA(1);
    List<ByteBuffer> batches = batches(fx.logA);
    assertEquals(3, batches.size());
    fx.followA();
    assertEquals(0, fx.sentByB.last(FrameDescriptor.ACK).ackHwm(), "B's sync ACK");

    // The first batch is lost; the later ones arrive as gaps and are refused.
    fx.deliverBatch(batches.get(1));
    fx.deliverBatch(batches.get(2));
    assertEquals(0, fx.logB.nextPosition());
    long acksBefore = syncAcks();

    fx.deliver(
        A, encoder().heartbeat(fx.out(), 0, SHARD, A.value(), 1, fx.logA.durablePosition(), 0));
    assertEquals(
        acksBefore + 1,
        syncAcks(),
        "B acknowledges its sync position again on A's heartbeat: A may have no shipper for it");
  }

  private long syncAcks() {
    return fx.sentByB.sent().stream()
        .filter(s -> s.frame().type() == FrameDescriptor.ACK && s.frame().ackHwm() == 0)
        .count();
  }
}
