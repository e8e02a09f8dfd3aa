package io.tidaldb.api.reconcile;

/**
 * A digest of a shard's closed-epoch entries: the sum, modulo 2^64, over the shard's entities (all
 * tenants) of a hash of (tenant, type, entity, landmark, half-life, base entry, every log entry of
 * an epoch at or below {@code throughEpoch}). Equal in two regions exactly when (barring
 * collisions) they hold the same closed entries, the precondition of a COMPACT record.
 *
 * @param shard the shard
 * @param throughEpoch the cut-off epoch
 * @param digest the digest, 0 if no entity holds such entries
 * @param entries how many log entries of epochs at or below the cut-off the shard holds (the work a
 *     COMPACT would do; 0 means there is nothing to fold)
 */
public record ClosedDigest(int shard, long throughEpoch, long digest, long entries) {}
