package io.tidaldb.api.replication;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One region's replication, as its store sees it. Registered as a service with the property {@code
 * region} (the region's name); the store of that region binds it.
 */
@ProviderType
public interface Replication {
  /**
   * Returns the region this replication runs in.
   *
   * @return the local region
   */
  RegionId region();

  /**
   * Returns every region of the cluster, the local one included, in configuration order.
   *
   * @return the regions
   */
  List<RegionId> regions();

  /**
   * Checks that this region leads {@code shard} now and may append local writes to it.
   *
   * @param shard the shard
   * @throws NotLeaderException if it does not, naming the leader when one is known
   */
  void checkLeader(int shard);

  /**
   * Checks that this region leads {@code shard} now, like {@link #checkLeader}, and returns the
   * epoch it leads in: the store passes it to the fenced appends of {@link
   * io.tidaldb.api.wal.ShardLog} (for example {@link io.tidaldb.api.wal.ShardLog#appendDefine(long,
   * int, String, String)}), which refuse the append if the region stopped leading that epoch
   * meanwhile, so the check and the append are one step. The default returns {@link
   * io.tidaldb.api.wal.ShardLog#ANY_EPOCH} (appends unfenced).
   *
   * @param shard the shard
   * @return the epoch this region leads the shard in
   * @throws NotLeaderException if it does not, naming the leader when one is known
   * @since 1.2.0
   */
  default long checkLeaderEpoch(int shard) {
    checkLeader(shard);
    return io.tidaldb.api.wal.ShardLog.ANY_EPOCH;
  }

  /**
   * Returns a future completed once the record at {@code position} of {@code shard} is stored at
   * {@code level}: {@code LOCAL} when the leader's log has it durable, {@code QUORUM} when a
   * majority of regions (the leader included) do, {@code ALL} when every region does. The future
   * fails with {@link io.tidaldb.api.UnavailableException} naming the level, the position and the
   * regions that have it, once the configured timeout passes or this region stops leading the
   * shard; it never stays incomplete.
   *
   * @param shard the shard
   * @param position a position this region appended as leader
   * @param level the durability asked for
   * @return the future
   */
  CompletableFuture<Void> whenStored(int shard, long position, Durability level);

  /**
   * Forwards a signal of {@code shard}, which this region does not lead, to the shard's leader as
   * this region knows it; the leader stores it as a write made there ({@link
   * ReplicaState#acceptForwarded}) and its acknowledgement completes the future. Only whole-signal
   * writes are forwarded; the pipelined ticket API stays leader-local.
   *
   * <p>The future fails with {@link NotLeaderException} when no leader is known (an election is in
   * progress; nothing was sent; an implementation may first hold the signal for a bounded time,
   * such as during a leadership transfer, and send it to the next leader) or the leader reached no
   * longer leads the shard (nothing stored); with {@link UnavailableException} when no reply comes
   * within the durability timeout plus one second (the signal may or may not be stored) or the
   * replication closes; otherwise with the leader's own refusal ({@link
   * io.tidaldb.api.InvalidArgumentException}, {@link io.tidaldb.api.UnknownTenantException}, {@link
   * UnavailableException}).
   *
   * <p>The default fails at once with {@link UnavailableException}: a replication that cannot
   * forward.
   *
   * @param shard the signal's shard
   * @param signal the signal, validated by the caller's store
   * @param durability the durability the leader acknowledges at
   * @return the leader's acknowledgement
   * @since 1.5.0
   */
  default CompletableFuture<SignalAck> forward(int shard, Signal signal, Durability durability) {
    return CompletableFuture.failedFuture(
        new UnavailableException(
            "the replication of region " + region() + " does not forward writes", false, null));
  }

  /**
   * Forwards a signal of a client session, as {@link #forward(int, Signal, Durability)} does,
   * carrying its {@link SessionSeq} to the leader, which checks it against the shard's session
   * table ({@link ReplicaState#acceptForwarded(Signal, Durability, SessionSeq)}). A null {@code
   * session} is {@link #forward(int, Signal, Durability)}. The default fails a session write with
   * {@link UnavailableException} ({@code mayBeStored()} false).
   *
   * @param shard the signal's shard
   * @param signal the signal, validated by the caller's store
   * @param durability the durability the leader acknowledges at
   * @param session the write's session, seq and ackedBelow, or null
   * @return the leader's acknowledgement
   * @since 1.6.0
   */
  default CompletableFuture<SignalAck> forward(
      int shard, Signal signal, Durability durability, SessionSeq session) {
    if (session == null) {
      return forward(shard, signal, durability);
    }
    return CompletableFuture.failedFuture(
        new UnavailableException(
            "the replication of region " + region() + " does not forward session writes",
            false,
            null));
  }

  /**
   * Forwards one shard's part of a client session's batch to the shard's leader, as {@link
   * #forward(int, Signal, Durability, SessionSeq)} forwards one signal: the leader stores it at
   * most once under (session, seq) ({@link ReplicaState#acceptForwardedPart}) and its
   * acknowledgement (of the part's last signal) is returned; the same failures, with {@code
   * mayBeStored()} saying whether anything was sent. The default fails with {@link
   * UnavailableException} ({@code mayBeStored()} false).
   *
   * @param shard the part's shard
   * @param signals the part's signals, validated by the caller's store, 1 or more of one tenant
   * @param durability the durability the leader acknowledges at
   * @param session the batch's session, seq and ackedBelow
   * @return the leader's acknowledgement
   * @since 1.10.0
   */
  default CompletableFuture<SignalAck> forwardPart(
      int shard, java.util.List<Signal> signals, Durability durability, SessionSeq session) {
    return CompletableFuture.failedFuture(
        new UnavailableException(
            "the replication of region " + region() + " does not forward session batches",
            false,
            null));
  }

  /**
   * Forwards a signal given as its fields: {@link #forward(int, Signal, Durability)}.
   *
   * @param shard the signal's shard
   * @param tenant the tenant
   * @param type the signal type
   * @param entity the entity
   * @param weight the weight
   * @param eventTime the event time
   * @param durability the durability the leader acknowledges at
   * @return the leader's acknowledgement; a field that a {@link Signal} refuses fails it with
   *     {@link io.tidaldb.api.InvalidArgumentException}
   * @deprecated use {@link #forward(int, Signal, Durability)}
   */
  @Deprecated
  default CompletableFuture<SignalAck> forward(
      int shard,
      TenantId tenant,
      SignalType type,
      EntityId entity,
      double weight,
      Timestamp eventTime,
      Durability durability) {
    Signal signal;
    try {
      signal = new Signal(tenant, type, entity, weight, eventTime);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return forward(shard, signal, durability);
  }

  /**
   * Returns a future completed at the next change of what this region knows of {@code shard}'s
   * leadership: a leader learned, lost or replaced, a new epoch, or this region's own leadership
   * becoming active (it then takes writes). A writer that found no leader, or could not reach the
   * one it knew, waits on it (bounded by its own deadline) before it decides again. The future
   * never fails; it is completed on the thread that owns the replication state, so its dependent
   * stages must not block.
   *
   * <p>The default never completes: a writer then waits until its own deadline.
   *
   * @param shard the shard
   * @return the future
   * @since 1.5.0
   */
  default CompletableFuture<Void> leaderChange(int shard) {
    return new CompletableFuture<>();
  }

  /**
   * Hands the leadership of {@code shard} to region {@code to} (a planned transfer): this region,
   * which must lead the shard, stops accepting new writes, lets {@code to} catch up with its log
   * and then asks it to run at once; writes made here meanwhile are not refused but wait (bounded
   * by the transfer's deadline) and are then stored by the new leader, or here if the transfer
   * gives up. The future completes once this region knows {@code to} as the shard's leader (at once
   * if {@code to} is this region and it leads), and fails with {@link NotLeaderException} if this
   * region does not lead the shard (naming the leader it knows), with {@link
   * io.tidaldb.api.InvalidArgumentException} if {@code to} is not one of {@link #regions()}, and
   * with {@link UnavailableException} naming the target, its HWM and the log end if the transfer
   * gave up (the target did not catch up or did not win in time, for example because it is down);
   * this region then keeps leading.
   *
   * <p>The default fails at once with {@link UnavailableException}: a replication that cannot
   * transfer leadership.
   *
   * @param shard the shard
   * @param to the region to lead it next
   * @return completed once {@code to} leads the shard
   * @since 1.3.0
   */
  default CompletableFuture<Void> transferLeadership(int shard, RegionId to) {
    return CompletableFuture.failedFuture(
        new UnavailableException(
            "the replication of region " + region() + " does not transfer leadership"));
  }

  /**
   * Attaches the local store, which {@link ReplicaState#truncateLog} is called on when a shard's
   * log must be cut. Until a store is attached, this region neither follows (a follower applies
   * what it receives through the store) nor leads.
   *
   * @param state the store
   */
  void attach(ReplicaState state);

  /**
   * Detaches the store attached before; the region stops leading and following until another one is
   * attached.
   *
   * @param state the store attached before
   */
  void detach(ReplicaState state);

  /**
   * Returns each shard's leader, epoch, and every region's HWM and lag as this region knows them.
   *
   * @return the status, one entry per shard in shard order
   * @throws io.tidaldb.api.UnavailableException if the thread that owns the replication state does
   *     not answer in time (the message names it); that is itself a symptom worth reporting
   */
  List<ShardReplicationStatus> status();

  /**
   * Returns how long ago this region last heard from {@code shard}'s leader (a heartbeat or a batch
   * of the leader it follows), for bounded-staleness reads: 0 while this region leads the shard and
   * takes writes. Any thread; measured on the replication's own clock.
   *
   * <p>The default answers -1 (never heard), so a replication that does not track it refuses every
   * bounded-staleness read rather than answering an unbounded one.
   *
   * @param shard the shard
   * @return nanoseconds since the last contact, 0 when leading, -1 if no leader was heard from
   * @since 1.7.0
   */
  default long leaderContactAgeNanos(int shard) {
    return -1;
  }

  /**
   * Returns how long ago this region last received anything (a heartbeat, a batch, an ack, a vote)
   * from {@code region}, for the console's and the operator's view of which regions are up. Any
   * thread; measured on the replication's own clock.
   *
   * <p>The default answers -1 (never heard, or not tracked).
   *
   * @param region a region of the cluster
   * @return nanoseconds since the last frame from it, 0 for this region itself, -1 if nothing was
   *     heard from it since this region started (or it is not a region of the cluster)
   * @since 1.9.0
   */
  default long regionContactAgeNanos(RegionId region) {
    return -1;
  }

  /**
   * Returns the lowest position of {@code shard}'s log this region must keep so that regions behind
   * it can still be shipped from its log. The store trims its log after a snapshot no lower than
   * this. A leader answers the lowest durable HWM of its followers, and keeps everything for a
   * follower it has not heard from, both bounded by a retention limit of the implementation (a
   * region further behind needs more than the log); a region that does not lead answers {@link
   * Long#MAX_VALUE}.
   *
   * @param shard the shard
   * @return a position, or {@link Long#MAX_VALUE} when no region needs more than the store keeps
   */
  default long retainFrom(int shard) {
    return Long.MAX_VALUE;
  }
}
