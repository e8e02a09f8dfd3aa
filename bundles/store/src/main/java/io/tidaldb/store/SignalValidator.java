package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.util.function.LongSupplier;

/**
 * Checks a signal before anything is logged (invariant I7): every refusal is an {@link
 * InvalidArgumentException} naming the argument, its value and the rule. Allocation-free on the
 * accepting path.
 */
final class SignalValidator {
  private final TenantGate tenants;
  private final double maxAbsWeight;
  private final long maxFutureSkewMillis;
  private final LongSupplier clock;

  /**
   * Creates a validator.
   *
   * @param live the weight bound (a live setting, see {@code reconfigure})
   * @param opened the event-time skew and the clock (fixed while the store is open)
   * @param tenants the known tenants: configured (live) and the registry's, the purged ones
   */
  SignalValidator(StoreConfig live, StoreConfig opened, TenantGate tenants) {
    this.tenants = tenants;
    this.maxAbsWeight = live.maxAbsWeight();
    this.maxFutureSkewMillis = opened.maxFutureSkewMillis();
    this.clock = opened.clock();
  }

  void checkSignal(TenantId tenant, SignalType type, double weight, long eventTimeMillis) {
    checkTenant(tenant);
    requireNonNull("signal type", type);
    if (!Double.isFinite(weight)) {
      throw new InvalidArgumentException("weight", weight, "must be finite");
    }
    if (Math.abs(weight) > maxAbsWeight) {
      throw new InvalidArgumentException("weight", weight, "must be within +/-" + maxAbsWeight);
    }
    if (eventTimeMillis < 0) {
      throw new InvalidArgumentException("event time", eventTimeMillis, "must be >= 0 ms");
    }
    long ahead = eventTimeMillis - clock.getAsLong();
    if (ahead > maxFutureSkewMillis) {
      throw new InvalidArgumentException(
          "event time",
          Timestamp.ofMillis(eventTimeMillis),
          "is "
              + ahead
              + " ms ahead of the local clock; at most "
              + maxFutureSkewMillis
              + " ms allowed");
    }
  }

  /**
   * Checks what a {@link Signal} does not check itself, because it depends on this store's
   * configuration: a known tenant, the weight bound and the event time's skew.
   */
  void checkSignal(Signal signal) {
    checkSignal(signal.tenant(), signal.type(), signal.weight(), signal.eventTime().epochMillis());
  }

  void checkTenant(TenantId tenant) {
    requireNonNull("tenant", tenant);
    tenants.check(tenant);
  }

  static void requireNonNull(String what, Object value) {
    if (value == null) {
      throw new InvalidArgumentException(what, null, "must not be null");
    }
  }
}
