/**
 * The contract between a region's store and its replication: the store asks whether it may append
 * to a shard ({@link io.tidaldb.api.replication.Replication#checkLeader}), waits for the durability
 * a caller asked for ({@link io.tidaldb.api.replication.Replication#whenStored}), and lets
 * replication cut a shard's log when a new leader's log does not have its suffix ({@link
 * io.tidaldb.api.replication.ReplicaState}). A region forwards a signal of a shard it does not lead
 * to the leader ({@link io.tidaldb.api.replication.Replication#forward}), whose store takes it as a
 * local write ({@link io.tidaldb.api.replication.ReplicaState#acceptForwarded}). {@link
 * io.tidaldb.api.replication.Replication#status()} reports leaders, epochs, HWMs and lag.
 *
 * <p>Positions are WAL positions (see {@code io.tidaldb.api.wal}); a region's HWM is its shard
 * log's durable position: every record below it is fsynced in that region.
 */
@Export
@Version("1.10.0")
package io.tidaldb.api.replication;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
