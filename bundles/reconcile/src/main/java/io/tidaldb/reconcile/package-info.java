/**
 * Reconciliation (anti-entropy) between regions, as a service: {@link
 * io.tidaldb.reconcile.Reconciliation#reconcileAll()} runs one session with every other region now
 * and reports what it exchanged ({@link io.tidaldb.reconcile.ReconcileReport}). Sessions also run
 * periodically and when a region that could not be reached is reachable again; each compares the
 * per shard and tenant digests of {@link io.tidaldb.api.reconcile.ReconcileState} top-down and
 * exchanges only the states of entities that differ, merged by CRDT join. After the sessions, a
 * compaction probe lets the leader of a shard fold closed epochs once every region holds the same
 * closed entries ({@link io.tidaldb.reconcile.CompactionReport}, since 1.1).
 */
@Export
@Version("1.1.0")
package io.tidaldb.reconcile;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
