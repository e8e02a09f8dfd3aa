package io.tidaldb.api.wal;

import io.tidaldb.api.UnavailableException;

/**
 * A fenced local append was refused because the log no longer leads in the epoch the writer
 * checked: the region stepped down, or stepped down and was elected again in a later epoch, between
 * the leader check and the append. Nothing was stored; the writer checks leadership again (and
 * forwards the write to the leader it learns of).
 *
 * @since 1.3.0
 */
public final class FencedAppendException extends UnavailableException {
  private static final long serialVersionUID = 1L;

  private final int shard;
  private final long leaderEpoch;

  /**
   * Creates the exception.
   *
   * @param shard the shard
   * @param leaderEpoch the epoch the writer checked
   * @param logEpoch the log's epoch now
   * @param leadingEpoch the epoch the log leads in now, {@link ShardLog#ANY_EPOCH} when none
   */
  public FencedAppendException(int shard, long leaderEpoch, long logEpoch, long leadingEpoch) {
    super(
        "shard "
            + shard
            + ": the append checked leadership in epoch "
            + leaderEpoch
            + " but the log is at epoch "
            + logEpoch
            + (leadingEpoch == ShardLog.ANY_EPOCH
                ? " and this region does not lead it"
                : " led by this region in epoch " + leadingEpoch)
            + "; nothing was stored");
    this.shard = shard;
    this.leaderEpoch = leaderEpoch;
  }

  /**
   * Returns the shard.
   *
   * @return the shard index
   */
  public int shard() {
    return shard;
  }

  /**
   * Returns the epoch the refused append had checked.
   *
   * @return that epoch
   */
  public long leaderEpoch() {
    return leaderEpoch;
  }
}
