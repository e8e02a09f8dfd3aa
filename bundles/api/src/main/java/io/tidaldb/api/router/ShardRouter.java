package io.tidaldb.api.router;

import io.tidaldb.api.TenantId;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Maps (tenant, entity) to a shard with a stable hash. The mapping depends only on the tenant's
 * name, the entity id and the shard count, so every region and every release computes it alike.
 * Thread-safe and allocation-free.
 */
@ProviderType
public interface ShardRouter {
  /**
   * Returns the number of shards, fixed per cluster configuration.
   *
   * @return the shard count, at least 1
   */
  int shardCount();

  /**
   * Returns the shard that holds an entity of a tenant.
   *
   * @param tenant the tenant
   * @param entity the entity id
   * @return the shard index, 0 to {@link #shardCount()} - 1
   */
  int shardOf(TenantId tenant, long entity);
}
