package io.tidaldb.replication.leadership;

import io.tidaldb.api.RegionId;
import java.util.List;

/**
 * A {@link LeadershipOutbox} for tests of a single state machine: it records every vote sent as
 * {@code "vote <to> <epoch> <granted>"} and every pre-vote as {@code "pre-vote <to> <epoch>
 * <granted>"}, and drops every other message.
 */
final class VoteRecorder implements LeadershipOutbox {
  private final List<String> votes;

  VoteRecorder(List<String> votes) {
    this.votes = votes;
  }

  @Override
  public void sendHeartbeat(RegionId to, long epoch, long leaderHwm, long sentNanos) {}

  @Override
  public void sendHeartbeatAck(RegionId to, long epoch, long hwm, long echoNanos) {}

  @Override
  public void sendVoteRequest(RegionId to, long epoch, long lastEpoch, long hwm) {}

  @Override
  public void sendVote(RegionId to, long epoch, boolean granted) {
    votes.add("vote " + to + " " + epoch + " " + granted);
  }

  @Override
  public void sendPreVoteRequest(RegionId to, long proposedEpoch, long lastEpoch, long hwm) {}

  @Override
  public void sendTimeoutNow(RegionId to, long epoch, long logEnd) {}

  @Override
  public void sendPreVote(RegionId to, long epoch, boolean granted) {
    votes.add("pre-vote " + to + " " + epoch + " " + granted);
  }
}
