package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.TenantId;
import io.tidaldb.session.table.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The shards' side of {@link SessionWrites} for the session writes this region stores as the
 * shard's leader (its own, and those forwarded to it): checked against the shard's session table
 * and this region's local streams' tables, appended to the shard's log as this leader's {@code
 * SIGNAL_S} record through {@link SignalAppends} (a session batch's part as one {@code
 * SIGNAL_BATCH_S} record through {@link BatchWrites}), fenced by the leader check's epoch, and
 * acknowledged as {@link LeaderWrites#whenStored} acknowledges a leader's write. On a replicated
 * leader, a write of a series the shard does not define yet waits for the definition's QUORUM
 * before the session's monitor is taken ({@link #prepare}). Thread-safe.
 */
final class SessionShards implements SessionWrites.Shards {
  private final ShardState[] shards;
  private final ReplicatedWrites replicated; // null for a single region
  private final StoreGate gate;
  private final SignalAppends appends;
  private final LeaderWrites leader;
  private final BatchWrites batches;

  /**
   * @param replicated the leader's appends of a replicated region, or null for a single region
   */
  SessionShards(
      ShardState[] shards,
      ReplicatedWrites replicated,
      StoreGate gate,
      SignalAppends appends,
      LeaderWrites leader,
      BatchWrites batches) {
    this.shards = shards;
    this.replicated = replicated;
    this.gate = gate;
    this.appends = appends;
    this.leader = leader;
    this.batches = batches;
  }

  @Override
  public Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
    return shards[shard].checkSession(tenant, seq, payloadHash);
  }

  @Override
  public Decision checkLocal(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
    return shards[shard].checkLocalSessions(tenant, seq, payloadHash, false);
  }

  @Override
  public void prepare(Signal signal, int shard, long epoch) {
    ShardState s = shards[shard];
    if (replicated != null
        && (!s.pendingDefines.isEmpty() || s.registry.find(signal.tenant(), signal.type()) < 0)) {
      gate.checkOpen();
      replicated.seriesFor(s, epoch, signal.tenant(), signal.type()); // may await a DEFINE
    }
  }

  @Override
  public long appliedBelow(int shard) {
    return shards[shard].sessionsAppliedBelow();
  }

  @Override
  public long append(
      Signal signal,
      int shard,
      long epoch,
      long hlc,
      SessionSeq seq,
      int payloadHash,
      Durability level) {
    gate.checkOpen();
    return appends.append(
        signal.tenant(),
        signal.type(),
        signal.entity().value(),
        signal.weight(),
        signal.eventTime().epochMillis(),
        hlc,
        shard,
        epoch,
        seq,
        payloadHash,
        level);
  }

  @Override
  public CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level) {
    return leader.whenStored(ticket, hlc, level);
  }

  @Override
  public SessionPart preparePart(List<Signal> signals, int shard, long epoch) {
    return batches.prepare(signals, shard, epoch);
  }

  @Override
  public long appendPart(
      SessionPart part, int shard, long epoch, SessionSeq seq, int payloadHash, Durability level) {
    return batches.append(part, shard, epoch, seq, payloadHash, level);
  }
}
