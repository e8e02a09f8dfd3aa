package io.tidaldb.replication.node;

import io.tidaldb.api.Durability;

/**
 * One signal the simulation's writers stored (appended to a shard log, at the leader or forwarded
 * there, or to a region's local log) and what became of its acknowledgement.
 */
final class SimWrite {
  enum Outcome {
    PENDING,
    ACKED,
    FAILED
  }

  final long id;
  final int shard;
  final int region;
  final int incarnation;
  final Durability level;
  final long position;
  final long epoch;
  final boolean local;
  Outcome outcome = Outcome.PENDING;

  SimWrite(
      long id,
      int shard,
      int region,
      int incarnation,
      Durability level,
      long position,
      long epoch,
      boolean local) {
    this.id = id;
    this.shard = shard;
    this.region = region;
    this.incarnation = incarnation;
    this.level = level;
    this.position = position;
    this.epoch = epoch;
    this.local = local;
  }

  @Override
  public String toString() {
    return "signal "
        + id
        + " ("
        + level
        + (local ? " in the local stream of region " : " at region ")
        + region
        + ", shard "
        + shard
        + (local ? ", local position " : ", position ")
        + position
        + (local ? "" : ", epoch " + epoch)
        + ", "
        + outcome
        + ")";
  }
}
