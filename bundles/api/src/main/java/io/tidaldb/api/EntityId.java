package io.tidaldb.api;

/**
 * The 64-bit id of the thing a signal is about. Every value is valid.
 *
 * @param value the id
 */
public record EntityId(long value) {
  /**
   * Returns the entity of this id.
   *
   * @param value the id
   * @return the entity
   */
  public static EntityId of(long value) {
    return new EntityId(value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
