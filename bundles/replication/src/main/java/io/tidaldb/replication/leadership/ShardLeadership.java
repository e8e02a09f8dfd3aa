package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One region's leadership state machine for one shard (see {@link LeadershipState} for the
 * diagram). Driven by {@link #doWork(long)} and the {@code on*} message handlers, all with the
 * caller's time; it sends through a {@link LeadershipOutbox} and reports to a {@link
 * LeadershipListener}.
 *
 * <p>Rules: a leader heartbeats every interval; a follower silent for the election timeout plus its
 * jitter, or a candidate whose election timed out, first runs a pre-vote round (PreVote, Raft
 * thesis §9.6): it stays at its epoch and asks every region whether it would vote for it in {@code
 * epoch + 1}; a region grants a pre-vote only if it neither leads nor heard its leader within the
 * election timeout (leader stickiness) and the asker's {@code (lastEpoch, hwm)} is at least its
 * own, and answering changes nothing (no epoch, no vote, nothing saved). Only with a majority of
 * pre-votes (its own included) does the region run for {@code epoch + 1} and vote for itself; a
 * pre-vote round or election that does not elect is retried {@link LeadershipConfig#retryNanos()}
 * plus jitter after it started. The jitter is drawn in an election slot ranked from the leader this
 * region last knew (the region after it first), so after a leader's crash the next region runs
 * first; of two regions whose pre-vote rounds for the same epoch cross, the one with the worse slot
 * gives way. So a region that cannot win (cut from the leader but not from the others, or behind)
 * raises no epoch and deposes nobody. A region grants one vote per epoch, only to a candidate whose
 * {@code (lastEpoch, hwm)} is at least its own (its durable position: the listener hears {@link
 * LeadershipListener#onEpochRaised} before the comparison, and the node fences its acknowledgements
 * there, so nothing that becomes durable later is acknowledged to an older leader); a majority
 * elects; any message of a higher epoch makes the region a follower of that epoch; a lower-epoch
 * message is rejected, counted, and (if a request) answered with the current epoch; a leader whose
 * lease (a majority heard within the timeout) runs out steps down.
 *
 * <p>A lost link ({@link #setLinkStatus}): a follower that saw its link to the leader up and now
 * sees it down (the leader's process died: its kernel closed the connections at once) does not wait
 * out the silence: it runs its pre-vote in its slot of {@link LeadershipConfig#linkLossSlotNanos()}
 * (the region after the leader at once). Leader stickiness holds only while the answering region's
 * own link to its leader is up, so the others grant it at once if the leader is gone, and refuse it
 * if they still reach the leader (a one-sided link drop deposes nobody). A leader whose links reach
 * no majority (itself included) steps down at once, not when its lease runs out, so its lease still
 * ends before the others can elect.
 *
 * <p>Cold start: the first region of {@link LeadershipConfig#regions()} is the shard's preferred
 * leader (the node rotates that list per shard, so shards spread over regions). Until it has known
 * a leader, any other region waits {@link LeadershipConfig#coldStartGraceNanos()} from its first
 * {@link #doWork} before it may run, so the preferred region, if it is up, wins the first election
 * even when the others started earlier. A restart that finds a leader, and every later failover, is
 * not delayed.
 *
 * <p>Leadership transfer (Raft thesis §3.10): {@link #transferTo} makes a leader hand its
 * leadership to a follower. The leader heartbeats the target at once and, once the target's durable
 * HWM (from a heartbeat ack or a data ack, {@link #onFollowerHwm}) reached the leader's durable log
 * end and its log has nothing pending, sends it {@code TIMEOUT_NOW}; the target, if the request
 * comes from its leader in its epoch and its log has that end, starts the election for {@code epoch
 * + 1} at once, without a pre-vote round (votes are not subject to leader stickiness, and the
 * target's log is at least as up to date as every voter's, so it wins). The caller stops accepting
 * writes while {@link #transferring()} (so the target can catch up); past one election timeout the
 * leader gives up, keeps leading and counts it. With {@link #setReturnToPreferred} a leader that is
 * not the shard's preferred region hands leadership back to it once it has answered for {@link
 * #PREFERRED_STABLE_HEARTBEATS} heartbeat intervals and holds the leader's log end; a failed
 * attempt waits {@link #PREFERRED_RETRY_TIMEOUTS} election timeouts before the next one. A
 * leadership won through {@code TIMEOUT_NOW} is never handed back that way: a planned transfer to a
 * region other than the preferred one is an operator's choice (maintenance of the preferred
 * region's machine), kept while the target leads; the next ordinary election (a failover) ends it.
 *
 * <p>Not thread-safe: one thread calls every method.
 */
public final class ShardLeadership {
  /**
   * How many heartbeat intervals the preferred region must answer before it gets leadership back.
   */
  public static final int PREFERRED_STABLE_HEARTBEATS = 4;

  /** How many election timeouts a leader waits after a failed return to the preferred region. */
  public static final int PREFERRED_RETRY_TIMEOUTS = 10;

  private static final Logger LOG = LoggerFactory.getLogger(ShardLeadership.class);

  private final LeadershipConfig config;
  private final String name; // "region-0 shard 3": who speaks in the log lines
  private final ReplicaLog log;
  private final LeadershipOutbox outbox;
  private final LeadershipListener listener;
  private final EpochState epochState;
  private final FailureDetector detector;
  private final VoteCounter votes;
  private final LeaderLease lease;
  private final PreVoteRound preVote;
  private final LeaderTransfer transfer;
  private final LeadershipCounters counters = new LeadershipCounters();
  private final int selfIndex;
  private final List<RegionId> others;
  private int rankedFrom; // index of the leader the election slots are ranked from
  private LeadershipState state = LeadershipState.FOLLOWER;
  private RegionId leader;
  private long nextHeartbeatNanos;
  private long candidacyStartNanos;
  private long lastLeaderContactNanos;
  private long firstWorkNanos;
  private boolean started;
  private boolean leaderKnown;
  private boolean eligible = true;
  private boolean returnToPreferred;
  private LinkStatus links = LinkStatus.ALWAYS_UP;
  private boolean leaderLinkUp; // the link to the leader was seen up since this leader was known
  private long timeoutNowSentAt = -1; // the log end the last TIMEOUT_NOW of the transfer carried
  private long timeoutNowSentNanos; // when: sent again a heartbeat interval later (it may be lost)
  private RegionId handedTo; // the target of a transfer this region stepped down for
  private long transferredEpoch = -1; // the epoch this region ran for on a TIMEOUT_NOW

  /**
   * Creates the state machine as a follower with no known leader, at the epoch loaded from {@code
   * store}.
   *
   * @param config the configuration
   * @param log the local facts compared in elections
   * @param store where the epoch and vote are saved and loaded from
   * @param outbox where messages go
   * @param listener who hears of leadership changes
   * @param nowNanos the current time
   */
  public ShardLeadership(
      LeadershipConfig config,
      ReplicaLog log,
      EpochStore store,
      LeadershipOutbox outbox,
      LeadershipListener listener,
      long nowNanos) {
    this(-1, config, log, store, outbox, listener, nowNanos);
  }

  /**
   * Creates the state machine for shard {@code shard}, which its log lines name (e.g. {@code
   * region-0 shard 3: leader of epoch 2}), as a follower with no known leader, at the epoch loaded
   * from {@code store}.
   *
   * @param shard the shard, for the log lines; negative to name only the region
   * @param config the configuration
   * @param log the local facts compared in elections
   * @param store where the epoch and vote are saved and loaded from
   * @param outbox where messages go
   * @param listener who hears of leadership changes
   * @param nowNanos the current time
   */
  public ShardLeadership(
      int shard,
      LeadershipConfig config,
      ReplicaLog log,
      EpochStore store,
      LeadershipOutbox outbox,
      LeadershipListener listener,
      long nowNanos) {
    this.config = Objects.requireNonNull(config, "config");
    this.name = shard < 0 ? String.valueOf(config.self()) : config.self() + " shard " + shard;
    this.log = Objects.requireNonNull(log, "log");
    this.outbox = Objects.requireNonNull(outbox, "outbox");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.epochState = new EpochState(store);
    int regions = config.regions().size();
    this.selfIndex = config.indexOf(config.self());
    this.others = config.regions().stream().filter(r -> !r.equals(config.self())).toList();
    this.rankedFrom = regions - 1; // no leader known yet: a region's slot is its index
    this.detector =
        new FailureDetector(
            config.electionTimeoutNanos(),
            config.electionTimeoutNanos() / 2,
            selfIndex,
            regions,
            config.jitterSeed(),
            nowNanos);
    this.votes = new VoteCounter(regions, config.majority());
    this.preVote = new PreVoteRound(regions, config.majority());
    this.transfer = new LeaderTransfer(regions);
    this.lease =
        new LeaderLease(regions, selfIndex, config.majority(), config.electionTimeoutNanos());
  }

  /**
   * Does what time demands: starts a pre-vote round after a timeout, heartbeats as leader, steps
   * down when the lease ran out.
   *
   * @param nowNanos the current time
   * @return the amount of work done, {@code 0} when there was nothing to do
   */
  public int doWork(long nowNanos) {
    if (!started) {
      started = true;
      firstWorkNanos = nowNanos;
    }
    switch (state) {
      case FOLLOWER, CANDIDATE -> {
        int work = state == LeadershipState.FOLLOWER ? watchLeaderLink(nowNanos) : 0;
        if (eligible && detector.isExpired(nowNanos) && !heldForPreferred(nowNanos)) {
          startPreVote(nowNanos);
          return 1;
        }
        return work;
      }
      case LEADER -> {
        boolean linksLost = lease.holds(nowNanos) && !reachesMajority();
        if (linksLost || !lease.holds(nowNanos)) {
          counters.leaseLost();
          LOG.info(
              "{} epoch {}: {}, stepping down",
              name,
              epochState.epoch(),
              linksLost ? "links to a majority down" : "lease lost");
          state = LeadershipState.FOLLOWER;
          detector.reset(nowNanos);
          loseLeader();
          return 1;
        }
        int work = transferWork(nowNanos);
        if (nowNanos - nextHeartbeatNanos >= 0) {
          sendHeartbeats(nowNanos);
          return 1;
        }
        return work;
      }
      default -> throw new IllegalStateException("unknown state " + state);
    }
  }

  /**
   * Lets this region lead and run for the shard, or stops it while its log cannot make anything
   * durable (the log stopped after a write or fsync failure): a leader steps down at once, a
   * candidate gives up its run, and no election starts while it is not eligible. It still votes and
   * follows (its log's durable facts stay true).
   *
   * @param eligible whether the region may lead
   * @param nowNanos the current time
   */
  public void setEligible(boolean eligible, long nowNanos) {
    if (this.eligible == eligible) {
      return;
    }
    this.eligible = eligible;
    if (!eligible) {
      preVote.cancel();
    }
    if (!eligible && state != LeadershipState.FOLLOWER) {
      LOG.info("{} epoch {}: not eligible, stepping down", name, epochState.epoch());
      state = LeadershipState.FOLLOWER;
      detector.reset(nowNanos);
      loseLeader();
    }
  }

  /**
   * Tells the state machine how to learn whether its links are up (its transport's {@link
   * io.tidaldb.api.transport.TransportEndpoint#connected}); {@link LinkStatus#ALWAYS_UP} until set.
   * A follower polls its link to the leader in every {@link #doWork}: once seen up, a link that
   * goes down makes it run its pre-vote in its election slot of {@link
   * LeadershipConfig#linkLossSlotNanos()} (the region after the leader at once) instead of after
   * the election timeout; and a region whose link to its leader is down grants pre-votes although
   * it heard that leader within the timeout (its stickiness protects a leader it can still reach).
   *
   * @param links the link status, read on this state machine's thread
   */
  public void setLinkStatus(LinkStatus links) {
    this.links = Objects.requireNonNull(links, "links");
  }

  /**
   * Starts handing this region's leadership to {@code target} (see the class comment): heartbeats
   * it at once and sends it {@code TIMEOUT_NOW} once it holds this leader's durable log end; gives
   * up one election timeout from now. A transfer to a region already being transferred to keeps its
   * deadline; one to another region replaces it.
   *
   * @param target the region to lead next
   * @param nowNanos the current time
   * @return {@code null} if the transfer runs, else why it cannot start (naming the values)
   */
  public String transferTo(RegionId target, long nowNanos) {
    int index = target == null ? -1 : config.indexOf(target);
    if (index < 0) {
      return "region " + target + " is not one of the shard's regions " + config.regions();
    }
    if (state != LeadershipState.LEADER || !lease.holds(nowNanos)) {
      return "region "
          + config.self()
          + " does not lead (state "
          + state
          + ", epoch "
          + epochState.epoch()
          + ", leader "
          + leader
          + ")";
    }
    if (target.equals(config.self())) {
      return null; // already there
    }
    if (!target.equals(transfer.target())) {
      transfer.start(target, index, nowNanos + config.electionTimeoutNanos());
      timeoutNowSentAt = -1;
      counters.transferStarted();
      LOG.info("{} epoch {}: transferring leadership to {}", name, epochState.epoch(), target);
    }
    outbox.sendHeartbeat(target, epochState.epoch(), log.hwm(), nowNanos);
    transferWork(nowNanos);
    return null;
  }

  /**
   * Tells whether this region leads and a transfer of its leadership runs: it must accept no new
   * writes meanwhile.
   *
   * @return whether a transfer runs
   */
  public boolean transferring() {
    return state == LeadershipState.LEADER && transfer.active();
  }

  /**
   * Returns the target of the running transfer.
   *
   * @return the region leadership is being handed to, empty when none
   */
  public Optional<RegionId> transferTarget() {
    return transferring() ? Optional.of(transfer.target()) : Optional.empty();
  }

  /**
   * Hands leadership back to the shard's preferred region (the first of {@link
   * LeadershipConfig#regions()}) once it has caught up after a failover (see the class comment).
   *
   * @param enabled whether to
   */
  public void setReturnToPreferred(boolean enabled) {
    this.returnToPreferred = enabled;
  }

  /**
   * Notes a follower's durable HWM acknowledged in this leader's epoch (a data ACK): it tells the
   * transfer whether the target has caught up, and the return to the preferred region whether it
   * has.
   *
   * @param from the follower
   * @param epoch the epoch of its acknowledgement
   * @param hwm its durable HWM
   * @param nowNanos the current time
   */
  public void onFollowerHwm(RegionId from, long epoch, long hwm, long nowNanos) {
    if (state == LeadershipState.LEADER
        && epoch == epochState.epoch()
        && known(from)
        && !from.equals(config.self())) {
      progress(from, hwm, nowNanos);
    }
  }

  /**
   * Handles a leader's request to start an election at once (leadership transfer): taken only from
   * the leader this region follows, in its current epoch, by a region that may lead and whose
   * durable log reached {@code logEnd}; the election skips the pre-vote round. Anything else is
   * refused and counted ({@link RejectCause#TIMEOUT_NOW_REFUSED}).
   *
   * @param from the sender
   * @param epoch the sender's epoch
   * @param logEnd the sender's durable log end
   * @param nowNanos the current time
   */
  public void onTimeoutNow(RegionId from, long epoch, long logEnd, long nowNanos) {
    if (!known(from)) {
      return;
    }
    if (epoch != epochState.epoch()
        || state != LeadershipState.FOLLOWER
        || !from.equals(leader)
        || !eligible
        || log.hwm() < logEnd) {
      counters.reject(RejectCause.TIMEOUT_NOW_REFUSED);
      LOG.info(
          "{} epoch {} ({}, leader {}, hwm {}): TIMEOUT_NOW from {} of epoch {} at log end {}"
              + " refused",
          name,
          epochState.epoch(),
          state,
          leader,
          log.hwm(),
          from,
          epoch,
          logEnd);
      return;
    }
    counters.timeoutNowTaken();
    LOG.info("{} epoch {}: TIMEOUT_NOW from {}, running now", name, epoch, from);
    startElection(nowNanos);
    transferredEpoch = epochState.epoch(); // a leadership won in it stays (see the class comment)
  }

  /**
   * Handles a leader's heartbeat.
   *
   * @param from the sender
   * @param epoch the sender's epoch
   * @param leaderHwm the sender's durable HWM
   * @param sentNanos the sender's send time, echoed in the ack
   * @param nowNanos the current time
   */
  public void onHeartbeat(
      RegionId from, long epoch, long leaderHwm, long sentNanos, long nowNanos) {
    if (!known(from)) {
      return;
    }
    if (epoch < epochState.epoch()) {
      counters.reject(RejectCause.STALE_HEARTBEAT);
      outbox.sendHeartbeatAck(from, epochState.epoch(), log.hwm(), sentNanos);
      return;
    }
    observeEpoch(epoch, nowNanos);
    if (state == LeadershipState.LEADER) {
      counters.reject(RejectCause.CONFLICTING_LEADER);
      LOG.error("{} epoch {}: heartbeat from {} while leading", name, epoch, from);
      return;
    }
    state = LeadershipState.FOLLOWER;
    preVote.cancel();
    rankFrom(from);
    detector.reset(nowNanos);
    lastLeaderContactNanos = nowNanos;
    leaderKnown = true;
    if (!from.equals(leader)) {
      leader = from;
      leaderLinkUp = false; // watched afresh for this leader
      if (from.equals(handedTo)) {
        counters.transferCompleted();
      }
      handedTo = null;
      LOG.debug("{} epoch {}: following {}", name, epoch, from); // EpochSync logs it at INFO
      listener.onBecomeFollower(from, epoch);
    }
    outbox.sendHeartbeatAck(from, epoch, log.hwm(), sentNanos);
  }

  /**
   * Notes that the known leader is demonstrably sending (a WAL batch arrived from it), which
   * restarts the failure detector like a heartbeat does: heartbeats share the link with the data
   * and may queue behind it, and a leader that ships is alive (Raft's AppendEntries does the same).
   *
   * @param from the sender
   * @param nowNanos the current time
   */
  public void onLeaderTraffic(RegionId from, long nowNanos) {
    if (state == LeadershipState.FOLLOWER
        && from.equals(leader)
        && nowNanos - detector.lastResetNanos() > 0) {
      detector.reset(nowNanos);
      lastLeaderContactNanos = nowNanos;
    }
  }

  /**
   * Tells the state machine that the thread driving it was paused until {@code nowNanos} (a GC
   * pause, CPU starvation, a stopped process): the silence it would now measure is this region's
   * own, not the leader's or the followers'. A follower or candidate gives its leader (or its
   * election) a grace of {@link LeadershipConfig#retryNanos()} plus its jitter from now, unless its
   * detector runs longer anyway, instead of starting an election at once: the frames queued during
   * the pause, and the leader's next heartbeat, arrive within it if the leader lives (a candidate's
   * lease, should it win, counts from now); a leader restarts its lease as at its election (it
   * holds one election timeout from now unless a majority answers the heartbeats it sends at once)
   * instead of stepping down at once. Real failures are still detected, by a follower at most the
   * grace after the pause, and a leader deposed meanwhile learns it from the first answer of the
   * new epoch. (Apache Ratis' follower likewise skips an election round after an "unexpected long
   * sleep".)
   *
   * @param nowNanos the current time
   */
  public void onLocalPause(long nowNanos) {
    counters.pauseForgiven();
    if (state == LeadershipState.LEADER) {
      lease.extendAfterPause(nowNanos, config.electionTimeoutNanos());
      nextHeartbeatNanos = nowNanos;
    } else {
      if (detector.deadlineNanos() - nowNanos < config.retryNanos()) {
        detector.restart(nowNanos, config.retryNanos());
      }
      if (state == LeadershipState.CANDIDATE) {
        // Votes processed after the pause must not hand over a lease already run out.
        candidacyStartNanos = nowNanos;
      }
    }
  }

  /**
   * Renews the lease from a follower's data acknowledgement: the follower acknowledged a batch this
   * leader sent at {@code sentNanos} (this leader's clock), so it followed this leader at or after
   * that time, exactly as an echoed heartbeat proves.
   *
   * @param from the follower
   * @param sentNanos when this leader sent the newest batch the follower acknowledged
   */
  public void onFollowerProgress(RegionId from, long sentNanos) {
    if (sentNanos != Long.MIN_VALUE
        && state == LeadershipState.LEADER
        && known(from)
        && !from.equals(config.self())) {
      lease.acknowledged(config.indexOf(from), sentNanos);
    }
  }

  /**
   * Handles a follower's answer to a heartbeat.
   *
   * @param from the sender
   * @param epoch the sender's current epoch
   * @param hwm the sender's durable HWM
   * @param echoNanos the send time of the heartbeat answered
   * @param nowNanos the current time
   */
  public void onHeartbeatAck(RegionId from, long epoch, long hwm, long echoNanos, long nowNanos) {
    if (!known(from)) {
      return;
    }
    if (observeEpoch(epoch, nowNanos)) {
      return;
    }
    if (epoch < epochState.epoch() || state != LeadershipState.LEADER) {
      counters.reject(RejectCause.STALE_HEARTBEAT_ACK);
      return;
    }
    lease.acknowledged(config.indexOf(from), echoNanos);
    progress(from, hwm, nowNanos);
  }

  /**
   * Handles a candidate's vote request and answers it.
   *
   * @param from the candidate
   * @param epoch the epoch it runs for
   * @param lastEpoch the epoch of its last durable record
   * @param hwm its durable HWM
   * @param nowNanos the current time
   */
  public void onVoteRequest(RegionId from, long epoch, long lastEpoch, long hwm, long nowNanos) {
    if (!known(from)) {
      return;
    }
    if (epoch < epochState.epoch()) {
      refuse(from, RejectCause.STALE_VOTE_REQUEST);
      return;
    }
    observeEpoch(epoch, nowNanos);
    if (!epochState.canVoteFor(from)) {
      refuse(from, RejectCause.ALREADY_VOTED);
      return;
    }
    int byLastEpoch = Long.compare(lastEpoch, log.lastEpoch());
    if (byLastEpoch < 0 || (byLastEpoch == 0 && hwm < log.hwm())) {
      refuse(from, RejectCause.CANDIDATE_BEHIND);
      return;
    }
    epochState.voteFor(from);
    detector.reset(nowNanos);
    outbox.sendVote(from, epoch, true);
  }

  /**
   * Handles a vote.
   *
   * @param from the voter
   * @param epoch the voter's current epoch
   * @param granted whether the vote was granted
   * @param nowNanos the current time
   */
  public void onVote(RegionId from, long epoch, boolean granted, long nowNanos) {
    if (!known(from) || observeEpoch(epoch, nowNanos)) {
      return;
    }
    if (epoch < epochState.epoch()) {
      counters.reject(RejectCause.STALE_VOTE);
      return;
    }
    if (state != LeadershipState.CANDIDATE) {
      return; // a late vote of an election already decided in this epoch: nothing to do
    }
    if (granted && votes.grant(config.indexOf(from)) && votes.hasMajority()) {
      becomeLeader(nowNanos);
    }
  }

  /**
   * Handles a pre-vote request and answers it, changing no state: the proposed epoch is not entered
   * (it is only a question), nothing is saved, no vote is cast and the failure detector keeps its
   * deadline. A region whose own round proposes the same epoch grants the request of a region with
   * a better election slot and gives its round up (it retries after {@link
   * LeadershipConfig#retryNanos()} plus jitter should that region not win). Granted only if this
   * region neither leads nor heard its leader within the election timeout, and the asker's {@code
   * (lastEpoch, hwm)} is at least its own; a request proposing an epoch not above this region's is
   * refused with the current epoch, which the asker then enters.
   *
   * @param from the region asking
   * @param proposedEpoch the epoch it would run for
   * @param lastEpoch the epoch of its last durable record
   * @param hwm its durable HWM
   * @param nowNanos the current time
   */
  public void onPreVoteRequest(
      RegionId from, long proposedEpoch, long lastEpoch, long hwm, long nowNanos) {
    if (!known(from)) {
      return;
    }
    RejectCause refusal =
        PreVoteRound.refusal(
            proposedEpoch <= epochState.epoch(),
            state == LeadershipState.LEADER
                || (leader != null
                    && nowNanos - lastLeaderContactNanos < config.electionTimeoutNanos()
                    && links.connected(leader)),
            lastEpoch,
            hwm,
            log);
    counters.preVoteAnswered(refusal == null);
    if (refusal != null) {
      counters.reject(refusal);
      outbox.sendPreVote(from, epochState.epoch(), false);
      return;
    }
    if (preVote.active()
        && proposedEpoch == preVote.proposedEpoch()
        && rank(config.indexOf(from)) < rank(selfIndex)) {
      // Both run for the same epoch: the better slot goes on, so the two do not split the votes.
      // On a FIFO link its request arrives before its grant of ours, which the cancel ignores.
      preVote.cancel();
      counters.preVoteDeferred();
    }
    outbox.sendPreVote(from, proposedEpoch, true);
  }

  /**
   * Handles an answer to this region's pre-vote request. A grant carries the proposed epoch and is
   * counted only in the round that proposed it (the epoch is not entered); a refusal carries the
   * answering region's current epoch, entered if it is higher (as from any message).
   *
   * @param from the region that answered
   * @param epoch the proposed epoch when granted, the answering region's epoch when refused
   * @param granted whether the pre-vote was granted
   * @param nowNanos the current time
   */
  public void onPreVote(RegionId from, long epoch, boolean granted, long nowNanos) {
    if (!known(from)) {
      return;
    }
    if (!granted) {
      observeEpoch(epoch, nowNanos);
      return;
    }
    if (epoch == epochState.epoch() + 1 && preVote.grant(epoch, config.indexOf(from))) {
      startElection(nowNanos);
    }
  }

  /**
   * Returns the state.
   *
   * @return the current state
   */
  public LeadershipState state() {
    return state;
  }

  /**
   * Returns the current epoch (only grows).
   *
   * @return the epoch
   */
  public long epoch() {
    return epochState.epoch();
  }

  /**
   * Returns the leader of the current epoch as far as this region knows.
   *
   * @return the leader (this region when leading), empty when unknown
   */
  public Optional<RegionId> leader() {
    return Optional.ofNullable(leader);
  }

  /**
   * Tells whether this region leads and its lease holds: only then may it acknowledge QUORUM
   * writes.
   *
   * @param nowNanos the current time
   * @return whether this region is a leader with a valid lease
   */
  public boolean isLeader(long nowNanos) {
    return state == LeadershipState.LEADER && lease.holds(nowNanos);
  }

  /**
   * Returns the counters.
   *
   * @return the live counters of this state machine
   */
  public LeadershipCounters counters() {
    return counters;
  }

  /**
   * Returns the configuration.
   *
   * @return the configuration
   */
  public LeadershipConfig config() {
    return config;
  }

  /** A follower's HWM heard in this leader's epoch: may complete the target's catch-up. */
  private void progress(RegionId from, long hwm, long nowNanos) {
    if (transfer.heard(
        config.indexOf(from), hwm, log.hwm(), nowNanos, config.electionTimeoutNanos())) {
      transferWork(nowNanos);
    }
  }

  /**
   * A leader's transfer round: gives up past the deadline, sends TIMEOUT_NOW once the target holds
   * the log end, or starts the return to the preferred region.
   */
  private int transferWork(long nowNanos) {
    if (transfer.expired(nowNanos)) {
      RegionId target = transfer.target();
      transfer.end();
      counters.transferFailed();
      if (selfIndex != 0 && config.indexOf(target) == 0) {
        transfer.blockPreferred(
            nowNanos + PREFERRED_RETRY_TIMEOUTS * config.electionTimeoutNanos());
      }
      LOG.info(
          "{} epoch {}: transfer to {} gave up after {} ms (its HWM did not reach {} or it did not"
              + " run); still leading",
          name,
          epochState.epoch(),
          target,
          config.electionTimeoutNanos() / 1_000_000,
          log.hwm());
      return 1;
    }
    if (transfer.active()) {
      long end = log.hwm();
      int index = config.indexOf(transfer.target());
      boolean due =
          end != timeoutNowSentAt
              || nowNanos - timeoutNowSentNanos >= config.heartbeatIntervalNanos(); // lost?
      if (due && transfer.caughtUp(index, end) && log.quiet()) {
        timeoutNowSentAt = end;
        timeoutNowSentNanos = nowNanos;
        outbox.sendTimeoutNow(transfer.target(), epochState.epoch(), end);
        return 1;
      }
      return 0;
    }
    if (returnToPreferred
        && selfIndex != 0
        && transferredEpoch != epochState.epoch()
        && transfer.preferredReady(
            log.hwm(),
            nowNanos,
            PREFERRED_STABLE_HEARTBEATS * config.heartbeatIntervalNanos(),
            config.electionTimeoutNanos())) {
      counters.preferredReturnStarted();
      transferTo(config.regions().get(0), nowNanos);
      return 1;
    }
    return 0;
  }

  /**
   * A follower's watch of its link to the leader: once the link was seen up, its going down (the
   * leader's process died and its kernel closed the connection, or the link was cut) makes the
   * detector expire in this region's link-loss slot, so the pre-vote runs now, not after the
   * election timeout. Fires once per leader: the link must be seen up again first. A leader that is
   * alive keeps its followers that can reach it, which refuse the pre-vote.
   */
  private int watchLeaderLink(long nowNanos) {
    if (leader == null) {
      return 0;
    }
    if (links.connected(leader)) {
      leaderLinkUp = true;
      return 0;
    }
    if (!leaderLinkUp) {
      return 0;
    }
    leaderLinkUp = false;
    counters.leaderLinkLost();
    detector.expireInSlot(nowNanos, config.linkLossSlotNanos());
    LOG.info(
        "{} epoch {}: link to leader {} down ({} ms after its last frame); pre-vote in {} ms",
        name,
        epochState.epoch(),
        leader,
        (nowNanos - lastLeaderContactNanos) / 1_000_000,
        (detector.deadlineNanos() - nowNanos) / 1_000_000);
    return 1;
  }

  /**
   * Whether this leader's links reach a majority (itself included): when they do not, its followers
   * see their links down too and elect at once, so it gives its lease up now rather than when the
   * lease runs out (CheckQuorum on the transport's word). No allocation.
   */
  private boolean reachesMajority() {
    int reached = 1;
    for (int i = 0; i < others.size() && reached < config.majority(); i++) {
      if (links.connected(others.get(i))) {
        reached++;
      }
    }
    return reached >= config.majority();
  }

  /** Whether a non-preferred region that never knew a leader still leaves the first run to it. */
  private boolean heldForPreferred(long nowNanos) {
    return !leaderKnown
        && selfIndex != 0
        && nowNanos - firstWorkNanos < config.coldStartGraceNanos();
  }

  private void startPreVote(long nowNanos) {
    loseLeader();
    long proposed = epochState.epoch() + 1;
    detector.restart(nowNanos, config.retryNanos()); // a round that does not elect is retried
    LOG.debug("{}: pre-vote for epoch {}", name, proposed);
    if (preVote.start(proposed, selfIndex)) {
      startElection(nowNanos);
      return;
    }
    for (RegionId region : others) {
      counters.preVoteSent();
      outbox.sendPreVoteRequest(region, proposed, log.lastEpoch(), log.hwm());
    }
  }

  private void startElection(long nowNanos) {
    preVote.cancel();
    loseLeader();
    long newEpoch = epochState.epoch() + 1;
    epochState.advanceAndVote(newEpoch, config.self());
    listener.onEpochRaised(newEpoch);
    state = LeadershipState.CANDIDATE;
    votes.start(newEpoch);
    votes.grant(selfIndex);
    detector.restart(nowNanos, config.retryNanos()); // a split vote is retried, not waited out
    candidacyStartNanos = nowNanos;
    counters.electionStarted();
    LOG.debug("{}: candidate for epoch {}", name, newEpoch);
    if (votes.hasMajority()) {
      becomeLeader(nowNanos);
      return;
    }
    for (RegionId region : others) {
      outbox.sendVoteRequest(region, newEpoch, log.lastEpoch(), log.hwm());
    }
  }

  private void becomeLeader(long nowNanos) {
    state = LeadershipState.LEADER;
    preVote.cancel();
    leader = config.self();
    leaderKnown = true;
    rankFrom(config.self());
    lease.start(candidacyStartNanos);
    transfer.startLeading(epochState.epoch(), nowNanos);
    handedTo = null;
    counters.leadershipWon();
    LOG.debug("{}: leader of epoch {}", name, epochState.epoch()); // LeaderSide: INFO
    listener.onBecomeLeader(epochState.epoch());
    sendHeartbeats(nowNanos);
  }

  private void sendHeartbeats(long nowNanos) {
    long hwm = log.hwm();
    for (RegionId region : others) {
      outbox.sendHeartbeat(region, epochState.epoch(), hwm, nowNanos);
    }
    nextHeartbeatNanos = nowNanos + config.heartbeatIntervalNanos();
  }

  /** Moves to a higher epoch as a follower with no known leader; returns whether it did. */
  private boolean observeEpoch(long epoch, long nowNanos) {
    if (epoch <= epochState.epoch()) {
      return false;
    }
    epochState.advanceTo(epoch);
    preVote.cancel();
    listener.onEpochRaised(epoch); // before any vote reads the log (see the listener)
    LOG.debug("{}: epoch {} observed in state {}", name, epoch, state);
    if (state == LeadershipState.LEADER) {
      detector.reset(nowNanos); // a leader's detector was idle; followers keep their deadline
    }
    state = LeadershipState.FOLLOWER;
    loseLeader();
    return true;
  }

  private void loseLeader() {
    if (transfer.active()) {
      handedTo = transfer.target(); // stepped down during the transfer: completed once it leads
      transfer.end();
    }
    if (leader != null) {
      leader = null;
      listener.onLeaderLost();
    }
  }

  /**
   * Ranks the election slots from {@code newLeader}: the region after it in the configuration gets
   * slot 0 and the leader the last, so after the leader's crash the first survivor runs from the
   * start of the jitter range (the preferred region leads most of the time, and owned slot 0).
   */
  private void rankFrom(RegionId newLeader) {
    int index = config.indexOf(newLeader);
    if (index != rankedFrom) {
      rankedFrom = index;
      detector.moveToSlot(rank(selfIndex));
    }
  }

  /** A region's election slot: its distance after the leader the slots are ranked from. */
  private int rank(int regionIndex) {
    return Math.floorMod(regionIndex - rankedFrom - 1, config.regions().size());
  }

  private void refuse(RegionId candidate, RejectCause cause) {
    counters.reject(cause);
    outbox.sendVote(candidate, epochState.epoch(), false);
  }

  private boolean known(RegionId from) {
    if (from == null || config.indexOf(from) < 0) {
      counters.reject(RejectCause.UNKNOWN_REGION);
      return false;
    }
    return true;
  }
}
