package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FORWARD the link delivers twice (the in-process transport's duplication hands a frame to the
 * handler twice in a row; {@code LinkFaultScenarioTest}'s lossy, duplicating links counted an
 * acknowledged write twice on every region, seed 42324174282118) is stored once: the leader, region
 * 0 here (a real node that won epoch 1), answers the copy with the first copy's outcome. A copy of
 * a request refused before this region led is refused again, not stored: its origin was told it was
 * not stored and may have written it again elsewhere.
 */
class ForwardDuplicateTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path dir;
  private WalEngine wal;
  private PeerProbe probe;
  private final AtomicInteger stored = new AtomicInteger();

  @BeforeEach
  void start() {
    wal = WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(1).build());
    probe = new PeerProbe(dir, wal);
    probe.node.detach(probe.store);
    probe.node.attach(
        new ReplicaState() {
          @Override
          public long truncateLog(int shard, long position, long fenceEpoch) {
            return probe.store.truncateLog(shard, position, fenceEpoch);
          }

          @Override
          public CompletableFuture<SignalAck> acceptForwarded(
              Signal signal, Durability durability) {
            long position = stored.getAndIncrement();
            return CompletableFuture.completedFuture(
                new SignalAck(ShardId.of(0), position, new HlcStamp(position + 1), durability));
          }
        });
  }

  @AfterEach
  void stop() {
    probe.close();
    wal.close();
  }

  @Test
  void shouldStoreAForwardTheLinkDuplicatedOnceAndAnswerBothCopiesAlike() {
    probe.winEpochOne();
    forwardTwiceFromRegion2(77);
    List<PeerProbe.Received> replies = awaitReplies(2);
    assertEquals(1, stored.get(), "the copy was stored again");
    assertEquals(77, replies.get(0).first());
    assertEquals(77, replies.get(1).first());
    assertEquals(replies.get(0).second(), replies.get(1).second(), "both at the same position");
    assertEquals(1, probe.node.forwardDuplicates());
    // another request of the same origin is a new one
    forward(78);
    awaitReplies(3);
    assertEquals(2, stored.get());
  }

  @Test
  void shouldNotStoreACopyOfARequestRefusedBeforeThisRegionLed() {
    forward(5); // region 0 follows nobody and does not lead: NOT_LEADER, nothing stored
    awaitReplies(1);
    probe.winEpochOne();
    forward(5); // the copy, late (a duplicated and reordered frame)
    awaitReplies(2);
    assertEquals(0, stored.get(), "the copy of a refused request was stored");
    forward(6);
    awaitReplies(3);
    assertEquals(1, stored.get());
  }

  private void forwardTwiceFromRegion2(long id) {
    forward(id);
    forward(id);
  }

  private void forward(long id) {
    probe.send(
        2,
        (e, b, s) ->
            e.forward(
                b,
                0,
                0,
                s,
                1,
                id,
                180,
                1.0,
                1_700_000_000_000L,
                FrameDescriptor.DURABILITY_LOCAL,
                "default",
                "hit"));
  }

  private List<PeerProbe.Received> awaitReplies(int n) {
    await().atMost(DEADLINE).until(() -> replies().size() >= n);
    return replies();
  }

  private List<PeerProbe.Received> replies() {
    return probe.received.stream()
        .filter(r -> r.type() == FrameDescriptor.FORWARD_REPLY && r.to().value() == 2)
        .toList();
  }
}
