package io.tidaldb.api;

/**
 * What one tenant uses in one region, as the store counts it for its quotas.
 *
 * @param tenant the tenant
 * @param entities its (type, entity) states with content, summed over the shards (what {@code
 *     maxEntities} is checked against)
 * @param bytes its state bytes as the snapshots encode them: per non-empty state the snapshot's
 *     entry prefix and the state's canonical encoding, summed over the shards, kept as states
 *     change (what {@code maxBytes} is checked against). Not counted: WAL records a snapshot does
 *     not cover yet, older snapshots kept, series names and file headers; so the tenant's share of
 *     the disk is about this times the snapshots kept, plus its share of the WAL
 * @since 1.8.0
 */
public record TenantUsage(TenantId tenant, long entities, long bytes) {
  /** Validates the values. */
  public TenantUsage {
    if (tenant == null) {
      throw new InvalidArgumentException("tenant", null, "must not be null");
    }
    if (entities < 0) {
      throw new InvalidArgumentException("entities", entities, "must be >= 0");
    }
    if (bytes < 0) {
      throw new InvalidArgumentException("bytes", bytes, "must be >= 0");
    }
  }
}
