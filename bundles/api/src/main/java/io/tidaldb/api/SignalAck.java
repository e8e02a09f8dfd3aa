package io.tidaldb.api;

/**
 * The acknowledgement of a stored signal: where it was logged and the stamp it got.
 *
 * @param shard the shard that logged it
 * @param position its position in that shard's log, or in the shard's local log if {@code local}
 * @param stamp the hybrid-logical-clock stamp it was given
 * @param durability the durability that was reached before this acknowledgement
 * @param local true if the signal was accepted in this region's own stream (the shard's local log)
 *     while the shard's leader was unreachable: it is durable here ({@link Durability#LOCAL}), and
 *     other regions get it through reconciliation, not through the shard's log (since 1.2.0)
 */
public record SignalAck(
    ShardId shard, long position, HlcStamp stamp, Durability durability, boolean local) {

  /** An acknowledgement of a signal logged in the shard's log (as before 1.2.0). */
  public SignalAck(ShardId shard, long position, HlcStamp stamp, Durability durability) {
    this(shard, position, stamp, durability, false);
  }
}
