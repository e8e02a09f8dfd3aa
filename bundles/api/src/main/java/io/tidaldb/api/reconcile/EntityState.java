package io.tidaldb.api.reconcile;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalType;

/**
 * The CRDT state of one (type, entity) of a tenant in a shard, as exchanged between regions.
 *
 * @param type the signal type
 * @param entity the entity id
 * @param state the canonical encoding of the state ({@code CrdtSignalState.writeTo}); not copied,
 *     do not change it
 */
public record EntityState(SignalType type, long entity, byte[] state) {
  /**
   * Validates the fields.
   *
   * @throws InvalidArgumentException if the type or state is null or the state is empty
   */
  public EntityState {
    if (type == null) {
      throw new InvalidArgumentException("type", null, "must not be null");
    }
    if (state == null || state.length == 0) {
      throw new InvalidArgumentException(
          "state of " + type.name() + "/" + entity, state == null ? null : 0, "must not be empty");
    }
  }
}
