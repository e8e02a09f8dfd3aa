package io.tidaldb.replication.leadership;

/**
 * A leader's lease: it holds while a majority (the leader included) acknowledged a heartbeat sent
 * within the last {@code timeout}. Each acknowledgement echoes the leader's own send time, so the
 * lease never outlasts the followers' failure detectors (given bounded clock-rate drift). Pure.
 */
public final class LeaderLease {
  private final long[] ackedSentNanos;
  private final int selfIndex;
  private final int majority;
  private final long timeoutNanos;

  /**
   * Creates a lease tracker.
   *
   * @param regions the number of configured regions
   * @param selfIndex the leader's own index (always counts)
   * @param majority the number of regions (leader included) that keeps the lease
   * @param timeoutNanos how old the newest acknowledged heartbeat of a region may be
   */
  public LeaderLease(int regions, int selfIndex, int majority, long timeoutNanos) {
    this.ackedSentNanos = new long[regions];
    this.selfIndex = selfIndex;
    this.majority = majority;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Starts a lease at the moment of election: the votes just received count as acknowledgements.
   *
   * @param nowNanos the current time
   */
  public void start(long nowNanos) {
    java.util.Arrays.fill(ackedSentNanos, nowNanos);
  }

  /**
   * Records an acknowledgement.
   *
   * @param regionIndex the follower's index
   * @param echoNanos the send time of the heartbeat it acknowledges
   */
  public void acknowledged(int regionIndex, long echoNanos) {
    if (echoNanos - ackedSentNanos[regionIndex] > 0) {
      ackedSentNanos[regionIndex] = echoNanos;
    }
  }

  /**
   * Lets the lease hold for {@code graceNanos} more after this leader's own thread was paused:
   * every region's newest acknowledgement is raised to at least {@code nowNanos - timeout +
   * graceNanos}. A pause (GC, CPU starvation, a stopped process) stops the acknowledgements'
   * processing as well as their sending, so their age says nothing about the followers; the grace
   * gives them time to answer the heartbeats sent right after the pause. A region that does not
   * answer within the grace counts as silent again.
   *
   * @param nowNanos the current time
   * @param graceNanos how long the lease holds at least, {@code <= timeout}
   */
  public void extendAfterPause(long nowNanos, long graceNanos) {
    long floor = nowNanos - timeoutNanos + Math.min(graceNanos, timeoutNanos);
    for (int i = 0; i < ackedSentNanos.length; i++) {
      if (floor - ackedSentNanos[i] > 0) {
        ackedSentNanos[i] = floor;
      }
    }
  }

  /**
   * Tells whether the lease holds.
   *
   * @param nowNanos the current time
   * @return whether a majority acknowledged recently enough
   */
  public boolean holds(long nowNanos) {
    int fresh = 0;
    for (int i = 0; i < ackedSentNanos.length; i++) {
      if (i == selfIndex || nowNanos - ackedSentNanos[i] < timeoutNanos) {
        fresh++;
      }
    }
    return fresh >= majority;
  }
}
