/**
 * The contract between a region's store and the reconciliation engine (anti-entropy after
 * partitions): the store keeps, per shard and tenant, a digest of its CRDT state split into {@link
 * io.tidaldb.api.reconcile.ReconcileState#BUCKETS} buckets, updated as signals apply; the engine
 * compares digests with other regions top-down, fetches only the states of entities whose hashes
 * differ ({@link io.tidaldb.api.reconcile.ReconcileState#states}) and merges them by CRDT join
 * ({@link io.tidaldb.api.reconcile.ReconcileState#merge}).
 *
 * <p>Every state is exchanged in the canonical encoding of {@code io.tidaldb.crdt.CrdtSignalState};
 * two regions holding equal states report equal hashes and equal bucket digests, so a digest
 * difference always means a state difference (barring 64-bit hash collisions).
 *
 * <p>Since 1.3.0 it also carries the local streams' client-session tables ({@link
 * io.tidaldb.api.reconcile.ReconcileState#sessionTableVersions}): each region's table of the
 * session writes its local stream took, versioned, copied to the regions behind.
 */
@Export
@Version("1.3.0")
package io.tidaldb.api.reconcile;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
