package io.tidaldb.api;

/** A tenant that is not registered. Only the {@link TenantId#DEFAULT} tenant always exists. */
public class UnknownTenantException extends InvalidArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param tenant the unknown tenant
   */
  public UnknownTenantException(TenantId tenant) {
    super("tenant", tenant.name(), "unknown tenant");
  }

  /**
   * Creates the exception with the reason the tenant is not known, such as its deletion.
   *
   * @param tenant the refused tenant
   * @param rule why, such as {@code deleted at 2026-12-06T05:00:00Z; names are not reused}
   * @since 1.7.0
   */
  public UnknownTenantException(TenantId tenant, String rule) {
    super("tenant", tenant.name(), rule);
  }
}
