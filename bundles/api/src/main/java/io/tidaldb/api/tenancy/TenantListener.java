package io.tidaldb.api.tenancy;

import org.osgi.annotation.versioning.ConsumerType;

/** Told of changes of a {@link TenantDirectory}. */
@ConsumerType
@FunctionalInterface
public interface TenantListener {
  /**
   * Called after the registry changed (and once when added); must not block for long. An exception
   * is logged and does not stop other listeners.
   *
   * @param directory the directory, to read the new view from
   */
  void tenantsChanged(TenantDirectory directory);
}
