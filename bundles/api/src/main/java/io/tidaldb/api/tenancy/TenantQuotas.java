package io.tidaldb.api.tenancy;

import io.tidaldb.api.InvalidArgumentException;

/**
 * The limits of one tenant; 0 means unlimited.
 *
 * @param signalsPerSecond signals accepted per second in each region (a token bucket with one
 *     second of burst); 0: unlimited
 * @param maxEntities entities per signal type and shard summed over the tenant, as the store counts
 *     them; a signal for a new entity is refused at the limit; 0: unlimited
 * @param maxBytes bytes of the tenant's state as snapshots encode it; 0: unlimited
 */
public record TenantQuotas(long signalsPerSecond, long maxEntities, long maxBytes) {
  /** No limits. */
  public static final TenantQuotas UNLIMITED = new TenantQuotas(0, 0, 0);

  /**
   * The names of the quotas, as {@link QuotaExceededException#quota()} and the console name them.
   */
  public static final String SIGNALS_PER_SECOND = "signalsPerSecond";

  /** The name of {@link #maxEntities()}. */
  public static final String MAX_ENTITIES = "maxEntities";

  /** The name of {@link #maxBytes()}. */
  public static final String MAX_BYTES = "maxBytes";

  /**
   * Validates the limits.
   *
   * @throws InvalidArgumentException naming the quota and the value if one is negative
   */
  public TenantQuotas {
    check(SIGNALS_PER_SECOND, signalsPerSecond);
    check(MAX_ENTITIES, maxEntities);
    check(MAX_BYTES, maxBytes);
  }

  private static void check(String name, long value) {
    if (value < 0) {
      throw new InvalidArgumentException(name, value, "must be >= 0 (0 = unlimited)");
    }
  }

  /**
   * Returns whether no limit is set.
   *
   * @return true if every quota is 0
   */
  public boolean isUnlimited() {
    return signalsPerSecond == 0 && maxEntities == 0 && maxBytes == 0;
  }

  /**
   * Returns these quotas with one of them changed, by its name.
   *
   * @param quota {@link #SIGNALS_PER_SECOND}, {@link #MAX_ENTITIES} or {@link #MAX_BYTES}
   * @param value the new limit, 0 for unlimited
   * @return the changed quotas
   * @throws InvalidArgumentException naming the quota if the name is unknown or the value negative
   */
  public TenantQuotas with(String quota, long value) {
    if (SIGNALS_PER_SECOND.equals(quota)) {
      return new TenantQuotas(value, maxEntities, maxBytes);
    }
    if (MAX_ENTITIES.equals(quota)) {
      return new TenantQuotas(signalsPerSecond, value, maxBytes);
    }
    if (MAX_BYTES.equals(quota)) {
      return new TenantQuotas(signalsPerSecond, maxEntities, value);
    }
    throw new InvalidArgumentException(
        "quota", quota, "must be " + SIGNALS_PER_SECOND + ", " + MAX_ENTITIES + " or " + MAX_BYTES);
  }

  @Override
  public String toString() {
    return SIGNALS_PER_SECOND
        + "="
        + signalsPerSecond
        + " "
        + MAX_ENTITIES
        + "="
        + maxEntities
        + " "
        + MAX_BYTES
        + "="
        + maxBytes;
  }
}
