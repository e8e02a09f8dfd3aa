package io.tidaldb.api.reconcile;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalType;

/**
 * One (type, entity) of a tenant in a shard.
 *
 * @param type the signal type
 * @param entity the entity id
 */
public record EntityKey(SignalType type, long entity) {
  /**
   * Validates the fields.
   *
   * @throws InvalidArgumentException if the type is null
   */
  public EntityKey {
    if (type == null) {
      throw new InvalidArgumentException("type", null, "must not be null");
    }
  }
}
