package io.tidaldb.api.tenancy;

import io.tidaldb.api.TenantId;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Administers the tenants of the cluster from one region. Every change is applied to the region's
 * registry, made durable on its disk before the call returns, and gossiped to every other region
 * (available during partitions; they converge after the heal). Registered with the property {@code
 * region}. Thread-safe.
 */
@ProviderType
public interface TenantAdmin {
  /**
   * Returns the region this admin speaks for.
   *
   * @return the region id
   */
  int region();

  /**
   * Creates a tenant. Creating an active tenant again is refused (its quotas are changed with
   * {@link #setQuotas}).
   *
   * @param tenant the new tenant
   * @param quotas its quotas
   * @return the registry's view of it after the call
   * @throws io.tidaldb.api.InvalidArgumentException naming the tenant if it exists, or was deleted
   *     (names are never reused), or the registry is full
   * @throws io.tidaldb.api.StorageException if the registry cannot be made durable (nothing
   *     changed)
   */
  TenantInfo create(TenantId tenant, TenantQuotas quotas);

  /**
   * Replaces the quotas of an active tenant.
   *
   * @param tenant the tenant
   * @param quotas its new quotas
   * @return the registry's view of it after the call
   * @throws io.tidaldb.api.UnknownTenantException if it is not active
   * @throws io.tidaldb.api.StorageException if the registry cannot be made durable
   */
  TenantInfo setQuotas(TenantId tenant, TenantQuotas quotas);

  /**
   * Deletes a tenant everywhere: its state is purged on every region and its name is never reused.
   * Deleting a deleted tenant returns its info unchanged.
   *
   * @param tenant the tenant
   * @return the registry's view of it after the call
   * @throws io.tidaldb.api.UnknownTenantException if the registry never knew it
   * @throws io.tidaldb.api.StorageException if the registry cannot be made durable
   */
  TenantInfo delete(TenantId tenant);

  /**
   * Lists every tenant the registry knows, deleted ones included, by name.
   *
   * @return the tenants
   */
  List<TenantInfo> list();

  /**
   * Describes one tenant.
   *
   * @param tenant the tenant
   * @return its info, or empty if the registry never knew it
   */
  Optional<TenantInfo> describe(TenantId tenant);
}
