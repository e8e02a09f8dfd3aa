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
 * {@link io.tidaldb.crdt.CrdtSignalState} holds all four in one flat array of per-stream entries.
 * Positive and negative parts stay separate everywhere, so every per-entry column only grows and
 * the entry-wise maximum remains a join even with retractions.
 *
 * <h2>Entries and why max-merge is exact (issue 11)</h2>
 *
 * Entry-wise maximum is only correct if, for any one replica id, every copy of its entry anywhere
 * is a <em>prefix</em> of one single history of the records that feed it: then the larger entry is
 * simply the longer prefix and nothing is lost or counted twice. So every entry is tied to one
 * record stream ({@link io.tidaldb.crdt.ReplicaIds}):
 *
 * <ul>
 *   <li>a <b>log entry</b> {@code log(e)} is fed only by the shard's log records of epoch {@code
 *       e}. One leader per epoch, and a leader never rewrites its own epoch, so all records of
 *       epoch {@code e} form one linear history and {@code (epoch, position)} names one record
 *       everywhere (log matching). Every region applies the log in position order, so its entry
 *       {@code log(e)} of an entity is the effect of a prefix of that entity's records in that
 *       history, and the entry's {@code end} column says which prefix.
 *   <li>a <b>local entry</b> {@code local(r, i)} is fed only by region {@code r}'s own local stream
 *       (incarnation {@code i}) and reaches other regions by merge only.
 * </ul>
 *
 * Two copies of an entry are prefixes of the same sequence; every column sums non-negative terms
 * and floating-point addition of a non-negative term never decreases a sum, so the longer prefix is
 * column-wise at least the shorter: the maximum is the longer prefix, the exact join. A record
 * inside the prefix an entry holds is skipped by {@link io.tidaldb.crdt.CrdtSignalState#applyAt}
 * (its position is below {@code end}), so a log apply after a merge, a record that returns through
 * a later leader's log after a cut, a replay after a snapshot, and a snapshot joined with the live
 * state all count each record once.
 *
 * <p>The incarnation of a local entry is bumped (durably, before accepting any write) only when the
 * region's data is lost or restored from a backup: then others may hold local records the region no
 * longer has, and counting on under the old id would reuse positions already handed out (the
 * counter-reuse bug of Cassandra, Riak and Scylla counters). Each epoch and each incarnation adds
 * one entry (64 bytes in memory) to every entity it touches. Ids order as unsigned longs: log
 * entries by epoch, then local entries by region and incarnation.
 *
 * <h2>Closed epochs: the base entry (issue 11)</h2>
 *
 * An entity written in many epochs carries one log entry per epoch. A <b>base entry</b> {@code
 * base(c)} ({@link io.tidaldb.crdt.ReplicaIds#base}) folds the log entries of every epoch {@code <=
 * c} into one ({@link io.tidaldb.crdt.CrdtSignalState#fold}); merge lets the base of the higher
 * cut-off win whole (equal cut-offs join by maximum) and drops every log entry it holds, which is
 * still a lattice (a lexicographic product of the cut-off chain with the column-wise maximum,
 * followed by a filter that commutes with the maximum). Folding is exact only where every region
 * holds the same, final entries of the folded epochs, so only a COMPACT record of the shard log,
 * appended after every region reported the same {@link io.tidaldb.crdt.CrdtSignalState#closedHash
 * closed hashes}, folds (see docs/design/replication.md, "Compaction of closed epochs").
 *
 * <h2>Threading and allocation</h2>
 *
 * The clock is thread-safe and lock-free. Every other type is a mutable value without locking:
 * callers synchronise (the store applies to one shard from one thread). Applying a signal allocates
 * only when a stream gets its first entry in a state.
 */
@Export
@Version("2.5.1")
package io.tidaldb.crdt;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
