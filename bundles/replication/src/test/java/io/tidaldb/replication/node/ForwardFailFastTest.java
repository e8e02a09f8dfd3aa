package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forwarded write fails at once, saying whether anything was sent, when the origin learns that
 * the leader it forwarded to no longer leads or that the link to it is cut; before, it waited its
 * whole timeout (the durability timeout + 1 s; here 31 s, and the manual clock never gets there).
 */
class ForwardFailFastTest {
  private static final Duration AT_ONCE = Duration.ofSeconds(5);

  @TempDir Path dir;
  @RegisterExtension final LeaderProbe leader = new LeaderProbe(() -> dir);

  @Test
  void shouldFailAForwardAtOnceWhenANewLeaderIsLearnedSayingItWasSent() {
    CompletableFuture<SignalAck> sent = forward();
    leader.probe().awaitReceived(FrameDescriptor.FORWARD);
    assertFalse(sent.isDone());
    leader.probe().heartbeat(2, 0, 2, 0); // region 2 leads epoch 2: region 1 will never reply
    UnavailableException e = awaitFailure(sent);
    assertTrue(e.mayBeStored(), e.getMessage());
    assertEquals(RegionId.of(1), e.region().orElseThrow());
    assertTrue(
        e.getMessage().startsWith("sent to region region-1, may or may not be stored"),
        e.getMessage());
    assertTrue(e.getMessage().contains("no longer the leader of shard 0"), e.getMessage());
  }

  @Test
  void shouldFailEveryForwardAtOnceWhenTheLinkToTheLeaderIsCutSayingWhichWereSent() {
    CompletableFuture<SignalAck> sent = forward();
    leader.probe().awaitReceived(FrameDescriptor.FORWARD);
    leader.probe().transport.cut(PeerProbe.NODE, RegionId.of(1));
    CompletableFuture<SignalAck> notSent = forward(); // its send is UNREACHABLE
    UnavailableException refused = awaitFailure(notSent);
    assertFalse(refused.mayBeStored(), "nothing was sent: " + refused.getMessage());
    assertTrue(refused.region().isEmpty());
    assertTrue(refused.getMessage().endsWith("not sent, nothing stored"), refused.getMessage());
    UnavailableException lost = awaitFailure(sent);
    assertTrue(lost.mayBeStored(), lost.getMessage());
    assertEquals(RegionId.of(1), lost.region().orElseThrow());
    assertTrue(lost.getMessage().contains("the link to region-1 is down"), lost.getMessage());
  }

  @Test
  void shouldFailAForwardAtTheNextRoundWhenAnotherSendFindsTheLinkToItsLeaderDown() {
    CompletableFuture<SignalAck> sent = forward();
    leader.probe().awaitReceived(FrameDescriptor.FORWARD);
    leader.probe().unreachableFromNodeTo1 = true;
    leader
        .probe()
        .heartbeat(1, 0, 1, 0); // the node's HEARTBEAT_ACK to region 1 returns UNREACHABLE
    UnavailableException e = awaitFailure(sent);
    assertTrue(e.mayBeStored(), e.getMessage());
    assertEquals(RegionId.of(1), e.region().orElseThrow());
    assertTrue(
        e.getMessage().contains("the link to region-1 is down (a send returned UNREACHABLE)"),
        e.getMessage());
  }

  @Test
  void shouldFailAForwardWhenTheCutOffLeaderIsGivenUpAfterTheElectionTimeout() {
    CompletableFuture<SignalAck> sent = forward();
    leader.probe().awaitReceived(FrameDescriptor.FORWARD);
    leader
        .probe()
        .transport
        .cut(PeerProbe.NODE, RegionId.of(1)); // nothing is sent to region 1 meanwhile
    assertFalse(sent.isDone());
    // The leader's silence: one election timeout (plus the jitter, at most half of it) later the
    // origin gives region 1 up and runs itself.
    leader.probe().clock.addAndGet(PeerProbe.ELECTION.multipliedBy(2).toNanos());
    UnavailableException e = awaitFailure(sent);
    assertTrue(e.mayBeStored(), e.getMessage());
    assertEquals(RegionId.of(1), e.region().orElseThrow());
  }

  @Test
  void shouldFailAForwardNotSentWhenTheRequestQueueIsFull() throws Exception {
    leader.probe().holdOwner(); // nothing takes the requests
    for (int i = 0; i < ForwardRequests.CAPACITY; i++) {
      assertFalse(forward().isDone(), "request " + i + " waits for the replication thread");
    }
    CompletableFuture<SignalAck> refused = forward();
    assertTrue(refused.isDone(), "a full queue fails the forward at once");
    UnavailableException e = awaitFailure(refused);
    assertFalse(e.mayBeStored(), "nothing was sent: " + e.getMessage());
    assertTrue(e.region().isEmpty());
    assertTrue(e.getMessage().contains("forward queue full (65536 forwards"), e.getMessage());
    assertTrue(e.getMessage().endsWith("not sent, nothing stored"), e.getMessage());
    assertTrue(
        leader.probe().received.stream().noneMatch(r -> r.type() == FrameDescriptor.FORWARD),
        "only the replication thread sends forwards");
  }

  @Test
  void shouldSendAForwardOfferedWhileTheReplicationThreadIsHeldOnceItRuns() throws Exception {
    leader.probe().holdOwner();
    CompletableFuture<SignalAck> f = forward();
    assertFalse(f.isDone());
    assertTrue(
        leader.probe().received.stream().noneMatch(r -> r.type() == FrameDescriptor.FORWARD),
        "the store thread only hands the forward over");
    leader.probe().releaseOwner();
    PeerProbe.Received sent = leader.probe().awaitReceived(FrameDescriptor.FORWARD);
    assertEquals(RegionId.of(1), sent.to());
    assertEquals(1, sent.epoch());
    long requestId = sent.first();
    leader
        .probe()
        .send(
            1,
            (e, b, s) ->
                e.forwardReply(
                    b, 0, 0, s, 1, requestId, 42, 7, ForwardCodes.code(Durability.QUORUM)));
    SignalAck ack = f.get(AT_ONCE.toMillis(), TimeUnit.MILLISECONDS);
    assertEquals(42, ack.position());
    assertEquals(Durability.QUORUM, ack.durability());
    assertEquals(0, leader.probe().node.dropped(NodeDrop.UNKNOWN_FORWARD));
  }

  private CompletableFuture<SignalAck> forward() {
    return leader
        .probe()
        .node
        .forward(
            0,
            new Signal(
                TenantId.DEFAULT,
                SignalType.of("view"),
                EntityId.of(7),
                1.0,
                Timestamp.ofMillis(1_700_000_000_000L)),
            Durability.QUORUM);
  }

  private static UnavailableException awaitFailure(CompletableFuture<SignalAck> f) {
    await().atMost(AT_ONCE).until(f::isDone);
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    return assertInstanceOf(UnavailableException.class, e.getCause());
  }
}
