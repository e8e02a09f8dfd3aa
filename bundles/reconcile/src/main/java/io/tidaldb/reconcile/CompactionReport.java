package io.tidaldb.reconcile;

/**
 * What one round of the compaction probe did (docs/design/replication.md, "Compaction of closed
 * epochs"): for each shard this region leads with closed entries to fold, whether it appended a
 * COMPACT record and, if not, why. Shards it does not lead, already folded through the cut-off, or
 * with nothing to fold are not counted.
 *
 * @param compacted shards whose COMPACT record is durable here
 * @param mismatched shards where a region's closed digest (or entry count) differed from this
 *     region's: reconciliation equalises them, the next round tries again
 * @param notPast shards where a region (this one included) has not applied a record of an epoch
 *     after the cut-off yet
 * @param unreachable shards without every region's answer: a peer unreachable, silent until the
 *     deadline, failing its reconciliation sessions, or sending a bad answer
 * @param failed shards where the store failed a read or refused or did not finish the COMPACT (for
 *     example {@code NotLeaderException} after a leader change)
 */
public record CompactionReport(
    int compacted, int mismatched, int notPast, int unreachable, int failed) {
  /** Nothing probed. */
  public static final CompactionReport NONE = new CompactionReport(0, 0, 0, 0, 0);

  /**
   * Returns whether any shard was counted.
   *
   * @return false for {@link #NONE}
   */
  public boolean isEmpty() {
    return compacted + mismatched + notPast + unreachable + failed == 0;
  }

  @Override
  public String toString() {
    return String.format(
        "%d shards compacted, not: %d mismatched, %d not past the cut-off, %d unreachable, %d"
            + " failed",
        compacted, mismatched, notPast, unreachable, failed);
  }
}
