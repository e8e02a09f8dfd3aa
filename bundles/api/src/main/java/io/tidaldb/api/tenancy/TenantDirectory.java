package io.tidaldb.api.tenancy;

import io.tidaldb.api.TenantId;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The read side of the tenant registry that a region's store consults: which tenants are active or
 * deleted and their quotas. Registered with the property {@code region}. Thread-safe; the reads are
 * cheap (an immutable view swapped on change).
 */
@ProviderType
public interface TenantDirectory {
  /**
   * Returns the region this directory belongs to.
   *
   * @return the region id
   */
  int region();

  /**
   * Returns where a tenant stands.
   *
   * @param tenant the tenant
   * @return ACTIVE, DELETED or UNKNOWN
   */
  TenantState state(TenantId tenant);

  /**
   * Returns a tenant's quotas.
   *
   * @param tenant the tenant
   * @return its quotas; {@link TenantQuotas#UNLIMITED} if it is not active
   */
  TenantQuotas quotas(TenantId tenant);

  /**
   * Returns the active tenants.
   *
   * @return an immutable set
   */
  Set<TenantId> active();

  /**
   * Returns the deleted tenants.
   *
   * @return an immutable set
   */
  Set<TenantId> deleted();

  /**
   * Protects tenants from deletion through this region's {@link TenantAdmin}: the store protects
   * the tenants its configuration names, so a delete of one is refused naming the configuration
   * key. Replaces what {@code owner} protected before; an empty set removes it.
   *
   * @param owner who protects them and why, such as {@code store configuration key 'tenants'}
   * @param tenants the protected tenants
   */
  void protect(String owner, Set<TenantId> tenants);

  /**
   * Adds a listener, called once now and after every change of the registry (local or merged from a
   * peer), on the thread that made the change, after it is durable.
   *
   * @param listener the listener
   */
  void addListener(TenantListener listener);

  /**
   * Removes a listener; idempotent.
   *
   * @param listener the listener
   */
  void removeListener(TenantListener listener);
}
