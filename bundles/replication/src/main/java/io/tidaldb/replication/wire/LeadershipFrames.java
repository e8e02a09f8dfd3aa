package io.tidaldb.replication.wire;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.replication.leadership.LeadershipOutbox;
import io.tidaldb.replication.leadership.ShardLeadership;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The leadership messages of one shard on the wire: as a {@link LeadershipOutbox} it encodes each
 * send into a frame and sends it through a {@link TransportEndpoint}; {@link #dispatch} hands a
 * decoded frame to the matching {@code on*} method of a {@link ShardLeadership}.
 *
 * <p>Sends never throw for a frame the transport did not take: a lost message is safe for the state
 * machines, so {@link SendStatus#BACK_PRESSURED}, {@link SendStatus#UNREACHABLE} and {@link
 * SendStatus#CLOSED} are only counted. Encoding allocates nothing.
 *
 * <p>Not thread-safe: the shard's owner thread sends and dispatches.
 */
public final class LeadershipFrames implements LeadershipOutbox {
  private final int shard;
  private final TransportEndpoint endpoint;
  private final int self;
  private final FrameEncoder encoder = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  private final ByteBuffer out =
      ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH)
          .order(ByteOrder.LITTLE_ENDIAN);
  private final long[] sendResults = new long[SendStatus.values().length];
  private final LongSupplier commit;

  /**
   * Creates the frames of one shard sent through one endpoint; its heartbeats carry commit 0.
   *
   * @param shard the shard, not negative
   * @param endpoint the local region's endpoint; frames carry its region as sender
   * @throws InvalidArgumentException if {@code shard} is negative
   */
  public LeadershipFrames(int shard, TransportEndpoint endpoint) {
    this(shard, endpoint, () -> 0);
  }

  /**
   * Creates the frames of one shard sent through one endpoint.
   *
   * @param shard the shard, not negative
   * @param endpoint the local region's endpoint; frames carry its region as sender
   * @param commit the shard's known commit, read for each heartbeat (on the owner thread)
   * @throws InvalidArgumentException if {@code shard} is negative
   */
  public LeadershipFrames(int shard, TransportEndpoint endpoint, LongSupplier commit) {
    this.commit = Objects.requireNonNull(commit, "commit");
    if (shard < 0) {
      throw new InvalidArgumentException("shard", shard, "must be >= 0");
    }
    this.shard = shard;
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.self = endpoint.local().value();
  }

  @Override
  public void sendHeartbeat(RegionId to, long epoch, long leaderHwm, long sentNanos) {
    send(
        to,
        encoder.heartbeat(out, 0, shard, self, epoch, leaderHwm, sentNanos, commit.getAsLong()));
  }

  @Override
  public void sendHeartbeatAck(RegionId to, long epoch, long hwm, long echoNanos) {
    send(to, encoder.heartbeatAck(out, 0, shard, self, epoch, hwm, echoNanos));
  }

  @Override
  public void sendVoteRequest(RegionId to, long epoch, long lastEpoch, long hwm) {
    send(to, encoder.voteRequest(out, 0, shard, self, epoch, lastEpoch, hwm));
  }

  @Override
  public void sendVote(RegionId to, long epoch, boolean granted) {
    send(to, encoder.vote(out, 0, shard, self, epoch, granted));
  }

  @Override
  public void sendPreVoteRequest(RegionId to, long proposedEpoch, long lastEpoch, long hwm) {
    send(to, encoder.preVoteRequest(out, 0, shard, self, proposedEpoch, lastEpoch, hwm));
  }

  @Override
  public void sendPreVote(RegionId to, long epoch, boolean granted) {
    send(to, encoder.preVote(out, 0, shard, self, epoch, granted));
  }

  @Override
  public void sendTimeoutNow(RegionId to, long epoch, long logEnd) {
    send(to, encoder.timeoutNow(out, 0, shard, self, epoch, logEnd));
  }

  /**
   * Hands a decoded frame to {@code target} if it is a leadership message (HEARTBEAT,
   * HEARTBEAT_ACK, VOTE_REQUEST, VOTE, PRE_VOTE_REQUEST, PRE_VOTE or TIMEOUT_NOW). The frame was
   * decoded once, where it was received; nothing is decoded again here.
   *
   * @param from the sending region as the transport reported it
   * @param f the decoded frame
   * @param target the state machine of this shard
   * @param nowNanos the current time
   * @return {@code true} if dispatched, {@code false} if it is another valid frame type (WAL_BATCH,
   *     ACK, RESEND_REQUEST) for the caller to route elsewhere
   * @throws InvalidArgumentException if the frame's sender is not {@code from}, or it is for
   *     another shard
   */
  public boolean dispatch(RegionId from, Frame f, ShardLeadership target, long nowNanos) {
    if (f.sender() != from.value()) {
      throw new InvalidArgumentException(
          "frame sender region",
          f.sender(),
          "must be the transport's sender " + from + ", id " + from.value());
    }
    if (f.shard() != shard) {
      throw new InvalidArgumentException("frame shard", f.shard(), "must be " + shard);
    }
    switch (f.type()) {
      case FrameDescriptor.HEARTBEAT ->
          target.onHeartbeat(
              from, f.epoch(), f.heartbeatLeaderHwm(), f.heartbeatSentNanos(), nowNanos);
      case FrameDescriptor.HEARTBEAT_ACK ->
          target.onHeartbeatAck(
              from, f.epoch(), f.heartbeatAckHwm(), f.heartbeatAckEchoNanos(), nowNanos);
      case FrameDescriptor.VOTE_REQUEST ->
          target.onVoteRequest(
              from, f.epoch(), f.voteRequestLastEpoch(), f.voteRequestHwm(), nowNanos);
      case FrameDescriptor.VOTE -> target.onVote(from, f.epoch(), f.voteGranted(), nowNanos);
      case FrameDescriptor.PRE_VOTE_REQUEST ->
          target.onPreVoteRequest(
              from, f.epoch(), f.preVoteRequestLastEpoch(), f.preVoteRequestHwm(), nowNanos);
      case FrameDescriptor.PRE_VOTE ->
          target.onPreVote(from, f.epoch(), f.preVoteGranted(), nowNanos);
      case FrameDescriptor.TIMEOUT_NOW ->
          target.onTimeoutNow(from, f.epoch(), f.timeoutNowLogEnd(), nowNanos);
      default -> {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns how many sends ended with a status.
   *
   * @param status the status
   * @return the count
   */
  public long sendResults(SendStatus status) {
    return sendResults[status.ordinal()];
  }

  /**
   * Returns the shard whose messages these are.
   *
   * @return the shard
   */
  public int shard() {
    return shard;
  }

  private void send(RegionId to, int length) {
    out.limit(length);
    SendStatus status = endpoint.send(to, out);
    out.clear(); // the next frame is encoded against the whole buffer again
    sendResults[status.ordinal()]++;
  }
}
