/**
 * The per-shard session table of TidalDB's client sessions (issue 12; design in
 * docs/design/sessions.md): what a shard remembers of each client session that wrote to it, so that
 * a retried (session, seq) is answered with the original record's position and HLC (the original
 * acknowledgement) instead of being applied twice. 0.2 adds {@code Decision.hlc()}; 0.3 adds {@code
 * SessionTable.checkAboveHighest}, the usual write decided by an optimistic read.
 *
 * <p>{@link io.tidaldb.session.table.SessionTable} is pure value code, fed by the shard's log on
 * the commit thread ({@code apply}, {@code advance}) and consulted by the leader before an append
 * ({@code check}, which changes nothing and answers with a {@link
 * io.tidaldb.session.table.Decision}). Its state, expiry included, is a function of the applied log
 * prefix, so every replica holds the same table; the canonical encoding ({@code writeTo}/{@code
 * readFrom}) goes into the store's shard snapshots. {@link io.tidaldb.session.table.SessionConfig}
 * holds the policy (ttl, per-tenant limit, seq gap, window bound) every replica shares.
 *
 * <p>Not thread-safe: the shard's lock guards a table. Checking and applying allocate nothing on
 * the common path (growth, a new tenant, duplicates and refusals aside).
 */
@Export
@Version("0.3.0")
package io.tidaldb.session.table;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
