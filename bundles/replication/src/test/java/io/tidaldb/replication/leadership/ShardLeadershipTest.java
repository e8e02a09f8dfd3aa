package io.tidaldb.replication.leadership;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.leadership.SimCluster.MemoryEpochStore;
import io.tidaldb.replication.leadership.SimCluster.MutableLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** One state machine driven by hand: vote rules, stale epochs, persistence and restart. */
class ShardLeadershipTest {
  private static final RegionId A = RegionId.of(1);
  private static final RegionId B = RegionId.of(2);
  private static final RegionId C = RegionId.of(3);
  private static final long MS = 1_000_000L;

  /** The width of one region's election slot: a third of the jitter range, half the timeout. */
  private static final long SLOT = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS / 2 / 3;

  private final MemoryEpochStore store = new MemoryEpochStore();
  private final MutableLog log = new MutableLog();
  private final List<String> sent = new ArrayList<>();
  private final List<String> events = new ArrayList<>();
  private final List<Long> raised = new ArrayList<>();

  private final LeadershipOutbox outbox =
      new LeadershipOutbox() {
        @Override
        public void sendHeartbeat(RegionId to, long epoch, long leaderHwm, long sentNanos) {
          sent.add("heartbeat " + to + " " + epoch);
        }

        @Override
        public void sendHeartbeatAck(RegionId to, long epoch, long hwm, long echoNanos) {
          sent.add("ack " + to + " " + epoch);
        }

        @Override
        public void sendVoteRequest(RegionId to, long epoch, long lastEpoch, long hwm) {
          sent.add("request " + to + " " + epoch);
        }

        @Override
        public void sendVote(RegionId to, long epoch, boolean granted) {
          sent.add("vote " + to + " " + epoch + " " + granted);
        }

        @Override
        public void sendPreVoteRequest(RegionId to, long proposedEpoch, long lastEpoch, long hwm) {
          sent.add("pre-vote request " + to + " " + proposedEpoch);
        }

        @Override
        public void sendPreVote(RegionId to, long epoch, boolean granted) {
          sent.add("pre-vote " + to + " " + epoch + " " + granted);
        }

        @Override
        public void sendTimeoutNow(RegionId to, long epoch, long logEnd) {
          sent.add("timeout-now " + to + " " + epoch + " " + logEnd);
        }
      };

  private final LeadershipListener listener =
      new LeadershipListener() {
        @Override
        public void onBecomeLeader(long epoch) {
          events.add("leader " + epoch);
        }

        @Override
        public void onBecomeFollower(RegionId leader, long epoch) {
          events.add("follow " + leader + " " + epoch);
        }

        @Override
        public void onLeaderLost() {
          events.add("lost");
        }

        @Override
        public void onEpochRaised(long epoch) {
          raised.add(epoch);
        }
      };

  private ShardLeadership machine(RegionId self) {
    return new ShardLeadership(
        LeadershipConfig.withDefaults(List.of(A, B, C), self, 42), log, store, outbox, listener, 0);
  }

  /** Returns A after it ran at {@code t} and won epoch 1 with B's pre-vote and vote. */
  private ShardLeadership leaderOfEpochOne(long t) {
    ShardLeadership a = machine(A);
    a.doWork(t);
    a.onPreVote(B, 1, true, t);
    a.onVote(B, 1, true, t + MS);
    assertEquals(LeadershipState.LEADER, a.state());
    return a;
  }

  @Test
  void shouldGrantOneVotePerEpochAndSaveItBeforeAnswering() {
    ShardLeadership a = machine(A);
    a.onVoteRequest(B, 5, 0, 0, MS);
    a.onVoteRequest(C, 5, 0, 0, MS);
    a.onVoteRequest(B, 5, 0, 0, MS); // a duplicate of the granted request

    assertEquals(
        List.of("vote region-2 5 true", "vote region-3 5 false", "vote region-2 5 true"), sent);
    assertEquals(new EpochStore.PersistedEpoch(5, Optional.of(B)), store.saved);
    assertEquals(1, a.counters().rejected(RejectCause.ALREADY_VOTED));
  }

  @Test
  void shouldNotGrantSecondVoteInSameEpochAfterRestart() {
    machine(A).onVoteRequest(B, 5, 0, 0, MS);
    sent.clear();

    ShardLeadership restarted = machine(A);
    restarted.onVoteRequest(C, 5, 0, 0, 2 * MS);

    assertEquals(5, restarted.epoch());
    assertEquals(List.of("vote region-3 5 false"), sent);
    assertEquals(1, restarted.counters().rejected(RejectCause.ALREADY_VOTED));
  }

