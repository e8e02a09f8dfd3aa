package io.tidaldb.api;

import java.util.List;

/**
 * A point-in-time view of a store, for operators ({@code tidal:status}) and monitoring.
 *
 * @param region the store's region
 * @param incarnation the store's replica incarnation (bumped only after data loss)
 * @param openedAt when the store was opened
 * @param signalsAccepted signals accepted (logged) since the store was opened
 * @param shards every shard's positions, in shard order
 */
public record StoreStatus(
    RegionId region,
    int incarnation,
    Timestamp openedAt,
    long signalsAccepted,
    List<ShardStatus> shards) {
  /**
   * Copies the shard list.
   *
   * @throws NullPointerException if {@code shards} is null
   */
  public StoreStatus {
    shards = List.copyOf(shards);
  }
}
