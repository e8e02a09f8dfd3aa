package io.tidaldb.api.replication;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import java.util.Optional;

/**
 * A write reached a region that does not lead the signal's shard. Nothing was stored ({@link
 * #mayBeStored()} is false since 1.5.0); send it to {@link #leader()} (the test kit and the routing
 * client do), or retry once a leader is elected.
 */
public final class NotLeaderException extends UnavailableException {
  private static final long serialVersionUID = 1L;

  private final int shard;
  private final long epoch;
  private final int leader; // the region's value, -1 if unknown (a RegionId is not Serializable)

  /**
   * Creates the exception.
   *
   * @param region the region that refused the write
   * @param shard the shard
   * @param epoch the latest epoch the region knows for the shard
   * @param leader the shard's leader in that epoch, if known
   */
  public NotLeaderException(RegionId region, int shard, long epoch, Optional<RegionId> leader) {
    this(region, shard, epoch, leader, null);
  }

  /**
   * Creates the exception with what the refusing region did before it gave up, such as how long a
   * write waited for a leader.
   *
   * @param region the region that refused the write
   * @param shard the shard
   * @param epoch the latest epoch the region knows for the shard
   * @param leader the shard's leader in that epoch, if known
   * @param detail appended to the message after "; ", or null
   * @since 1.5.0
   */
  public NotLeaderException(
      RegionId region, int shard, long epoch, Optional<RegionId> leader, String detail) {
    super(
        "region "
            + region
            + " does not lead shard "
            + shard
            + " (epoch "
            + epoch
            + ", leader "
            + leader.map(RegionId::toString).orElse("unknown, election in progress")
            + ")"
            + (detail == null ? "" : "; " + detail),
        false,
        null);
    this.shard = shard;
    this.epoch = epoch;
    this.leader = leader.map(RegionId::value).orElse(-1);
  }

  /**
   * Returns the shard.
   *
   * @return the shard
   */
  public int shard() {
    return shard;
  }

  /**
   * Returns the latest epoch the refusing region knows for the shard.
   *
   * @return the epoch
   */
  public long epoch() {
    return epoch;
  }

  /**
   * Returns the shard's leader, if the refusing region knows it.
   *
   * @return the leader
   */
  public Optional<RegionId> leader() {
    return leader < 0 ? Optional.empty() : Optional.of(RegionId.of(leader));
  }
}
