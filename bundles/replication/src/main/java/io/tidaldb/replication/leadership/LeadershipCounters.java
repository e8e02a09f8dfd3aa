package io.tidaldb.replication.leadership;

/** Counters of one {@link ShardLeadership}: rejections per cause and election events. */
public final class LeadershipCounters {
  private final long[] rejected = new long[RejectCause.values().length];
  private long electionsStarted;
  private long leadershipsWon;
  private long leasesLost;
  private long pausesForgiven;
  private long preVotesSent;
  private long preVotesGranted;
  private long preVotesRefused;
  private long preVotesDeferred;
  private long transfersStarted;
  private long transfersCompleted;
  private long transfersFailed;
  private long preferredReturns;
  private long timeoutNowsTaken;
  private long leaderLinksLost;

  /** Creates zeroed counters. */
  public LeadershipCounters() {}

  void reject(RejectCause cause) {
    rejected[cause.ordinal()]++;
  }

  void electionStarted() {
    electionsStarted++;
  }

  void leadershipWon() {
    leadershipsWon++;
  }

  void leaseLost() {
    leasesLost++;
  }

  void pauseForgiven() {
    pausesForgiven++;
  }

  void preVoteSent() {
    preVotesSent++;
  }

  void preVoteAnswered(boolean granted) {
    if (granted) {
      preVotesGranted++;
    } else {
      preVotesRefused++;
    }
  }

  void preVoteDeferred() {
    preVotesDeferred++;
  }

  void transferStarted() {
    transfersStarted++;
  }

  void transferCompleted() {
    transfersCompleted++;
  }

  void transferFailed() {
    transfersFailed++;
  }

  void preferredReturnStarted() {
    preferredReturns++;
  }

  void timeoutNowTaken() {
    timeoutNowsTaken++;
  }

  void leaderLinkLost() {
    leaderLinksLost++;
  }

  /**
   * Returns how many times this region, following a leader, saw its link to the leader go down and
   * ran its pre-vote without waiting out the election timeout.
   *
   * @return the count
   */
  public long leaderLinksLost() {
    return leaderLinksLost;
  }

  /**
   * Returns how many leadership transfers this region started as leader.
   *
   * @return the count
   */
  public long transfersStarted() {
    return transfersStarted;
  }

  /**
   * Returns how many of this region's transfers ended with the target leading.
   *
   * @return the count
   */
  public long transfersCompleted() {
    return transfersCompleted;
  }

  /**
   * Returns how many of this region's transfers gave up at their deadline (it kept leading).
   *
   * @return the count
   */
  public long transfersFailed() {
    return transfersFailed;
  }

  /**
   * Returns how many transfers this region started to hand leadership back to the preferred region.
   *
   * @return the count
   */
  public long preferredReturns() {
    return preferredReturns;
  }

  /**
   * Returns how many TIMEOUT_NOW requests this region took (each started an election at once).
   *
   * @return the count
   */
  public long timeoutNowsTaken() {
    return timeoutNowsTaken;
  }

  /**
   * Returns how many messages were rejected for a cause.
   *
   * @param cause the cause
   * @return the count
   */
  public long rejected(RejectCause cause) {
    return rejected[cause.ordinal()];
  }

  /**
   * Returns the total of all rejections.
   *
   * @return the sum over every cause
   */
  public long rejectedTotal() {
    long sum = 0;
    for (long count : rejected) {
      sum += count;
    }
    return sum;
  }

  /**
   * Returns how many elections this region started as candidate.
   *
   * @return the count
   */
  public long electionsStarted() {
    return electionsStarted;
  }

  /**
   * Returns how many times this region became leader.
   *
   * @return the count
   */
  public long leadershipsWon() {
    return leadershipsWon;
  }

  /**
   * Returns how many times this region stepped down because its lease ran out.
   *
   * @return the count
   */
  public long leasesLost() {
    return leasesLost;
  }

  /**
   * Returns how many pauses of the driving thread were forgiven (see {@link
   * ShardLeadership#onLocalPause}).
   *
   * @return the count
   */
  public long pausesForgiven() {
    return pausesForgiven;
  }

  /**
   * Returns how many pre-vote requests this region sent (one per other region and round).
   *
   * @return the count
   */
  public long preVotesSent() {
    return preVotesSent;
  }

  /**
   * Returns how many pre-vote requests this region granted.
   *
   * @return the count
   */
  public long preVotesGranted() {
    return preVotesGranted;
  }

  /**
   * Returns how many pre-vote requests this region refused (their causes are also counted in {@link
   * #rejected}).
   *
   * @return the count
   */
  public long preVotesRefused() {
    return preVotesRefused;
  }

  /**
   * Returns how many of this region's pre-vote rounds it gave up for a region of a better election
   * slot that asked for the same epoch.
   *
   * @return the count
   */
  public long preVotesDeferred() {
    return preVotesDeferred;
  }
}
