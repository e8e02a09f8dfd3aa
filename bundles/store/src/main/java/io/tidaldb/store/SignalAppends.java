package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.router.ShardRouter;
import io.tidaldb.api.tenancy.QuotaExceededException;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.crdt.HybridLogicalClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A single signal's way into this region's logs: the store's checks of it (open, the live {@link
 * SignalValidator}'s, its shard by the router), its admission under its tenant's quotas, and its
 * append, as this region's write to the shard's log (fenced by the leader check's epoch; a new
 * series defined first, on a replicated leader through {@link ReplicatedWrites}) or to this
 * region's own local stream ({@link LocalStream}). Refusals and accepted signals are counted in the
 * store's metrics. Where the signal goes is decided by the callers ({@link WritePath}, {@link
 * SessionWrites}, the ticket API). Allocation-free on the accepting path of a plain signal.
 * Thread-safe; runs on the writing thread.
 */
final class SignalAppends {
  private final ShardState[] shards;
  private final ShardRouter router;
  private final LiveSettings settings;

  /** The known, active and purged tenants and the quotas (see "Tenants" in ARCHITECTURE.md). */
  private final TenantGate tenants;

  /** Each tenant's state bytes over the shards, kept by their digests (the maxBytes quota). */
  private final TenantBytes stateBytes;

  private final ReplicatedWrites replicated; // null for a single region
  private final HybridLogicalClock clock;

  /** The origin this node's WAL records carry (provenance: region << 16 | incarnation). */
  private final int origin;

  private final Executor acks;
  private final StoreMetrics metrics;
  private final StoreGate gate;

  /**
   * @param replicated the leader's appends of a replicated region, or null for a single region
   * @param acks where the local stream's acknowledgements complete
   */
  SignalAppends(
      ShardState[] shards,
      ShardRouter router,
      LiveSettings settings,
      TenantGate tenants,
      TenantBytes stateBytes,
      ReplicatedWrites replicated,
      HybridLogicalClock clock,
      int origin,
      Executor acks,
      StoreMetrics metrics,
      StoreGate gate) {
    this.shards = shards;
    this.router = router;
    this.settings = settings;
    this.tenants = tenants;
    this.stateBytes = stateBytes;
    this.replicated = replicated;
    this.clock = clock;
    this.origin = origin;
    this.acks = acks;
    this.metrics = metrics;
    this.gate = gate;
  }

  /** Validates, routes and logs one signal; returns its ticket. Allocation-free. */
  long accept(
      TenantId tenant, SignalType type, long entity, double weight, long eventTime, long hlc) {
    gate.checkOpen();
    checkSignal(tenant, type, weight, eventTime);
    int shard = router.shardOf(tenant, entity);
    admit(tenant, type, entity, shard);
    // The leader check returns the epoch the appends are fenced by (issue 9, h).
    long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
    return append(tenant, type, entity, weight, eventTime, hlc, shard, epoch);
  }

