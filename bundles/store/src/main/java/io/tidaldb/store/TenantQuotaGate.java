package io.tidaldb.store;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.tenancy.QuotaExceededException;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The signals-per-second quota of each tenant in this region: a token bucket per tenant holding at
 * most one second of signals, refilled continuously, checked at admission in the region the client
 * called (never again at a forwarded write's leader). Admission is per region, and writes in flight
 * may overshoot. Without a quota the check is one map lookup and allocates nothing.
 */
final class TenantQuotaGate {
  private final LongSupplier nanos;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  TenantQuotaGate(LongSupplier nanos) {
    this.nanos = nanos;
  }

  /** One tenant's bucket. */
  private static final class Bucket {
    private double tokens;
    private long lastNanos;
    private final long limit;

    Bucket(long limit, long now) {
      this.limit = limit;
      this.tokens = limit;
      this.lastNanos = now;
    }

    synchronized boolean take(long now) {
      long elapsed = now - lastNanos;
      if (elapsed > 0) {
        tokens = Math.min(limit, tokens + elapsed * (limit / 1e9));
        lastNanos = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }

  /**
   * Takes one signal of {@code tenant} from its bucket.
   *
   * @throws QuotaExceededException naming the tenant, the quota, its limit and the signals taken in
   *     the last second (the limit) if the bucket is empty
   */
  void admit(TenantId tenant, TenantQuotas quotas) {
    long limit = quotas.signalsPerSecond();
    if (limit == 0) {
      return;
    }
    Bucket b = buckets.get(tenant.name());
    if (b == null || b.limit != limit) { // the first signal since the quota was set or changed
      long now = nanos.getAsLong();
      b =
          buckets.compute(
              tenant.name(),
              (name, old) -> old != null && old.limit == limit ? old : new Bucket(limit, now));
    }
    if (!b.take(nanos.getAsLong())) {
      throw new QuotaExceededException(tenant, TenantQuotas.SIGNALS_PER_SECOND, limit, limit);
    }
  }

  /** Drops the buckets of tenants without a rate quota now. */
  void retain(Map<String, TenantQuotas> quotas) {
    buckets.keySet().removeIf(t -> quotas.get(t) == null || quotas.get(t).signalsPerSecond() == 0);
  }
}
