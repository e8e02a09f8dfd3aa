package io.tidaldb.replication.shipping;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard of a follower: appends its leader's batches verbatim to the local {@link ShardLog},
 * strictly in position order, and acknowledges its durable HWM.
 *
 * <ul>
 *   <li>A batch starting below the log's {@link ShardLog#nextPosition()} is a duplicate: ignored,
 *       and the current durable HWM is re-acked.
 *   <li>A batch starting above it is a gap: dropped, and RESEND_REQUEST(nextPosition) is sent (once
 *       per position: if that request is lost, the leader's ack timeout rewinds it).
 *   <li>A batch of an epoch below that of the last batch taken is rejected (epochs only grow along
 *       a log; a deposed leader's batches are fenced before they get here, by the node, which takes
 *       batches only from the known leader and only after the epoch sync, I5). The epoch sync calls
 *       {@link #onSynced} once done (it may have cut the log), so that the fence is the epoch of
 *       the log's last record again and the leader's older epochs are taken.
 *   <li>A malformed batch (short or foreign header, another shard, an epoch other than its frame's)
 *       or one the log refuses (CRC mismatch, truncated or malformed payload) is dropped, and
 *       RESEND_REQUEST(nextPosition) is sent, once per position like a gap's.
 *   <li>Otherwise the batch is appended with {@link ShardLog#tryAppendReplicated}, which never
 *       waits: if the log still writes the previous batch it answers {@link ShardLog#BUSY}, and
 *       {@link #onWalBatch} returns false so that the caller holds the batch and offers it again
 *       when the log wakes it.
 *   <li>{@link #flushAcks}, called by the owner once per round, sends the leader of the last
 *       appended batch an ACK carrying {@link ShardLog#durablePosition()} whenever that moved: one
 *       ACK per round, however many batches became durable.
 * </ul>
 *
 * <p>Every outcome is counted ({@link FollowerEvent}); each refusal cause is logged once at WARN
 * with its values, later ones at DEBUG. Nothing here throws for bad input (I7).
 *
 * <p>Not thread-safe: one owner thread (the region's replication thread) calls every method except
 * {@link #count}. Because the ACK's HWM and its epoch are both read on that thread, an ACK sent
 * after the region voted in a newer epoch carries that epoch, and one sent before it reports only
 * what was durable when the vote compared the logs (issue 9, sequence 2a).
 */
public final class FollowerDb {
  private static final Logger LOG = LoggerFactory.getLogger(FollowerDb.class);
  private static final int CONTROL_FRAME_BYTES =
      FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH;

  private final ShardLog log;
  private final int shard;
  private final TransportEndpoint endpoint;
  private final int self;
  private final AtomicLongArray counters = new AtomicLongArray(FollowerEvent.values().length);
  private final AtomicIntegerArray logged = new AtomicIntegerArray(FollowerEvent.values().length);
  private final FrameEncoder encoder = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);
  private final ByteBuffer out =
      ByteBuffer.allocate(CONTROL_FRAME_BYTES).order(ByteOrder.LITTLE_ENDIAN);
  private long highestEpoch;
  private long regionEpoch;
  private long lastResendRequested = -1;
  private RegionId ackTo; // the leader of the last batch appended; null: nothing to acknowledge
  private long ackToEpoch; // the ACK epoch when that batch was appended: ackTo is good only in it
  private long ackedHwm;
  private long nextAtLastHeartbeat = -1;

  /**
   * Creates the follower side of one shard.
   *
   * @param log the local shard log, fed only by this follower while it follows
   * @param endpoint the local region's endpoint; ACKs and resend requests leave through it
   */
  public FollowerDb(ShardLog log, TransportEndpoint endpoint) {
    this.log = Objects.requireNonNull(log, "log");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.shard = log.shard();
    this.self = endpoint.local().value();
    this.highestEpoch = log.lastEpoch(); // not log.epoch(): advanceEpoch raises it without records
    this.ackedHwm = log.durablePosition();
  }

  /**
   * Handles one WAL_BATCH frame's body.
   *
   * @param from the leader that sent it
   * @param epoch the frame's epoch
   * @param batch the batch bytes (position unchanged; copied by the log before this returns)
   * @return false if the log cannot take the batch yet ({@link ShardLog#BUSY}): hold it and offer
   *     it again; true if it was appended or refused
   */
  public boolean onWalBatch(RegionId from, long epoch, ByteBuffer batch) {
    try {
      BatchHeader.check(batch);
    } catch (InvalidArgumentException e) {
      refuse(FollowerEvent.MALFORMED, from, e.getMessage());
      requestResend(from, log.nextPosition());
      return true;
    }
    long first = BatchHeader.firstPosition(batch);
    long batchEpoch = BatchHeader.epoch(batch);
    if (BatchHeader.shard(batch) != shard || batchEpoch != epoch) {
      refuse(
          FollowerEvent.MALFORMED,
          from,
          "batch shard "
              + BatchHeader.shard(batch)
              + " epoch "
              + batchEpoch
              + ", frame epoch "
              + epoch
              + ", expected shard "
              + shard);
      requestResend(from, log.nextPosition());
      return true;
    }
    if (epoch < highestEpoch) {
      refuse(
          FollowerEvent.STALE_EPOCH,
          from,
          "epoch " + epoch + " below the highest seen " + highestEpoch + ", batch at " + first);
      return true;
    }
    long next = log.nextPosition();
    if (first < next) {
      refuse(FollowerEvent.DUPLICATE, from, "batch at " + first + " below next position " + next);
      sendAck(from, log.durablePosition());
      return true;
    }
    if (first > next) {
      refuse(FollowerEvent.GAP, from, "batch at " + first + " above next position " + next);
      requestResend(from, next);
      return true;
    }
    return append(from, epoch, batch);
  }

  /** Asks {@code from} to resend from {@code next}, unless that was the last position asked. */
  private void requestResend(RegionId from, long next) {
    if (lastResendRequested == next) {
      increment(FollowerEvent.RESEND_SUPPRESSED);
    } else {
      lastResendRequested = next;
      send(from, encoder.resendRequest(out, 0, shard, self, ackEpoch(), next), null);
    }
  }

  private boolean append(RegionId from, long epoch, ByteBuffer batch) {
    long end;
    try {
      if (!log.roomForReplicated()) {
        increment(FollowerEvent.HELD); // asked again on the log's wake-up, unchecked till then
        return false;
      }
      end = log.tryAppendReplicated(batch);
    } catch (InvalidArgumentException e) {
      refuse(FollowerEvent.REFUSED, from, e.getMessage());
      requestResend(from, log.nextPosition());
      return true;
    } catch (UnavailableException | StorageException e) {
      refuse(FollowerEvent.UNAVAILABLE, from, e.getMessage());
      return true;
    }
    if (end == ShardLog.BUSY) {
      increment(FollowerEvent.HELD);
      return false;
    }
    highestEpoch = Math.max(highestEpoch, epoch);
    ackTo = from;
    ackToEpoch = ackEpoch();
    increment(FollowerEvent.APPLIED);
    return true;
  }

  /**
   * Sends the leader of the last appended batch an ACK of the log's durable position if it moved
   * since the last ACK (the owner, once per round, after the durability listener woke it).
   *
   * @return 1 if an ACK was sent, else 0
   */
  public int flushAcks() {
    RegionId to = ackTo;
    if (to == null || !ackToCurrent()) {
      return 0;
    }
    long durable = log.durablePosition();
    if (durable == ackedHwm) {
      return 0;
    }
    sendAck(to, durable);
    return 1;
  }

  /**
   * Acts on a heartbeat of the leader this follower is synced with (owner; only while no batch of
   * the shard is held): frames can be lost, and without this a lost last batch of a burst, or a
   * lost ACK, was recovered only by the leader's ack timeout (2 s), stalling QUORUM writes that
   * long.
   *
   * <ul>
   *   <li>If the leader holds more than this log ({@code leaderHwm} above the next position) and
   *       nothing arrived since the previous heartbeat, asks for it again from the next position
   *       (at most once per heartbeat; batches in flight arrive before the heartbeat that follows
   *       them, on the same ordered link, so a log that moved is not asked for).
   *   <li>Once it has taken a batch from this leader, acknowledges its durable position again: an
   *       ACK is cumulative and idempotent, so a lost one costs one heartbeat interval. (Before the
   *       first batch the epoch sync repeats its own ACK.)
   * </ul>
   *
   * @param leader the leader that sent the heartbeat
   * @param leaderHwm the leader's durable position in the heartbeat
   */
  public void onLeaderHeartbeat(RegionId leader, long leaderHwm) {
    long next = log.nextPosition();
    if (leaderHwm > next && next == nextAtLastHeartbeat) {
      increment(FollowerEvent.TAIL_RESEND);
      lastResendRequested = next;
      send(leader, encoder.resendRequest(out, 0, shard, self, ackEpoch(), next), null);
    }
    nextAtLastHeartbeat = next;
    if (leader.equals(ackTo) && ackToCurrent()) {
      sendAck(leader, log.durablePosition());
    }
  }

  /**
   * Whether the leader of the last appended batch may still be acknowledged: only in the epoch this
   * region was in when it appended that batch. Once the region has entered a newer epoch (it votes,
   * runs, or follows another leader), an ACK would carry the newer epoch while reporting a log not
   * yet synced with that epoch's leader: its own writes as a later leader, or a suffix its epoch
   * sync has yet to cut. A leader of the newer epoch counted such an ACK as the follower's HWM,
   * acknowledged records the follower did not hold, and ignored the follower's resend requests
   * below it (the data-path simulation's seed 141: the follower never caught up). The epoch sync
   * acknowledges the new leader itself; its batches then set a new target.
   */
  private boolean ackToCurrent() {
    if (ackToEpoch == ackEpoch()) {
      return true;
    }
    ackTo = null;
    return false;
  }

  private void sendAck(RegionId to, long hwm) {
    ackedHwm = hwm;
    send(to, encoder.ack(out, 0, shard, self, ackEpoch(), hwm), FollowerEvent.ACK_SENT);
  }

  /**
   * Resets the fence to the epoch of the log's last durable record: the epoch sync is done (it may
   * have cut the log, removing batches of higher epochs). Call while the log is quiet.
   */
  public void onSynced() {
    highestEpoch = log.lastEpoch();
    ackTo = null; // the sync acknowledges the new leader itself
    ackedHwm = log.durablePosition();
    nextAtLastHeartbeat = -1;
  }

  /**
   * Raises the highest epoch seen for the shard (a heartbeat or an election told of it).
   *
   * @param epoch the observed epoch; lower values are ignored
   */
  public void observeEpoch(long epoch) {
    highestEpoch = Math.max(highestEpoch, epoch);
  }

  /**
   * Raises the epoch this region is in for the shard (it learned of a newer epoch or voted in one):
   * every ACK and RESEND_REQUEST sent from now on carries at least it.
   *
   * @param epoch the region's epoch; lower values are ignored
   */
  public void enterEpoch(long epoch) {
    regionEpoch = Math.max(regionEpoch, epoch);
  }

  /**
   * Returns the epoch the acknowledgements sent now carry: the region's epoch, or the highest batch
   * epoch if that is higher (a follower driven without a leadership, as in the shipping tests).
   *
   * @return the epoch
   */
  public long ackEpoch() {
    return Math.max(regionEpoch, highestEpoch);
  }

  /**
   * Returns the highest epoch seen for the shard.
   *
   * @return the epoch below which batches are rejected
   */
  public long highestEpoch() {
    return highestEpoch;
  }

  /**
   * Returns the local durable HWM: every position below it is durable here.
   *
   * @return the durable bound
   */
  public long durableHwm() {
    return log.durablePosition();
  }

  /**
   * Returns the shard.
   *
   * @return the shard index
   */
  public int shard() {
    return shard;
  }

  /**
   * Returns how often an event happened.
   *
   * @param event the event
   * @return the count
   */
  public long count(FollowerEvent event) {
    return counters.get(event.ordinal());
  }

  private void increment(FollowerEvent event) {
    counters.incrementAndGet(event.ordinal());
  }

  private void refuse(FollowerEvent cause, RegionId from, String detail) {
    increment(cause);
    if (logged.compareAndSet(cause.ordinal(), 0, 1)) {
      LOG.warn("shard {}: {} from {}: {} (logged once per cause)", shard, cause, from, detail);
    } else {
      LOG.debug("shard {}: {} from {}: {}", shard, cause, from, detail);
    }
  }

  private void send(RegionId to, int length, FollowerEvent onSent) {
    out.limit(length);
    SendStatus status = endpoint.send(to, out);
    out.clear();
    if (status != SendStatus.SENT) {
      refuse(FollowerEvent.SEND_FAILED, to, "send to " + to + ": " + status);
    } else if (onSent != null) {
      increment(onSent);
    }
  }
}
