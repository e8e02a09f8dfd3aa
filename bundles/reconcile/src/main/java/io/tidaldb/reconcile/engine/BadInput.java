package io.tidaldb.reconcile.engine;

/** The causes of refused input, each counted apart ({@link ReconciliationEngine#badInput}). */
public enum BadInput {
  /** A frame that is not a valid reconciliation frame (any length, index, name or field). */
  MALFORMED("malformed frame"),
  /** A frame from a region that is not one of the configured regions. */
  UNKNOWN_REGION("unknown region"),
  /** A record for a shard this region does not have. */
  UNKNOWN_SHARD("unknown shard"),
  /** A record for a tenant whose name is not a valid tenant. */
  UNKNOWN_TENANT("unknown tenant"),
  /** A state the store refused to merge (failed validation, or its series is not defined here). */
  REJECTED_STATE("rejected state"),
  /** A frame of a session this region is not running, or out of order within its message. */
  UNEXPECTED("unexpected frame");

  final String cause;

  BadInput(String cause) {
    this.cause = cause;
  }

  /**
   * Returns the counter's name.
   *
   * @return the cause as counted and logged
   */
  public String cause() {
    return cause;
  }
}
