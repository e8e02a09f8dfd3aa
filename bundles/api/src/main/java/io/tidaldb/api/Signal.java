package io.tidaldb.api;

/**
 * One signal: a weighted event about an entity, as a caller hands it to {@link SignalStore#signal}
 * and as it travels through a store and its replication (forwarded to a shard's leader, stored
 * there). Validates on construction with the rules and messages a store applies to every signal: no
 * field is null and the weight is finite ({@link Timestamp} is never negative). What depends on a
 * store's configuration (a known tenant, the largest weight, how far ahead of the store's clock an
 * event time may be) the store checks when it takes the signal.
 *
 * @param tenant the tenant
 * @param type the signal type
 * @param entity the entity the signal is about
 * @param weight a finite weight; negative weights are retractions
 * @param eventTime when the event happened
 * @since 1.2.0
 */
public record Signal(
    TenantId tenant, SignalType type, EntityId entity, double weight, Timestamp eventTime) {
  /**
   * Validates the signal.
   *
   * @throws InvalidArgumentException naming the argument, its value and the rule: a null field
   *     ({@code must not be null}) or a weight that is NaN or infinite ({@code must be finite})
   */
  public Signal {
    requireNonNull("tenant", tenant);
    requireNonNull("signal type", type);
    requireNonNull("entity", entity);
    if (!Double.isFinite(weight)) {
      throw new InvalidArgumentException("weight", weight, "must be finite");
    }
    requireNonNull("event time", eventTime);
  }

  /**
   * Returns a signal of the {@link TenantId#DEFAULT default} tenant.
   *
   * @param type the signal type
   * @param entity the entity
   * @param weight a finite weight
   * @param eventTime when the event happened
   * @return the signal
   * @throws InvalidArgumentException for a null field or a weight that is not finite
   */
  public static Signal of(SignalType type, EntityId entity, double weight, Timestamp eventTime) {
    return new Signal(TenantId.DEFAULT, type, entity, weight, eventTime);
  }

  private static void requireNonNull(String what, Object value) {
    if (value == null) {
      throw new InvalidArgumentException(what, null, "must not be null");
    }
  }
}
