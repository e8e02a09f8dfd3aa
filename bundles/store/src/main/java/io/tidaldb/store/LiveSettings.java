package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.crdt.DecayModel;

/**
 * The part of the store's configuration that changes while it serves ({@link
 * SignalStoreEngine#reconfigure}): the configuration whose live part serves (the known tenants, the
 * weight bound and the half-lives of series defined from now on; the rest is the opening
 * configuration's) and the {@link SignalValidator} built from it. Thread-safe: both are volatile
 * and read without a lock; a change is checked and applied under one lock and the table lock of
 * every shard's series registry, so it is atomic and no series is defined meanwhile.
 */
final class LiveSettings {
  /** The configuration the store opened with. */
  private final StoreConfig opened;

  /** The known, active and purged tenants and the quotas (see "Tenants" in ARCHITECTURE.md). */
  private final TenantGate tenants;

  private final Object reconfigureLock = new Object();

  /**
   * The configuration whose live part serves: the known tenants, the weight bound and the
   * half-lives of series defined from now on (see {@link #reconfigure}); the rest is {@code
   * opened}'s.
   */
  private volatile StoreConfig live;

  private volatile SignalValidator validator;

  /**
   * @param opened the configuration the store opened with, also the first live one
   */
  LiveSettings(StoreConfig opened, TenantGate tenants) {
    this.opened = opened;
    this.tenants = tenants;
    this.live = opened;
    this.validator = new SignalValidator(opened, opened, tenants);
  }

  /** The validator of the live configuration. */
  SignalValidator validator() {
    return validator;
  }

  /** The decay of a series of {@code type} defined now (the live half-lives). */
  DecayModel decayFor(String type) {
    return live.decayFor(type);
  }

  /**
   * Applies what of {@code next} can change live (see {@link SignalStoreEngine#reconfigure}), or
   * nothing.
   *
   * @param shards the store's shards, whose series keep their half-lives
   * @throws InvalidArgumentException if a series of a type exists in {@code shards} whose half-life
   *     {@code next} would change
   */
  void reconfigure(StoreConfig next, ShardState[] shards) {
    synchronized (reconfigureLock) {
      underTableLocks(
          shards,
          0,
          () -> {
            for (ShardState s : shards) {
              for (SeriesRegistry.Series series : s.registry.snapshot()) {
                long kept = series.decay().halfLifeMillis();
                long wanted = next.decayFor(series.type().name()).halfLifeMillis();
                if (kept != wanted) {
                  throw halfLifeChange(next, series, s.shard, kept, wanted);
                }
              }
            }
            live = next;
            tenants.configure(next.tenants());
            validator = new SignalValidator(next, opened, tenants);
          });
    }
  }

  private static InvalidArgumentException halfLifeChange(
      StoreConfig next, SeriesRegistry.Series series, int shard, long kept, long wanted) {
    String type = series.type().name();
    return new InvalidArgumentException(
        next.hasOwnHalfLife(type) ? "halfLives" : "defaultHalfLifeMillis",
        type + "=" + wanted,
        "type "
            + type
            + " has state built with half-life "
            + kept
            + " ms (tenant "
            + series.tenant().name()
            + ", shard "
            + shard
            + "); its sums cannot be converted, so changing it needs a new type name or an"
            + " empty store");
  }

  /** Runs {@code action} holding the table lock of every shard's series registry from {@code i}. */
  private static void underTableLocks(ShardState[] shards, int i, Runnable action) {
    if (i == shards.length) {
      action.run();
    } else {
      shards[i].registry.whileNoneBound(() -> underTableLocks(shards, i + 1, action));
    }
  }
}
