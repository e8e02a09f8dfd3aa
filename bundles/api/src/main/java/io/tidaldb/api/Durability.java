package io.tidaldb.api;

/**
 * How durable a signal must be before it is acknowledged. In a single-region deployment all three
 * levels are met by the local write-ahead log.
 */
public enum Durability {
  /** The leader's write-ahead log has fsynced the signal. */
  LOCAL,
  /** A majority of regions have durably applied the signal. */
  QUORUM,
  /** Every region has durably applied the signal. */
  ALL
}
