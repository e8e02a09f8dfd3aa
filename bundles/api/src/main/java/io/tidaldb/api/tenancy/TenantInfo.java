package io.tidaldb.api.tenancy;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;

/**
 * What the registry knows of one tenant.
 *
 * @param tenant the tenant
 * @param quotas its quotas (the last set, by stamp)
 * @param state {@link TenantState#ACTIVE} or {@link TenantState#DELETED}
 * @param createdMillis when it was first created (wall-clock milliseconds of the creating region)
 * @param createdRegion the region that created it (the lowest of concurrent creations)
 * @param deletedMillis when it was deleted, or -1 while active
 */
public record TenantInfo(
    TenantId tenant,
    TenantQuotas quotas,
    TenantState state,
    long createdMillis,
    int createdRegion,
    long deletedMillis) {
  /**
   * Validates the fields.
   *
   * @throws InvalidArgumentException if a field is null or the state is {@link TenantState#UNKNOWN}
   */
  public TenantInfo {
    if (tenant == null || quotas == null || state == null) {
      throw new InvalidArgumentException("tenant info", null, "tenant, quotas, state required");
    }
    if (state == TenantState.UNKNOWN) {
      throw new InvalidArgumentException("state", state, "must be ACTIVE or DELETED");
    }
  }
}
