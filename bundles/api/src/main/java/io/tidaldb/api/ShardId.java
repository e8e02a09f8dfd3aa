package io.tidaldb.api;

/**
 * A partition of the key space. Every region holds every shard; the shard router maps (tenant,
 * entity) to a shard.
 *
 * @param value the shard's index, 0 to shard count - 1
 */
public record ShardId(int value) {
  /**
   * Validates the index.
   *
   * @throws InvalidArgumentException if the index is negative
   */
  public ShardId {
    if (value < 0) {
      throw new InvalidArgumentException("shard", value, "must be >= 0");
    }
  }

  /**
   * Returns the shard of this index.
   *
   * @param value the index
   * @return the shard
   */
  public static ShardId of(int value) {
    return new ShardId(value);
  }

  @Override
  public String toString() {
    return "shard-" + value;
  }
}