  @Test
  void shouldNotVoteWhenTheEpochCannotBeSaved() {
    ShardLeadership a = machine(A);
    store.failure = new IllegalStateException("disk full");

    assertSame(
        store.failure,
        assertThrows(IllegalStateException.class, () -> a.onVoteRequest(B, 5, 0, 0, MS)));
    assertEquals(List.of(), sent);
    assertEquals(0, a.epoch());
  }

  @Test
  void shouldRefuseCandidateWhoseLogIsBehind() {
    log.lastEpoch = 3;
    log.hwm = 100;
    ShardLeadership a = machine(A);
    a.onVoteRequest(B, 5, 3, 99, MS);
    a.onVoteRequest(C, 5, 2, 1_000, MS);
    a.onVoteRequest(C, 6, 3, 100, MS);

    assertEquals(
        List.of("vote region-2 5 false", "vote region-3 5 false", "vote region-3 6 true"), sent);
    assertEquals(2, a.counters().rejected(RejectCause.CANDIDATE_BEHIND));
  }

  @Test
  void shouldRejectStaleEpochMessagesCountThemAndAnswerWithTheCurrentEpoch() {
    ShardLeadership a = machine(A);
    a.onHeartbeat(B, 4, 0, 0, MS);
    sent.clear();

    a.onHeartbeat(C, 3, 0, 0, MS);
    a.onVoteRequest(C, 3, 9, 9, MS);
    a.onVote(C, 2, true, MS);
    a.onHeartbeatAck(C, 1, 0, 0, MS);

    assertEquals(List.of("ack region-3 4", "vote region-3 4 false"), sent);
    assertEquals(1, a.counters().rejected(RejectCause.STALE_HEARTBEAT));
    assertEquals(1, a.counters().rejected(RejectCause.STALE_VOTE_REQUEST));
    assertEquals(1, a.counters().rejected(RejectCause.STALE_VOTE));
    assertEquals(1, a.counters().rejected(RejectCause.STALE_HEARTBEAT_ACK));
    assertEquals(Optional.of(B), a.leader());
    assertEquals(4, a.epoch());
  }

  @Test
  void shouldBecomeCandidateThenLeaderAndStepDownOnHigherEpoch() {
    ShardLeadership a = machine(A);
    long t = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS * 2;
    a.doWork(t);
    assertEquals(LeadershipState.FOLLOWER, a.state(), "a pre-vote round first");
    assertEquals(0, a.epoch());
    assertEquals(List.of(), store.saves, "nothing saved for a pre-vote round");
    assertEquals(List.of("pre-vote request region-2 1", "pre-vote request region-3 1"), sent);
    sent.clear();
    a.onPreVote(C, 1, true, t + MS);
    a.onPreVote(C, 1, true, t + MS); // a duplicate: nothing more
    assertEquals(LeadershipState.CANDIDATE, a.state());
    assertEquals(new EpochStore.PersistedEpoch(1, Optional.of(A)), store.saved);
    assertEquals(List.of("request region-2 1", "request region-3 1"), sent);

    a.onVote(B, 1, true, t + MS);
    assertEquals(LeadershipState.LEADER, a.state());
    assertTrue(a.isLeader(t + MS));
    a.onHeartbeat(C, 2, 0, 0, t + 2 * MS);

    assertEquals(LeadershipState.FOLLOWER, a.state());
    assertEquals(2, a.epoch());
    assertEquals(List.of("leader 1", "lost", "follow region-3 2"), events);
  }

