package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Frames whose bytes are valid but whose fields make no sense for the shard are refused, counted
 * per cause, and change nothing: the region keeps serving. Each test scripts regions 1 and 2
 * against a real region 0 ({@link PeerProbe}, manual clock).
 */
class FrameMeaningTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final long STORED_NANOS = Duration.ofSeconds(30).toNanos();

  @TempDir Path dir;
  private WalEngine wal;
  private PeerProbe probe;

  @BeforeEach
  void start() {
    wal = WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(1).build());
    probe = new PeerProbe(dir, wal);
  }

  @AfterEach
  void stop() {
    probe.close();
    wal.close();
  }

  @Test
  void shouldRefuseAnEpochNearMaxSoThatTheShardKeepsElecting() {
    probe.send(1, (e, b, s) -> e.voteRequest(b, 0, 0, s, Long.MAX_VALUE, 0, 0));
    awaitRefused(NodeDrop.EPOCH_TOO_FAR_AHEAD, 1, () -> epoch() != 0, "the epoch jumped");
    // The shard still elects: region 0 runs for epoch 1 and wins with region 1's vote.
    winEpochOne();
  }

  @Test
  void shouldAnswerAPreVoteWithoutEnteringItsProposedEpoch() {
    // Region 1 asks whether region 0 would vote for it in epoch 5; region 0 knows no leader and
    // its log is not ahead, so it grants, echoing the proposed epoch, and stays in epoch 0.
    probe.send(1, (e, b, s) -> e.preVoteRequest(b, 0, 0, s, 5, 0, 0));
    PeerProbe.Received answer = probe.awaitReceived(FrameDescriptor.PRE_VOTE);
    assertEquals(5, answer.epoch(), "granted: the proposed epoch echoed");
    assertEquals(0, epoch(), "the proposed epoch was not entered");
    // A last epoch above the proposed one is refused like a vote request's.
    probe.send(1, (e, b, s) -> e.preVoteRequest(b, 0, 0, s, 2, 3, 0));
    awaitRefused(NodeDrop.FIELD_OUT_OF_RANGE, 1, () -> epoch() != 0, "took the pre-vote request");
    // The shard still elects in epoch 1, the next after the one it is in.
    winEpochOne();
  }

  /** Lets region 0 time out and win epoch 1 with region 1's pre-vote and vote. */
  private void winEpochOne() {
    probe.clock.addAndGet(PeerProbe.ELECTION.multipliedBy(2).toNanos());
    PeerProbe.Received ask = probe.awaitReceived(FrameDescriptor.PRE_VOTE_REQUEST);
    assertEquals(1, ask.epoch(), "proposes the next epoch");
    assertEquals(0, epoch(), "a pre-vote round raises no epoch");
    probe.send(1, (e, b, s) -> e.preVote(b, 0, 0, s, 1, true));
    PeerProbe.Received request = probe.awaitReceived(FrameDescriptor.VOTE_REQUEST);
    assertEquals(1, request.epoch());
    probe.send(1, (e, b, s) -> e.vote(b, 0, 0, s, 1, true));
    await().atMost(DEADLINE).until(() -> leads());
  }

  @Test
  void shouldRefuseBodyFieldsOutOfRange() {
    probe.send(1, (e, b, s) -> e.heartbeat(b, 0, 0, s, 1, -5, 0));
    awaitRefused(NodeDrop.FIELD_OUT_OF_RANGE, 1, () -> epoch() != 0, "followed the heartbeat");
    probe.send(1, (e, b, s) -> e.voteRequest(b, 0, 0, s, 2, 3, 0)); // last epoch 3 > epoch 2
    awaitRefused(NodeDrop.FIELD_OUT_OF_RANGE, 2, () -> epoch() != 0, "took the vote request");
    assertTrue(probe.node.status().get(0).leader().isEmpty());
  }

  @Test
  void shouldTakeAnEpochEndOnlyFromTheLeaderInAnswerToItsRequestAndKeepItsLog() {
    ShardLog log = wal.shard(0);
    long end = appendLocal(log, 20); // records of epoch 0, as a region that led alone would have
    probe.heartbeat(1, 0, 1, end); // region 1 leads epoch 1 and holds them too
    PeerProbe.Received asked = probe.awaitReceived(FrameDescriptor.EPOCH_END_REQUEST);
    assertEquals(0, asked.first(), "asks where epoch 0 ends");

    // The leader's sender id, but a found epoch above the one asked for: before, the follower
    // cut its whole log (it took epoch 1 as ending at 0 here).
    probe.send(1, (e, b, s) -> e.epochEnd(b, 0, 0, s, 1, 1, 0));
    awaitRefused(NodeDrop.EPOCH_END_IMPLAUSIBLE, 1, () -> log.durablePosition() < end, "cut");
    // Region 2 does not lead: its answer is refused.
    probe.send(2, (e, b, s) -> e.epochEnd(b, 0, 0, s, 1, 0, 0));
    awaitRefused(NodeDrop.EPOCH_END_UNSOLICITED, 1, () -> log.durablePosition() < end, "cut");
    // An end beyond the HWM the leader announced: it would keep a suffix the leader lacks.
    probe.send(1, (e, b, s) -> e.epochEnd(b, 0, 0, s, 1, 0, end + 100));
    awaitRefused(
        NodeDrop.EPOCH_END_IMPLAUSIBLE,
        2,
        () -> probe.received.stream().anyMatch(r -> r.type() == FrameDescriptor.ACK),
        "synced on it");
    assertEquals(end, log.durablePosition(), "nothing was cut");

    // The true answer syncs the follower, which acks its whole log.
    probe.send(1, (e, b, s) -> e.epochEnd(b, 0, 0, s, 1, 0, end));
    PeerProbe.Received ack = probe.awaitReceived(FrameDescriptor.ACK);
    assertEquals(end, ack.first());
    // An answer nobody asked for any more is refused too.
    probe.send(1, (e, b, s) -> e.epochEnd(b, 0, 0, s, 1, 0, 0));
    awaitRefused(NodeDrop.EPOCH_END_UNSOLICITED, 2, () -> log.durablePosition() < end, "cut");
    // A batch of an epoch above the leader's: refused before it reaches the follower's log.
    ByteBuffer junk = ByteBuffer.wrap(new byte[] {1, 2, 3});
    probe.send(1, (e, b, s) -> new FrameEncoder(1 << 20).walBatch(b, 0, 0, s, 7, junk));
    awaitRefused(NodeDrop.BATCH_EPOCH_AHEAD, 1, () -> false, "");
    assertEquals(end, log.durablePosition(), "nothing was cut");
    assertEquals(1, probe.node.status().get(0).epoch());
  }

  @Test
  void shouldRefuseAnAckAboveTheLeadersLogAndAResendBeyondIt() {
    winEpochOne();
    long last = appendLocal(wal.shard(0), 10) - 1;
    CompletableFuture<Void> quorum = probe.node.whenStored(0, last, Durability.QUORUM);
    probe.send(1, (e, b, s) -> e.ack(b, 0, 0, s, 1, 0)); // region 1 synced at 0: shipping starts
    // Before, this ack counted region 1 as holding a million records, and the QUORUM wait of a
    // record only the leader holds completed.
    probe.send(1, (e, b, s) -> e.ack(b, 0, 0, s, 1, 1_000_000));
    awaitRefused(NodeDrop.ACK_BEYOND_LOG, 1, quorum::isDone, "QUORUM met by a forged ack");
    probe.send(1, (e, b, s) -> e.resendRequest(b, 0, 0, s, 1, 1_000_000));
    awaitRefused(NodeDrop.RESEND_BEYOND_LOG, 1, () -> false, "");
    assertFalse(quorum.isDone(), "region 1 does not hold record " + last);
    assertTrue(leads(), "still leading");
  }

  /** Appends {@code n} signals as a leader's store would; returns the durable position after. */
  private static long appendLocal(ShardLog log, int n) {
    long last = log.nextPosition() == 0 ? log.appendDefine(1, "acme", "view") : -1;
    for (int i = 0; i < n; i++) {
      last = log.appendSignal(1, i % 17, 1.0, 1_700_000_000_000L + i, i + 1, 1);
    }
    log.awaitDurable(last, STORED_NANOS);
    return last + 1;
  }

  private boolean leads() {
    try {
      probe.node.checkLeader(0);
      return true;
    } catch (NotLeaderException e) {
      return false;
    }
  }

  private long epoch() {
    return probe.node.status().get(0).epoch();
  }

  /**
   * Waits until the frame was refused for {@code cause} (the count reaches {@code count}) or did
   * its {@code harm}; asserts that it did no harm and was counted once.
   */
  private void awaitRefused(NodeDrop cause, long count, BooleanSupplier harm, String what) {
    await().atMost(DEADLINE).until(() -> probe.node.dropped(cause) >= count || harm.getAsBoolean());
    assertFalse(harm.getAsBoolean(), what + " (epoch " + epoch() + ")");
    assertEquals(count, probe.node.dropped(cause), cause.toString());
  }
}
