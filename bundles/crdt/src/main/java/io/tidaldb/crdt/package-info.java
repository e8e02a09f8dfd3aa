/**
 * TidalDB's conflict-free replicated data types: the hybrid logical clock, the per-replica CRDTs
 * and the per-(tenant, signal type, entity) state the store keeps and the regions merge.
 *
 * <h2>Design</h2>
 *
 * Every region accepts signals on its own (availability first) and regions converge by merging
 * states, so every aggregate is a join-semilattice whose merge is commutative, associative and
 * idempotent, exactly, bit for bit: equal sets of signals give equal bytes ({@link
 * io.tidaldb.crdt.CrdtSignalState#writeTo}), which is what state digests compare.
 *
 * <ul>
 *   <li>{@link io.tidaldb.crdt.HybridLogicalClock}: stamps every accepted signal; 48-bit physical
 *       milliseconds and a 16-bit logical counter ({@link io.tidaldb.api.HlcStamp}); refuses remote
 *       stamps beyond the accepted skew.
 *   <li>Count: a {@link io.tidaldb.crdt.PnCounter}, per replica a grow-only count of signals and
 *       one of retractions, merged by entry-wise maximum.
 *   <li>Weight sum: per replica a grow-only sum of positive weights and one of retracted (negative)
 *       weights' magnitudes, merged the same way.
 *   <li>Decayed score: forward decay ({@link io.tidaldb.crdt.DecayModel}); per replica grow-only
 *       sums of {@code |w|·2^((t − L)/h)} for positive and negative weights, at a landmark {@code
 *       L} that is a deterministic function of event time and travels with the state. A merge first
 *       rebases both sides to the later landmark by an exact power-of-two multiplication, so the
 *       maximum compares like with like.
 *   <li>Last seen: a {@link io.tidaldb.crdt.LwwRegister} of the event time, ordered by HLC stamp,
 *       ties broken by the higher replica id.
 * </ul>
 *
 * {@link io.tidaldb.crdt.CrdtSignalState} holds all four in one flat array of per-replica entries.
 * Positive and negative parts stay separate everywhere, so every per-replica column only grows and
 * the entry-wise maximum remains a join even with retractions.
 *
 * <h2>Replica identity</h2>
 *
 * A replica id is a (region, incarnation) pair ({@link io.tidaldb.crdt.ReplicaIds}). Entry-wise
 * maximum is only correct if, for any one replica id, every state anywhere holds a <em>prefix</em>
 * of one single history of that replica's operations: then the larger entry is simply the longer
 * prefix and nothing is lost or counted twice. The rule the store follows to keep it so:
 *
 * <ol>
 *   <li>Only the region itself applies operations under its replica id, in its own log order, and
 *       it ships (to followers, to reconciliation) <em>only what is already durable in its own
 *       WAL</em>. So after any crash and WAL recovery the region's state still contains every
 *       operation that any other region may have seen under its id: what others hold is a prefix of
 *       what it holds, and it can keep counting under the same id.
 *   <li>The incarnation is bumped (durably, before accepting any write) <em>only when the region's
 *       data is lost or restored from a backup</em>: then others may hold operations the region no
 *       longer has, and counting on under the old id would reuse positions already handed out,
 *       which max-merge would silently drop (the counter-reuse bug of Cassandra, Riak and Scylla
 *       counters). Under a fresh incarnation the new entries start from zero beside the old ones,
 *       and the old entries come back through reconciliation with the other regions.
 * </ol>
 *
 * Bumping only on data loss keeps states small: each incarnation adds one entry (56 bytes in
 * memory) to every entity it touches. The ordering of ids is unsigned, by region then incarnation.
 *
 * <h2>Threading and allocation</h2>
 *
 * The clock is thread-safe and lock-free. Every other type is a mutable value without locking:
 * callers synchronise (the store applies to one shard from one thread). Applying a signal allocates
 * only when a replica gets its first entry in a state.
 */
@Export
@Version("1.2.0")
package io.tidaldb.crdt;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
