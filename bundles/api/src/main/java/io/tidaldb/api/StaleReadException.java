package io.tidaldb.api;

/**
 * A read that asked for read-your-writes ({@link ReadToken}) or bounded staleness could not be
 * answered at this region without being older than asked: it had not applied the shard's log
 * through the token's position within the store's read wait, the token names a write of another
 * region's own stream (visible here only after reconciliation), or the region has not heard from
 * the shard's leader within the allowed lag. Nothing older was returned.
 *
 * <p>Do not retry blindly, and never by dropping the token (that would return the older answer this
 * exception refuses): retry later or at another region with the same token (the region that
 * acknowledged the writes, or the shard's leader, can always answer), or, for {@link
 * Reason#LOCAL_ELSEWHERE}, at the region the token's local write was accepted at. {@link
 * #mayBeStored()} is false: a read stores nothing.
 *
 * @since 1.4.0
 */
public class StaleReadException extends UnavailableException {
  private static final long serialVersionUID = 1L;

  /** Why the read was refused. */
  public enum Reason {
    /** The region had not applied the shard's log through the token's position in time. */
    BEHIND_TOKEN,
    /**
     * The region applied the token's position, but its record there is another write than the
     * token's (its log holds a deposed leader's suffix not cut yet, or the token's write was cut in
     * a failover and never reached this log).
     */
    OTHER_WRITE,
    /** The token names a write of another region's own stream. */
    LOCAL_ELSEWHERE,
    /** The region has not heard from the shard's leader within the allowed lag. */
    LEADER_LAG
  }

  private final Reason reason;
  private final int shard;
  private final long applied;
  private final long needed;
  private final long waitedMillis;

  /**
   * Creates the exception.
   *
   * @param message the refusal with every value, e.g. "stale: shard 3 applied through 1,204, token
   *     needs 1,311 (107 records behind, waited 1,000 ms)"
   * @param reason why
   * @param shard the shard
   * @param applied for {@link Reason#BEHIND_TOKEN} and {@link Reason#OTHER_WRITE}: the last
   *     position applied here (-1 for none); for {@link Reason#LEADER_LAG}: ms since the leader was
   *     last heard from (-1 for never)
   * @param needed for {@link Reason#BEHIND_TOKEN} and {@link Reason#OTHER_WRITE}: the token's
   *     position; for {@link Reason#LOCAL_ELSEWHERE}: the local position; for {@link
   *     Reason#LEADER_LAG}: the allowed lag in ms
   * @param waitedMillis how long the read waited
   */
  public StaleReadException(
      String message, Reason reason, int shard, long applied, long needed, long waitedMillis) {
    super(message, false, null);
    this.reason = java.util.Objects.requireNonNull(reason, "reason");
    this.shard = shard;
    this.applied = applied;
    this.needed = needed;
    this.waitedMillis = waitedMillis;
  }

  /**
   * Returns why the read was refused.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Returns the shard that could not answer.
   *
   * @return the shard index
   */
  public int shard() {
    return shard;
  }

  /**
   * Returns the last position applied here ({@link Reason#BEHIND_TOKEN}) or the ms since the leader
   * was heard from ({@link Reason#LEADER_LAG}); -1 for none.
   *
   * @return the value
   */
  public long applied() {
    return applied;
  }

  /**
   * Returns the position the token needs, the local position ({@link Reason#LOCAL_ELSEWHERE}) or
   * the allowed lag in ms ({@link Reason#LEADER_LAG}).
   *
   * @return the value
   */
  public long needed() {
    return needed;
  }

  /**
   * Returns how long the read waited before it was refused, in ms.
   *
   * @return the wait
   */
  public long waitedMillis() {
    return waitedMillis;
  }
}
