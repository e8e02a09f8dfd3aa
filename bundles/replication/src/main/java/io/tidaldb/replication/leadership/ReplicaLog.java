package io.tidaldb.replication.leadership;

/** The local facts about a shard's log that an election compares: the most up-to-date wins. */
public interface ReplicaLog {
  /**
   * Returns the durable high-water mark: the position of the last durably stored record.
   *
   * @return the HWM, {@code 0} for an empty log
   */
  long hwm();

  /**
   * Returns the epoch of the last durably stored record.
   *
   * @return the last record's epoch, {@code 0} for an empty log
   */
  long lastEpoch();

  /**
   * Tells whether nothing is appended beyond {@link #hwm()} yet (no write pending durability): a
   * leader sends TIMEOUT_NOW only then, so its log cannot grow past what the target holds.
   *
   * @return whether the log is quiet; {@code true} by default
   */
  default boolean quiet() {
    return true;
  }
}
