package io.tidaldb.replication.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.leadership.EpochStore;
import io.tidaldb.replication.leadership.LeadershipConfig;
import io.tidaldb.replication.leadership.LeadershipListener;
import io.tidaldb.replication.leadership.LeadershipState;
import io.tidaldb.replication.leadership.ReplicaLog;
import io.tidaldb.replication.leadership.ShardLeadership;
import io.tidaldb.transport.inprocess.InProcessTransport;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two {@link ShardLeadership} instances talking through {@link LeadershipFrames} over the
 * in-process transport. Frames are copied off the delivery threads and dispatched on the test
 * thread, as a shard's owner thread would.
 */
class LeadershipFramesTest {
  private static final RegionId A = RegionId.of(1);
  private static final RegionId B = RegionId.of(2);
  private static final RegionId C = RegionId.of(3);
  private static final int SHARD = 5;
  private static final long SECOND = 1_000_000_000L;

  private record Received(RegionId from, byte[] bytes) {
    ByteBuffer buffer() {
      return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }
  }

  private final InProcessTransport transport = new InProcessTransport();
  private final BlockingQueue<Received> toA = new LinkedBlockingQueue<>();
  private final BlockingQueue<Received> toB = new LinkedBlockingQueue<>();
  private final TransportEndpoint endpointA =
      transport.open(A, (from, f) -> toA.add(copy(from, f)));
  private final TransportEndpoint endpointB =
      transport.open(B, (from, f) -> toB.add(copy(from, f)));
  private final LeadershipFrames framesA = new LeadershipFrames(SHARD, endpointA);
  private final LeadershipFrames framesB = new LeadershipFrames(SHARD, endpointB);
  private final List<String> events = new ArrayList<>();
  private final ShardLeadership a = machine(A, framesA, 40, 3);
  private final ShardLeadership b = machine(B, framesB, 30, 2);
  private final FrameDecoder peek = new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);

  @AfterEach
  void close() {
    transport.close();
  }

  @Test
  void shouldCarryAVoteRoundTripToTheRightHandlers() throws InterruptedException {
    assertEquals(1, a.doWork(SECOND)); // A's election timeout expired: it asks for pre-votes
    Received ask = take(toB);
    Frame p = peek.decode(ask.buffer());
    assertEquals(FrameDescriptor.PRE_VOTE_REQUEST, p.type());
    assertEquals(
        List.of(1, SHARD, 1L, 3L, 40L),
        List.of(
            p.sender(), p.shard(), p.epoch(), p.preVoteRequestLastEpoch(), p.preVoteRequestHwm()));
    assertEquals(0, a.epoch(), "a pre-vote round raises no epoch");

    assertTrue(framesB.dispatch(ask.from(), decoded(ask.buffer()), b, SECOND));
    assertEquals(0, b.epoch(), "B answered through onPreVoteRequest without entering epoch 1");
    Received preVote = take(toA);
    Frame g = peek.decode(preVote.buffer());
    assertEquals(FrameDescriptor.PRE_VOTE, g.type());
    assertEquals(1, g.epoch(), "a grant echoes the proposed epoch");
    assertTrue(g.preVoteGranted(), "B grants: no leader known, A's log is ahead");

    assertTrue(framesA.dispatch(preVote.from(), decoded(preVote.buffer()), a, SECOND));
    assertEquals(1, a.epoch(), "a majority of pre-votes: A runs for epoch 1");
    Received request = take(toB);
    Frame f = peek.decode(request.buffer());
    assertEquals(FrameDescriptor.VOTE_REQUEST, f.type());
    assertEquals(
        List.of(1, SHARD, 1L, 3L, 40L),
        List.of(f.sender(), f.shard(), f.epoch(), f.voteRequestLastEpoch(), f.voteRequestHwm()));

    assertTrue(framesB.dispatch(request.from(), decoded(request.buffer()), b, SECOND));
    assertEquals(1, b.epoch(), "B observed the candidate's epoch through onVoteRequest");
    Received vote = take(toA);
    Frame v = peek.decode(vote.buffer());
    assertEquals(FrameDescriptor.VOTE, v.type());
    assertTrue(v.voteGranted(), "B grants: A's (last epoch, hwm) = (3, 40) beats (2, 30)");

    assertTrue(framesA.dispatch(vote.from(), decoded(vote.buffer()), a, SECOND));
    assertEquals(LeadershipState.LEADER, a.state());
    assertEquals(List.of("1 leader 1"), events);
  }

  @Test
  void shouldCarryAHeartbeatRoundTripToTheRightHandlers() throws InterruptedException {
    electA();
    long now = SECOND; // a new leader heartbeats at once
    Received heartbeat = take(toB);
    Frame h = peek.decode(heartbeat.buffer());
    assertEquals(FrameDescriptor.HEARTBEAT, h.type());
    assertEquals(
        List.of(1L, 40L, now), List.of(h.epoch(), h.heartbeatLeaderHwm(), h.heartbeatSentNanos()));

    assertTrue(framesB.dispatch(heartbeat.from(), decoded(heartbeat.buffer()), b, now));
    assertEquals(Optional.of(A), b.leader(), "B follows A through onHeartbeat");
    assertTrue(events.contains("2 follow region-1 1"), events.toString());
    Received ack = take(toA);
    Frame k = peek.decode(ack.buffer());
    assertEquals(FrameDescriptor.HEARTBEAT_ACK, k.type());
    assertEquals(
        List.of(2, 1L, 30L, now),
        List.of(k.sender(), k.epoch(), k.heartbeatAckHwm(), k.heartbeatAckEchoNanos()));

    assertTrue(framesA.dispatch(ack.from(), decoded(ack.buffer()), a, now));
    // onHeartbeatAck took the echo for the lease; A is still leader within the timeout
    long later = now + LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS - 1;
    a.doWork(later);
    assertTrue(a.isLeader(later));
    assertEquals(SendStatus.values().length, 4);
    // pre-vote request, vote request, heartbeat on election, heartbeat due at later
    assertEquals(4, framesA.sendResults(SendStatus.SENT));
    assertEquals(3, framesB.sendResults(SendStatus.SENT)); // pre-vote, vote, heartbeat ack
  }

  @Test
  void shouldRefuseAFrameWhoseSenderIsNotTheTransportsSender() throws InterruptedException {
    a.doWork(SECOND);
    Received request = take(toB);
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> framesB.dispatch(C, decoded(request.buffer()), b, SECOND));
    assertEquals(
        "invalid frame sender region: 1 (must be the transport's sender region-3, id 3)",
        e.getMessage());
    assertEquals(0, b.epoch(), "nothing reached the state machine");
  }

  @Test
  void shouldRefuseAFrameOfAnotherShardAndLeaveOtherTypesToTheCaller() {
    ByteBuffer out = ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    FrameEncoder encoder = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
    int length = encoder.heartbeat(out, 0, SHARD + 1, 1, 1, 0, 0);
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> framesB.dispatch(A, decoded(out.duplicate().limit(length)), b, SECOND));
    assertEquals("invalid frame shard: 6 (must be 5)", e.getMessage());
    int ack = encoder.ack(out, 0, SHARD, 1, 1, 10);
    assertFalse(framesB.dispatch(A, decoded(out.duplicate().limit(ack)), b, SECOND));
  }

  @Test
  void shouldCountUnreachableSendsWithoutThrowing() {
    framesA.sendHeartbeat(C, 1, 0, 0); // no endpoint of C is open
    framesA.sendVote(C, 1, false);
    assertEquals(2, framesA.sendResults(SendStatus.UNREACHABLE));
    assertEquals(0, framesA.sendResults(SendStatus.SENT));
  }

  private void electA() throws InterruptedException {
    a.doWork(SECOND);
    Received ask = take(toB);
    framesB.dispatch(ask.from(), decoded(ask.buffer()), b, SECOND);
    Received preVote = take(toA);
    framesA.dispatch(preVote.from(), decoded(preVote.buffer()), a, SECOND);
    Received request = take(toB);
    framesB.dispatch(request.from(), decoded(request.buffer()), b, SECOND);
    Received vote = take(toA);
    framesA.dispatch(vote.from(), decoded(vote.buffer()), a, SECOND);
    assertEquals(LeadershipState.LEADER, a.state());
  }

  /** Decodes a frame as the node does once on receipt (a fresh view per frame). */
  private static Frame decoded(ByteBuffer frame) {
    return new FrameDecoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).decode(frame);
  }

  private static Received take(BlockingQueue<Received> queue) throws InterruptedException {
    Received r = queue.poll(5, TimeUnit.SECONDS);
    assertNotNull(r, "no frame delivered within 5 s");
    return r;
  }

  private static Received copy(RegionId from, ByteBuffer frame) {
    byte[] bytes = new byte[frame.remaining()];
    frame.duplicate().get(bytes);
    return new Received(from, bytes);
  }

  private ShardLeadership machine(
      RegionId self, LeadershipFrames frames, long hwm, long lastEpoch) {
    ReplicaLog log =
        new ReplicaLog() {
          @Override
          public long hwm() {
            return hwm;
          }

          @Override
          public long lastEpoch() {
            return lastEpoch;
          }
        };
    EpochStore store =
        new EpochStore() {
          private PersistedEpoch saved = PersistedEpoch.INITIAL;

          @Override
          public PersistedEpoch load() {
            return saved;
          }

          @Override
          public void save(long epoch, Optional<RegionId> votedFor) {
            saved = new PersistedEpoch(epoch, votedFor);
          }
        };
    LeadershipListener listener =
        new LeadershipListener() {
          @Override
          public void onBecomeLeader(long epoch) {
            events.add(self.value() + " leader " + epoch);
          }

          @Override
          public void onBecomeFollower(RegionId leader, long epoch) {
            events.add(self.value() + " follow " + leader + " " + epoch);
          }

          @Override
          public void onLeaderLost() {
            events.add(self.value() + " lost");
          }
        };
    return new ShardLeadership(
        LeadershipConfig.withDefaults(List.of(A, B), self, 42), log, store, frames, listener, 0);
  }
}
