package io.tidaldb.replication.leadership;

/** Counts the distinct regions that granted a vote in one election. Pure; duplicates count once. */
public final class VoteCounter {
  private final boolean[] granted;
  private final int majority;
  private long epoch = -1;
  private int count;

  /**
   * Creates a counter for a fixed set of regions.
   *
   * @param regions the number of configured regions, {@code > 0}
   * @param majority the number of votes that elects
   */
  public VoteCounter(int regions, int majority) {
    this.granted = new boolean[regions];
    this.majority = majority;
  }

  /**
   * Starts counting for a new election, forgetting every earlier vote.
   *
   * @param newEpoch the epoch of the election
   */
  public void start(long newEpoch) {
    java.util.Arrays.fill(granted, false);
    epoch = newEpoch;
    count = 0;
  }

  /**
   * Records a granted vote of the current election.
   *
   * @param regionIndex the voter's index in the configuration
   * @return whether it was a new vote (a duplicate returns {@code false})
   */
  public boolean grant(int regionIndex) {
    if (granted[regionIndex]) {
      return false;
    }
    granted[regionIndex] = true;
    count++;
    return true;
  }

  /**
   * Tells whether a majority granted.
   *
   * @return whether the election is won
   */
  public boolean hasMajority() {
    return count >= majority;
  }

  /**
   * Returns the number of distinct votes granted.
   *
   * @return the vote count
   */
  public int count() {
    return count;
  }

  /**
   * Returns the epoch of the election being counted.
   *
   * @return the epoch, {@code -1} before the first {@link #start(long)}
   */
  public long epoch() {
    return epoch;
  }
}
