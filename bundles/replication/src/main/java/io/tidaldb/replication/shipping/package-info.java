/**
 * WAL shipping (private: not exported): how a shard leader's durable batches reach its followers.
 *
 * <p>On the leader, one {@link io.tidaldb.replication.shipping.WalShipper} per (shard, follower)
 * reads durable batches with {@link io.tidaldb.api.wal.ShardLog#openReader} and sends them as
 * WAL_BATCH frames from the follower's acknowledged HWM, bounding bytes in flight and rewinding to
 * the HWM after a lost frame, a resend request or a reconnect. {@link
 * io.tidaldb.replication.shipping.QuorumTracker} turns the acknowledged HWMs into the QUORUM and
 * ALL durable positions. On a follower, one {@link io.tidaldb.replication.shipping.FollowerDb} per
 * shard appends batches verbatim with {@link io.tidaldb.api.wal.ShardLog#appendReplicated},
 * strictly in position order, and acks its durable HWM. {@code
 * io.tidaldb.replication.node.ReplicationNode} routes received frames to them.
 *
 * <p>Invariants kept here: a follower applies each position once, in order (duplicates are ignored,
 * gaps answered with RESEND_REQUEST); an ACK never names a position that is not durable on the
 * follower; batches of an epoch below the highest seen are rejected (I5); any refusal is counted
 * and logged with its values and the follower keeps serving (I7).
 *
 * <p>Exported (0.1.0) only because {@code io.tidaldb.replication.node.ReplicationConfig} names
 * {@link io.tidaldb.replication.shipping.ShippingConfig}: implementation, no compatibility promise
 * across minor versions.
 */
@Export
@Version("0.1.0")
package io.tidaldb.replication.shipping;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
