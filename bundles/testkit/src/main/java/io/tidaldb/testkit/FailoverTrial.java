package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import java.time.Duration;
import java.util.Optional;

/**
 * One unplanned failover measured by {@link FailoverTrials}: the leader of a shard crashed under
 * load, and a QUORUM write started after the crash was acknowledged by a new leader. The steps are
 * offsets from the crash, each as first seen by polling the survivors (see {@link
 * FailoverTrials.Options#breakdown()}); empty when not sampled or not seen.
 *
 * @param shard the shard whose leader was crashed
 * @param crashed the region crashed (the shard's leader at that instant)
 * @param epochBefore the shard's epoch the crashed leader led
 * @param failover from the crash until the first QUORUM write started after it was acknowledged
 * @param detected until a survivor stopped naming the crashed leader: its failure detector fired
 *     and it started a pre-vote round
 * @param electing until a survivor entered a higher epoch: a pre-vote majority let it run
 * @param elected until a survivor led that epoch: a vote majority, each vote's epoch file saved
 * @param writable until a survivor accepted writes: its epoch sync done, its log's epoch raised
 */
public record FailoverTrial(
    int shard,
    RegionId crashed,
    long epochBefore,
    Duration failover,
    Optional<Duration> detected,
    Optional<Duration> electing,
    Optional<Duration> elected,
    Optional<Duration> writable) {
  /**
   * Returns the failover in milliseconds.
   *
   * @return {@link #failover()} in whole milliseconds
   */
  public long millis() {
    return failover.toMillis();
  }

  @Override
  public String toString() {
    return "shard "
        + shard
        + " leader "
        + crashed
        + " epoch "
        + epochBefore
        + ": "
        + millis()
        + " ms (pre-vote "
        + ms(detected)
        + ", epoch raised "
        + ms(electing)
        + ", leader "
        + ms(elected)
        + ", writable "
        + ms(writable)
        + ")";
  }

  private static String ms(Optional<Duration> d) {
    return d.map(x -> x.toMillis() + " ms").orElse("n/a");
  }
}