  @Test
  void shouldKeepTheLeaseOnDataAcksWhenHeartbeatAcksAreLate() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long t = timeout * 2;
    ShardLeadership a = leaderOfEpochOne(t);
    long later = t + MS + timeout - MS;
    a.onFollowerProgress(B, later - MS); // B acknowledged a batch sent at later - 1 ms
    a.onFollowerProgress(C, Long.MIN_VALUE); // nothing acknowledged yet: ignored
    assertTrue(a.isLeader(later + timeout / 2), "renewed by B's data ack");
    a.doWork(later + timeout + MS);
    assertEquals(LeadershipState.FOLLOWER, a.state(), "no ack at all for a timeout: lease lost");
  }

  @Test
  void shouldTreatTheLeadersBatchesAsSignsOfLife() {
    ShardLeadership a = machine(A);
    a.onHeartbeat(B, 1, 0, 0, MS);
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    for (long t = MS; t < 4 * timeout; t += timeout / 2) {
      a.onLeaderTraffic(B, t);
      a.onLeaderTraffic(C, t); // not the leader: no effect
      a.doWork(t + timeout / 2 - MS);
    }
    assertEquals(LeadershipState.FOLLOWER, a.state(), "batches from B kept A from running");
    a.doWork(4 * timeout + 2 * timeout);
    assertEquals(Optional.empty(), a.leader(), "silence: B is lost");
    a.onPreVote(C, 2, true, 4 * timeout + 2 * timeout);
    assertEquals(LeadershipState.CANDIDATE, a.state(), "silence: A runs for leader");
  }

  @Test
  void shouldRestartTheFailureDetectorInsteadOfRunningAfterItsOwnPause() {
    ShardLeadership a = machine(A);
    a.onHeartbeat(B, 1, 0, 0, MS);
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long resumed = MS + 3 * timeout; // the thread was paused far beyond the timeout
    a.onLocalPause(resumed);
    a.doWork(resumed);
    assertEquals(LeadershipState.FOLLOWER, a.state(), "its own pause is not the leader's silence");
    assertEquals(Optional.of(B), a.leader());
    assertEquals(1, a.counters().pausesForgiven());
    a.onHeartbeat(B, 1, 0, 0, resumed + MS); // the leader was alive all along
    a.doWork(resumed + timeout);
    assertEquals(LeadershipState.FOLLOWER, a.state());
    a.doWork(resumed + MS + 2 * timeout);
    a.onPreVote(C, 2, true, resumed + MS + 2 * timeout);
    assertEquals(LeadershipState.CANDIDATE, a.state(), "real silence after the pause: A runs");
    assertEquals(2, a.epoch());
  }

  @Test
  void shouldGiveItsLeaderTwoHeartbeatIntervalsAfterItsOwnPauseNotAWholeTimeout() {
    ShardLeadership a = machine(A);
    a.onHeartbeat(B, 1, 0, 0, MS); // B leads: A is the second after it, slot 1
    long retry = 2 * LeadershipConfig.DEFAULT_HEARTBEAT_INTERVAL_NANOS;
    long resumed = MS + 3 * LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    a.onLocalPause(resumed);
    a.doWork(resumed + retry + SLOT - 1);
    assertEquals(0, a.counters().preVotesSent(), "within the grace: frames may still come");
    a.doWork(resumed + retry + SLOT + SLOT / 2);
    assertEquals(2, a.counters().preVotesSent(), "no frame after the grace: A asks for pre-votes");
    assertEquals(LeadershipState.FOLLOWER, a.state());
  }

  @Test
  void shouldRetryARoundThatDidNotElectAfterTwoHeartbeatIntervalsPlusJitter() {
    ShardLeadership c = machine(C);
    c.onHeartbeat(A, 1, 0, 0, MS); // A leads: C is the second after it, slot 1
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long retry = 2 * LeadershipConfig.DEFAULT_HEARTBEAT_INTERVAL_NANOS;
    long t = MS + timeout + 2 * SLOT;
    c.doWork(t);
    assertEquals(2, c.counters().preVotesSent(), "A is silent: C asks for pre-votes");
    c.doWork(t + retry + 2 * SLOT);
    assertEquals(4, c.counters().preVotesSent(), "unanswered: C asks again, not a timeout later");
    long started = t + retry + 2 * SLOT + MS;
    c.onPreVote(B, 2, true, started);
    assertEquals(LeadershipState.CANDIDATE, c.state());
    c.onVote(B, 2, false, started + MS); // B voted for another candidate of epoch 2
    c.doWork(started + retry + 2 * SLOT);
    assertEquals(6, c.counters().preVotesSent(), "split vote: C runs again after the retry");
    assertEquals(2, c.epoch(), "a pre-vote round first: epoch 3 only with a majority");
  }

  @Test
  void shouldGiveUpItsPreVoteRoundForARegionOfABetterSlotAskingForTheSameEpoch() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long t = MS + timeout + 2 * SLOT;
    ShardLeadership c = machine(C);
    c.onHeartbeat(A, 1, 0, 0, MS); // A leads: B has slot 0, C slot 1
    c.doWork(t);
    assertEquals(2, c.counters().preVotesSent());
    sent.clear();
    c.onPreVoteRequest(B, 2, 0, 0, t + MS); // the requests crossed
    assertEquals(List.of("pre-vote region-2 2 true"), sent);
    assertEquals(1, c.counters().preVotesDeferred());
    c.onPreVote(B, 2, true, t + 2 * MS); // B's grant of C's round, behind its request: ignored
    assertEquals(LeadershipState.FOLLOWER, c.state(), "C leaves the epoch to B");
    assertEquals(1, c.epoch());

    ShardLeadership b =
        new ShardLeadership(
            LeadershipConfig.withDefaults(List.of(A, B, C), B, 42),
            log,
            new MemoryEpochStore(),
            outbox,
            listener,
            0);
    b.onHeartbeat(A, 1, 0, 0, MS);
    b.doWork(t);
    b.onPreVoteRequest(C, 2, 0, 0, t + MS);
    assertEquals(0, b.counters().preVotesDeferred(), "B has the better slot and goes on");
    b.onPreVote(C, 2, true, t + 2 * MS);
    assertEquals(LeadershipState.CANDIDATE, b.state());
    assertEquals(2, b.epoch());
  }

  @Test
  void shouldRestartTheLeaseAfterItsOwnPause() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long t = timeout * 2;
    ShardLeadership a = leaderOfEpochOne(t);
    sent.clear();
    long resumed = t + 4 * timeout; // no ack could be processed during the pause
    a.onLocalPause(resumed);
    assertTrue(a.isLeader(resumed), "the lease holds through the grace");
    a.doWork(resumed);
    assertEquals(LeadershipState.LEADER, a.state());
    assertEquals(
        List.of("heartbeat region-2 1", "heartbeat region-3 1"), sent, "heartbeats at once");
    a.onHeartbeatAck(C, 1, 0, resumed + MS, resumed + 2 * MS); // C answers a later heartbeat
    a.doWork(resumed + timeout);
    assertEquals(LeadershipState.LEADER, a.state(), "renewed by C's answer");
  }

  @Test
  void shouldStartTheLeaseOfACandidateWhoWinsAfterItsOwnPauseAtTheResume() {
    ShardLeadership a = machine(A);
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long t = timeout * 2;
    a.doWork(t);
    a.onPreVote(C, 1, true, t);
    long resumed = t + 2 * timeout; // paused while its vote requests were out
    a.onLocalPause(resumed);
    a.onVote(B, 1, true, resumed + MS);
    a.doWork(resumed + MS);
    assertEquals(LeadershipState.LEADER, a.state(), "won after the pause; the lease is fresh");
    assertEquals(0, a.counters().leasesLost());
  }

  @Test
  void shouldStepDownWhenNobodyAnswersWithinATimeoutAfterItsOwnPause() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long t = timeout * 2;
    ShardLeadership a = leaderOfEpochOne(t);
    long resumed = t + 4 * timeout;
    a.onLocalPause(resumed);
    a.doWork(resumed + timeout - MS);
    assertEquals(LeadershipState.LEADER, a.state(), "within the grace");
    a.doWork(resumed + timeout);
    assertEquals(LeadershipState.FOLLOWER, a.state(), "nobody answered within the grace");
    assertEquals(1, a.counters().leasesLost());
  }

  @Test
  void shouldStepDownAndNeverRunWhileNotEligible() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    long t = timeout * 2;
    ShardLeadership a = leaderOfEpochOne(t); // its lease still holds
    events.clear();
    a.setEligible(false, t + 2 * MS);
    assertEquals(LeadershipState.FOLLOWER, a.state());
    assertEquals(List.of("lost"), events);
    long elections = a.counters().electionsStarted();
    long preVotes = a.counters().preVotesSent();
    for (long now = t + 3 * MS; now < t + 20 * timeout; now += timeout / 4) {
      a.doWork(now);
    }
    assertEquals(elections, a.counters().electionsStarted(), "never ran again");
    assertEquals(preVotes, a.counters().preVotesSent(), "not even asked for pre-votes");
    assertEquals(LeadershipState.FOLLOWER, a.state());
    sent.clear();
    a.onVoteRequest(B, 2, 1, 0, t + 21 * timeout);
    assertEquals(List.of("vote region-2 2 true"), sent, "it still votes");

    a.setEligible(true, t + 22 * timeout);
    a.doWork(t + 30 * timeout);
    a.onPreVote(B, 3, true, t + 30 * timeout);
    assertEquals(elections + 1, a.counters().electionsStarted(), "eligible again: it runs");
  }

  @Test
  void shouldAnswerPreVotesWithoutChangingAnyState() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    ShardLeadership a = machine(A);
    a.onHeartbeat(B, 1, 0, 0, MS); // A follows B in epoch 1
    log.lastEpoch = 1;
    log.hwm = 10;
    List<EpochStore.PersistedEpoch> saves = List.copyOf(store.saves);
    List<Long> raisedBefore = List.copyOf(raised);
    sent.clear();
    events.clear();

    a.onPreVoteRequest(C, 2, 1, 10, timeout); // B was heard within the timeout: sticky
    a.onPreVoteRequest(C, 2, 1, 10, MS + timeout); // B silent for a timeout: granted
    a.onPreVoteRequest(C, 1, 1, 10, MS + timeout); // proposes the current epoch: stale
    a.onPreVoteRequest(C, 2, 1, 9, MS + timeout); // behind A's log
    a.onPreVoteRequest(C, 2, 0, 99, MS + timeout); // behind A's log by last epoch

    assertEquals(
        List.of(
            "pre-vote region-3 1 false",
            "pre-vote region-3 2 true",
            "pre-vote region-3 1 false",
            "pre-vote region-3 1 false",
            "pre-vote region-3 1 false"),
        sent);
    assertEquals(1, a.counters().rejected(RejectCause.LEADER_ALIVE));
    assertEquals(1, a.counters().rejected(RejectCause.STALE_PRE_VOTE_REQUEST));
    assertEquals(2, a.counters().rejected(RejectCause.CANDIDATE_BEHIND));
    assertEquals(1, a.counters().preVotesGranted());
    assertEquals(4, a.counters().preVotesRefused());
    assertEquals(1, a.epoch(), "a proposed epoch is never entered");
    assertEquals(saves, store.saves, "nothing saved");
    assertEquals(raisedBefore, raised, "no epoch raised (no fence of the node's follower)");
    assertEquals(List.of(), events);
    assertEquals(Optional.of(B), a.leader());
    sent.clear();
    a.onVoteRequest(B, 2, 1, 10, MS + timeout);
    assertEquals(List.of("vote region-2 2 true"), sent, "no vote was cast by a pre-vote");
  }

  @Test
  void shouldGrantNoPreVoteWhileLeading() {
    long t = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS * 2;
    ShardLeadership a = leaderOfEpochOne(t);
    sent.clear();
    a.onPreVoteRequest(B, 2, 1, 100, t + 10 * LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS);
    assertEquals(List.of("pre-vote region-2 1 false"), sent);
    assertEquals(1, a.counters().rejected(RejectCause.LEADER_ALIVE));
    assertEquals(LeadershipState.LEADER, a.state());
    assertEquals(1, a.epoch());
  }

  @Test
  void shouldRunOnlyOnAMajorityOfPreVotesOfItsRoundAndEnterAHigherEpochARefusalCarries() {
    long timeout = LeadershipConfig.DEFAULT_ELECTION_TIMEOUT_NANOS;
    ShardLeadership a = machine(A);
    a.doWork(2 * timeout);
    assertEquals(2, a.counters().preVotesSent());
    a.onPreVote(B, 0, false, 2 * timeout + MS); // refused in B's epoch 0
    a.onPreVote(C, 5, true, 2 * timeout + MS); // a grant of another round's epoch
    assertEquals(0, a.counters().electionsStarted());
    assertEquals(0, a.epoch());
    assertEquals(List.of(), raised);

    a.doWork(4 * timeout); // the round timed out: a new one
    assertEquals(4, a.counters().preVotesSent());
    a.onPreVote(C, 3, false, 4 * timeout + MS); // C is in epoch 3: A enters it, as a follower
    assertEquals(3, a.epoch());
    assertEquals(List.of(3L), raised);
    a.onPreVote(B, 1, true, 4 * timeout + MS); // a late grant of the round before: ignored
    assertEquals(LeadershipState.FOLLOWER, a.state());
    assertEquals(0, a.counters().electionsStarted());
  }

  @Test
  void shouldRejectMessagesFromUnconfiguredRegions() {
    ShardLeadership a = machine(A);
    a.onVoteRequest(RegionId.of(9), 7, 0, 0, MS);

    assertEquals(0, a.epoch());
    assertEquals(List.of(), sent);
    assertEquals(1, a.counters().rejected(RejectCause.UNKNOWN_REGION));
  }
}
