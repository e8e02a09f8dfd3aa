package io.tidaldb.api.tenancy;

/** Where a tenant stands in the registry. */
public enum TenantState {
  /** Created and not deleted: writable. */
  ACTIVE,
  /** Deleted: refused everywhere, its state purged, its name never reused. */
  DELETED,
  /** Never created in the registry (a store may still know it from its configuration). */
  UNKNOWN
}
