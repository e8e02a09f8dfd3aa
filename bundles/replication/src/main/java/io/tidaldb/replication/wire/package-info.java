/**
 * The wire format of region-to-region replication messages (private: not exported).
 *
 * <p>{@link io.tidaldb.replication.wire.FrameDescriptor} lays out every frame: a 32-byte
 * little-endian header (magic, version, type, shard, sender region, epoch, body length, CRC32C) and
 * a body per message type. {@link io.tidaldb.replication.wire.FrameEncoder} writes frames into a
 * caller's buffer and {@link io.tidaldb.replication.wire.FrameDecoder} validates received bytes
 * into a flyweight {@link io.tidaldb.replication.wire.Frame}; neither allocates per frame.
 * Transports carry frames as opaque bytes. {@link io.tidaldb.replication.wire.LeadershipFrames}
 * connects a shard's {@link io.tidaldb.replication.leadership.ShardLeadership} to a transport.
 *
 * <p>Invariant I7: any malformed input, of any length, fails with {@link
 * io.tidaldb.api.InvalidArgumentException} naming the field and value, and nothing else.
 *
 * <p>Thread-safety: none; encoders, decoders and {@code LeadershipFrames} belong to one thread.
 */
package io.tidaldb.replication.wire;