  /** See {@link SignalStoreEngine#awaitDurable}. */
  void awaitDurable(long ticket, Duration timeout) {
    int shard = SignalTickets.shard(ticket);
    if (shard >= shards.length) {
      throw new InvalidArgumentException(
          "ticket", ticket, "names shard " + shard + " of " + shards.length);
    }
    try {
      shards[shard].log.awaitDurable(SignalTickets.position(ticket), timeout.toNanos());
    } catch (UnavailableException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /** The validator's check of a signal, its refusals counted by cause. */
  private void checkSignal(TenantId tenant, SignalType type, double weight, long eventTime) {
    try {
      settings.validator().checkSignal(tenant, type, weight, eventTime);
    } catch (InvalidArgumentException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /**
   * Checks a signal against this store's configuration (open, tenant known, weight bound, event
   * time skew; the {@link Signal} checked the rest) and returns its shard.
   */
  int validate(Signal signal, Durability durability) {
    gate.checkOpen();
    SignalValidator.requireNonNull("signal", signal);
    SignalValidator.requireNonNull("durability", durability);
    checkSignal(signal.tenant(), signal.type(), signal.weight(), signal.eventTime().epochMillis());
    return router.shardOf(signal.tenant(), signal.entity().value());
  }

  /** Admits a validated signal of {@code shard} under its tenant's quotas (as below). */
  void admit(Signal signal, int shard) {
    if (tenants.anyQuota()) {
      admit(signal.tenant(), signal.type(), signal.entity().value(), shard);
    }
  }

  /**
   * Admission at the region the client called (never again at a forwarded write's leader): the
   * tenant's entity quota for a new entity, its byte quota ({@link TenantBytes}: refused at or
   * above it, so the last admitted signal may overshoot by one state's growth), then its
   * signals-per-second bucket ({@link TenantQuotaGate}). One volatile read and no allocation while
   * no tenant has a quota.
   */
  private void admit(TenantId tenant, SignalType type, long entity, int shard) {
    if (!tenants.anyQuota()) {
      return;
    }
    TenantQuotas q = tenants.quotas(tenant.name());
    if (q.maxEntities() > 0 && !shards[shard].holds(tenant, type, entity)) {
      long count = 0;
      for (ShardState s : shards) {
        count += s.entityCount(tenant);
      }
      if (count >= q.maxEntities()) {
        QuotaExceededException e =
            new QuotaExceededException(tenant, TenantQuotas.MAX_ENTITIES, q.maxEntities(), count);
        metrics.refused(e);
        throw e;
      }
    }
    if (q.maxBytes() > 0) {
      long bytes = stateBytes.atLeastZero(tenant);
      if (bytes >= q.maxBytes()) {
        QuotaExceededException e =
            new QuotaExceededException(tenant, TenantQuotas.MAX_BYTES, q.maxBytes(), bytes);
        metrics.refused(e);
        throw e;
      }
    }
    try {
      tenants.quotaGate.admit(tenant, q);
    } catch (QuotaExceededException e) {
      metrics.refused(e);
      throw e;
    }
  }

  /** Appends a validated signal as this region's write, fenced by {@code epoch}; its ticket. */
  long append(Signal signal, int shard, long epoch, long hlc) {
    return append(signal, shard, epoch, hlc, null, null);
  }

  /**
   * Appends a validated signal as {@link #append(Signal, int, long, long)} does, as a {@code
   * SIGNAL_S} record with its payload hash ({@link SessionPayload#hash}) if {@code session} is not
   * null, recording {@code level} (the level it is acknowledged at). The caller has checked the
   * write against the shard's session table.
   */
  private long append(
      Signal signal, int shard, long epoch, long hlc, SessionSeq session, Durability level) {
    gate.checkOpen();
    return append(
        signal.tenant(),
        signal.type(),
        signal.entity().value(),
        signal.weight(),
        signal.eventTime().epochMillis(),
        hlc,
        shard,
        epoch,
        session,
        session == null ? 0 : SessionPayload.hash(signal),
        level);
  }

  private long append(
      TenantId tenant,
      SignalType type,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int shard,
      long epoch) {
    return append(tenant, type, entity, weight, eventTime, hlc, shard, epoch, null, 0, null);
  }

  /**
   * Appends a validated signal to {@code shard}'s log as this region's write, fenced by {@code
   * epoch}: a {@code SIGNAL} record, or a {@code SIGNAL_S} record of {@code session} with {@code
   * payloadHash} and {@code level} if {@code session} is not null. Its series is defined first if
   * the shard has none yet (on a replicated leader, waiting for the definition's QUORUM).
   *
   * @return its ticket
   * @throws io.tidaldb.api.replication.NotLeaderException if this region does not lead the shard in
   *     {@code epoch} (nothing stored)
   */
  long append(
      TenantId tenant,
      SignalType type,
      long entity,
      double weight,
      long eventTime,
      long hlc,
      int shard,
      long epoch,
      SessionSeq session,
      int payloadHash,
      Durability level) {
    ShardState s = shards[shard];
    int series;
    long position;
    if (replicated != null) {
      series = replicated.seriesFor(s, epoch, tenant, type);
      position =
          replicated.append(
              s,
              epoch,
              series,
              entity,
              weight,
              eventTime,
              hlc,
              origin,
              session,
              payloadHash,
              level);
    } else {
      if ((series = s.registry.find(tenant, type)) < 0) {
        series = s.registry.define(tenant, type, s.log::appendDefine);
      }
      position =
          session == null
              ? s.log.appendSignal(series, entity, weight, eventTime, hlc, origin)
              : s.log.appendSessionSignal(
                  ShardLog.ANY_EPOCH,
                  series,
                  entity,
                  weight,
                  eventTime,
                  hlc,
                  origin,
                  session,
                  payloadHash,
                  level);
    }
    metrics.accepted(tenant, 1);
    return SignalTickets.ticket(shard, position);
  }

  /** See {@link SignalStoreEngine#appendSessionWrite(Signal, SessionSeq, Durability)}. */
  long appendSessionWrite(Signal signal, SessionSeq session, Durability level) {
    int shard = validate(signal, level);
    long epoch = replicated == null ? ShardLog.ANY_EPOCH : replicated.checkLeader(shards[shard]);
    return append(signal, shard, epoch, clock.now(), session, level);
  }

  /** See {@link SignalStoreEngine#appendLocal}. */
  CompletableFuture<SignalAck> appendLocal(
      int shard,
      TenantId tenant,
      SignalType type,
      EntityId entity,
      double weight,
      Timestamp eventTime) {
    try {
      gate.checkOpen();
      gate.checkShard(shard);
      SignalValidator.requireNonNull("entity", entity);
      SignalValidator.requireNonNull("event time", eventTime);
      checkSignal(tenant, type, weight, eventTime.epochMillis());
      if (router.shardOf(tenant, entity.value()) != shard) {
        throw new InvalidArgumentException(
            "shard",
            shard,
            "entity "
                + entity.value()
                + " of "
                + tenant
                + " belongs to shard "
                + router.shardOf(tenant, entity.value()));
      }
      LocalStream local = shards[shard].local;
      if (local == null) {
        throw new UnavailableException(
            "shard " + shard + ": the WAL keeps no local logs; nothing was stored", false, null);
      }
      long hlc = clock.now();
      long position =
          local.append(tenant, type, entity.value(), weight, eventTime.epochMillis(), hlc, origin);
      metrics.accepted(tenant, 1);
      return local
          .log
          .whenDurable(position, acks)
          .thenApply(
              v ->
                  new SignalAck(
                      ShardId.of(shard), position, new HlcStamp(hlc), Durability.LOCAL, true));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
