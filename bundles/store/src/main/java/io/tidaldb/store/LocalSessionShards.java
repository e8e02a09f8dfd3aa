package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.session.table.Decision;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The shards' side of {@link SessionWrites} for session writes taken into this region's local
 * stream (a LOCAL session write, or one shard's part of a LOCAL session batch, while the shard's
 * leader stays out of reach, {@link WritePath.Route#LOCAL_STREAM}): checked against the shard's
 * session table (a retry of a write that reached the leader and was replicated here), then the
 * local streams' tables ({@link LocalSessions}), and appended to the shard's local log as a {@code
 * SIGNAL_S} record (a part as one {@code SIGNAL_BATCH_S} record); its tickets carry local
 * positions, and its acknowledgements are local ones ({@link SignalAck#local()}) once the local log
 * made the record durable. The writes in flight are registered under epoch 0 (the local log has no
 * leader epoch) and settle once the local table applied them. Thread-safe.
 */
final class LocalSessionShards implements SessionWrites.Shards {
  /** The acknowledgement of a shard-log record once stored at a level (the leader's). */
  interface Logged {
    CompletableFuture<SignalAck> whenStored(long ticket, long hlc, Durability level);
  }

  private final ShardState[] shards;
  private final int origin;
  private final Executor acks;
  private final Logged logged;
  private final LongSupplier stamps;
  private final StoreMetrics metrics;

  LocalSessionShards(
      ShardState[] shards,
      int origin,
      Executor acks,
      Logged logged,
      LongSupplier stamps,
      StoreMetrics metrics) {
    this.shards = shards;
    this.origin = origin;
    this.acks = acks;
    this.logged = logged;
    this.stamps = stamps;
    this.metrics = metrics;
  }

  @Override
  public Decision check(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
    return shards[shard].checkSession(tenant, seq, payloadHash);
  }

  @Override
  public Decision checkLocal(int shard, TenantId tenant, SessionSeq seq, int payloadHash) {
    return shards[shard].checkLocalSessions(tenant, seq, payloadHash, true);
  }

  @Override
  public long appliedBelow(int shard) {
    return shards[shard].localSessionsAppliedBelow();
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
    long position =
        local(shard)
            .appendSession(
                signal.tenant(),
                signal.type(),
                signal.entity().value(),
                signal.weight(),
                signal.eventTime().epochMillis(),
                hlc,
                origin,
                seq,
                payloadHash);
    metrics.accepted(signal.tenant(), 1);
    return SignalTickets.ticket(shard, position);
  }

  /**
   * {@inheritDoc} Each signal's series must be defined in the shard already (a new series needs the
   * leader), and the part must fit one record of the local log.
   *
   * @throws UnavailableException ({@code mayBeStored()} false) if not, or the shard keeps no local
   *     log
   */
  @Override
  public SessionPart preparePart(List<Signal> signals, int shard, long epoch) {
    LocalStream local = local(shard);
    int max = local.log.maxPartSignals();
    if (signals.size() > max) {
      throw new UnavailableException(
          "shard "
              + shard
              + ": a part of "
              + signals.size()
              + " signals is larger than one record of the local log holds ("
              + max
              + "); nothing was stored",
          false,
          null);
    }
    SessionPart part = new SessionPart(signals.size());
    for (int i = 0; i < signals.size(); i++) {
      Signal signal = signals.get(i);
      part.set(i, signal, local.series(signal.tenant(), signal.type()).id(), stamps.getAsLong());
    }
    return part;
  }

  @Override
  public long appendPart(
      SessionPart part, int shard, long epoch, SessionSeq seq, int payloadHash, Durability level) {
    long position = local(shard).appendSessionPart(part, origin, seq, payloadHash);
    metrics.accepted(shards[shard].registry.get(part.seriesId(0)).tenant(), part.size());
    return SignalTickets.ticket(shard, position);
  }

  private LocalStream local(int shard) {
    LocalStream local = shards[shard].local;
    if (local == null) {
      throw new UnavailableException(
          "shard " + shard + ": the WAL keeps no local logs; nothing was stored", false, null);
    }
    return local;
  }

  @Override
  public CompletableFuture<SignalAck> stored(long ticket, long hlc, Durability level) {
    int shard = SignalTickets.shard(ticket);
    long position = SignalTickets.position(ticket);
    return shards[shard]
        .local
        .log
        .whenDurable(position, acks)
        .thenApply(
            v ->
                new SignalAck(
                    ShardId.of(shard), position, new HlcStamp(hlc), Durability.LOCAL, true));
  }

  @Override
  public CompletableFuture<SignalAck> logged(long ticket, long hlc, Durability level) {
    return logged.whenStored(ticket, hlc, level);
  }
}
