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
}
