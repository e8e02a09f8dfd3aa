package io.tidaldb.api;

/**
 * The acknowledgement of a stored signal: where it was logged and the stamp it got.
 *
 * @param shard the shard that logged it
 * @param position its position in that shard's log
 * @param stamp the hybrid-logical-clock stamp it was given
 * @param durability the durability that was reached before this acknowledgement
 */
public record SignalAck(ShardId shard, long position, HlcStamp stamp, Durability durability) {}
