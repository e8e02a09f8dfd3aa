package io.tidaldb.api.tenancy;

import io.tidaldb.api.TenantId;
import io.tidaldb.api.TidalException;

/**
 * A write refused because its tenant is at a quota; nothing was stored. Admission is per region:
 * each region enforces the quota on the writes it was called with, and writes already in flight may
 * overshoot it.
 */
public class QuotaExceededException extends TidalException {
  private static final long serialVersionUID = 1L;

  private final String tenant;
  private final String quota;
  private final long limit;
  private final long value;

  /**
   * Creates the exception.
   *
   * @param tenant the tenant
   * @param quota the quota's name, such as {@link TenantQuotas#SIGNALS_PER_SECOND}
   * @param limit the quota's limit
   * @param value the value that reached it
   */
  public QuotaExceededException(TenantId tenant, String quota, long limit, long value) {
    super(
        "tenant "
            + tenant.name()
            + " is at its quota "
            + quota
            + "="
            + limit
            + " (value "
            + value
            + "): not stored");
    this.tenant = tenant.name();
    this.quota = quota;
    this.limit = limit;
    this.value = value;
  }

  /**
   * Returns the tenant's name.
   *
   * @return the tenant
   */
  public String tenant() {
    return tenant;
  }

  /**
   * Returns the quota's name.
   *
   * @return such as {@code signalsPerSecond}
   */
  public String quota() {
    return quota;
  }

  /**
   * Returns the quota's limit.
   *
   * @return the limit
   */
  public long limit() {
    return limit;
  }

  /**
   * Returns the value that reached the limit.
   *
   * @return the value
   */
  public long value() {
    return value;
  }
}
