package io.tidaldb.store;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.ReadToken;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.router.ShardRouter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The store's reads ({@code read}, {@code top} and {@code usage} of {@link SignalStoreEngine}): a
 * read's arguments are checked (the store open, the tenant known), its consistency requirement (a
 * {@link ReadToken} or a staleness bound) is met or refused by the {@link ReadGate}, and it is
 * answered from the shards' states, a top-K merged from each shard's top-K index; each answer
 * counts towards the reading thread's {@link ReadQuantum}. Thread-safe; runs on the reading thread,
 * under each shard's read lock as {@link ShardState} takes it.
 */
final class StoreReads {
  private final ShardState[] shards;
  private final ShardRouter router;
  private final LiveSettings settings;
  private final StoreGate gate;

  /** Each tenant's state bytes over the shards, kept by their digests. */
  private final TenantBytes stateBytes;

  private final ReadQuantum quantum;
  private final ReadGate consistency;

  /**
   * @param shards the store's shards, every one built
   * @param replication the region's replication, or null for a single region
   */
  StoreReads(
      StoreConfig config,
      ShardState[] shards,
      ShardRouter router,
      LiveSettings settings,
      StoreGate gate,
      TenantBytes stateBytes,
      Replication replication) {
    this.shards = shards;
    this.router = router;
    this.settings = settings;
    this.gate = gate;
    this.stateBytes = stateBytes;
    this.quantum = new ReadQuantum(config.readQuantum().toNanos(), ReadQuantum.of(shards));
    this.consistency =
        new ReadGate(
            shards,
            config.region().value(),
            config.readWaitMax(),
            System::nanoTime,
            replication == null ? shard -> 0 : replication::leaderContactAgeNanos);
  }

  /** See {@link SignalStoreEngine#read(TenantId, SignalType, EntityId, Timestamp)}. */
  SignalAggregate read(TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    int shard = checkRead(tenant, type, entity, at);
    return aggregate(shard, tenant, type, entity, at);
  }

  /** See {@link SignalStoreEngine#read(TenantId, SignalType, EntityId, Timestamp, ReadToken)}. */
  SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, ReadToken after) {
    int shard = checkRead(tenant, type, entity, at);
    SignalValidator.requireNonNull("read token", after);
    long start = System.nanoTime();
    consistency.await(shard, after, start, consistency.deadline());
    return aggregate(shard, tenant, type, entity, at);
  }

  /** See {@link SignalStoreEngine#read(TenantId, SignalType, EntityId, Timestamp, Duration)}. */
  SignalAggregate read(
      TenantId tenant, SignalType type, EntityId entity, Timestamp at, Duration maxLag) {
    int shard = checkRead(tenant, type, entity, at);
    ReadGate.checkMaxLag(maxLag);
    consistency.checkLag(shard, maxLag);
    return aggregate(shard, tenant, type, entity, at);
  }

  private SignalAggregate aggregate(
      int shard, TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    SignalAggregate a = shards[shard].aggregate(tenant, type, entity.value(), at);
    quantum.spent();
    return a;
  }

  /** See {@link SignalStoreEngine#top(TenantId, SignalType, int, Timestamp)}. */
  List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at) {
    checkTop(tenant, type, k, at);
    return collectTop(tenant, type, k, at);
  }

  /** See {@link SignalStoreEngine#top(TenantId, SignalType, int, Timestamp, ReadToken)}. */
  List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at, ReadToken after) {
    checkTop(tenant, type, k, at);
    SignalValidator.requireNonNull("read token", after);
    consistency.awaitAll(after);
    return collectTop(tenant, type, k, at);
  }

  /** See {@link SignalStoreEngine#top(TenantId, SignalType, int, Timestamp, Duration)}. */
  List<RankedEntity> top(TenantId tenant, SignalType type, int k, Timestamp at, Duration maxLag) {
    checkTop(tenant, type, k, at);
    ReadGate.checkMaxLag(maxLag);
    consistency.checkLagAll(maxLag);
    return collectTop(tenant, type, k, at);
  }

  /** Checks a read's arguments and returns the entity's shard. */
  private int checkRead(TenantId tenant, SignalType type, EntityId entity, Timestamp at) {
    gate.checkOpen();
    settings.validator().checkTenant(tenant);
    SignalValidator.requireNonNull("signal type", type);
    SignalValidator.requireNonNull("entity", entity);
    SignalValidator.requireNonNull("at", at);
    return router.shardOf(tenant, entity.value());
  }

  private void checkTop(TenantId tenant, SignalType type, int k, Timestamp at) {
    gate.checkOpen();
    settings.validator().checkTenant(tenant);
    SignalValidator.requireNonNull("signal type", type);
    SignalValidator.requireNonNull("at", at);
    if (k < 1 || k > TopIndex.MAX_K) {
      throw new InvalidArgumentException("k", k, "must be 1.." + TopIndex.MAX_K);
    }
  }

  /**
   * Returns what {@link #top(TenantId, SignalType, int, Timestamp)} returns, computed by scoring
   * every entity of every shard without the top-K indexes (tests compare the two).
   */
  List<RankedEntity> topByScan(TenantId tenant, SignalType type, int k, Timestamp at) {
    checkTop(tenant, type, k, at);
    TopKCollector top = new TopKCollector(k);
    for (ShardState s : shards) {
      s.offerAllOf(tenant, type, at.epochMillis(), top);
    }
    return top.result();
  }

  private List<RankedEntity> collectTop(TenantId tenant, SignalType type, int k, Timestamp at) {
    TopKCollector top = new TopKCollector(k);
    long atMillis = at.epochMillis();
    for (ShardState s : shards) {
      s.offerTop(tenant, type, k, atMillis, top);
    }
    List<RankedEntity> result = top.result();
    quantum.spent();
    return result;
  }

  /** See {@link SignalStoreEngine#usage}. */
  Optional<TenantUsage> usage(TenantId tenant) {
    gate.checkOpen();
    SignalValidator.requireNonNull("tenant", tenant);
    long entities = 0;
    for (ShardState s : shards) {
      entities += s.entityCount(tenant);
    }
    return Optional.of(new TenantUsage(tenant, entities, stateBytes.atLeastZero(tenant)));
  }
}
