package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's exchange of batch sizes with the other regions, which may be configured differently
 * (LIMITS frames). A follower that learns a leader tells it the largest WAL batch it takes and the
 * largest its own log writes ({@link SizeLimits}), again on each of the leader's heartbeats until
 * the leader answers with its own. A leader whose log writes larger batches than a follower takes
 * says so once per (follower, value): a counter, a WARN naming the region and both values, and the
 * shard's {@link #problem()} while it leads; its shipper to that follower stops before such a batch
 * instead of failing every round. A follower whose leader writes larger batches than it takes shows
 * the same in its own status.
 *
 * <p>Threads: called by the owner of its {@link ShardReplica}; {@link #problem()} and {@link
 * #mismatches()} may be read from any thread.
 */
final class ShipLimits {
  private static final Logger LOG = LoggerFactory.getLogger(ShipLimits.class);

  private final RegionId self;
  private final int shard;
  private final SizeLimits own;
  private final ControlFrames control;
  private final Map<RegionId, Long> accepts = new HashMap<>();
  private final Map<RegionId, String> cannotShip =
      new TreeMap<>(Comparator.comparingInt(RegionId::value));
  private final AtomicLong mismatches = new AtomicLong();
  private RegionId answeredBy;
  private String leaderTooLarge;
  private volatile String problem;

  ShipLimits(RegionId self, int shard, SizeLimits own, ControlFrames control) {
    this.self = self;
    this.shard = shard;
    this.own = own;
    this.control = control;
  }

  /**
   * A follower tells {@code leader} of {@code epoch} its limits, unless that leader answered.
   *
   * @param newLeader whether the leader just became known (forgets what an earlier one said)
   */
  void tellLeader(RegionId leader, long epoch, boolean newLeader) {
    if (newLeader) {
      answeredBy = null;
      leaderTooLarge = null;
      refresh();
    }
    if (!leader.equals(answeredBy)) {
      control.limits(leader, epoch, own.acceptBatchBytes(), own.writeBatchBytes());
    }
  }

  /**
   * Handles a LIMITS frame from {@code from}: as leader, a follower's, which it answers; as
   * follower, its leader's answer.
   *
   * @return whether {@code from}'s accepted size is to be applied to its shipper (as leader)
   */
  boolean onLimits(
      RegionId from, long accept, long write, boolean leading, RegionId leader, long epoch) {
    if (leading) {
      Long before = accepts.put(from, accept);
      if (own.writeBatchBytes() > accept) {
        String text =
            "cannot ship every batch to "
                + from
                + ": this region's WAL writes batches of up to "
                + own.writeBatchBytes()
                + " bytes, "
                + from
                + " accepts at most "
                + accept;
        if (before == null || before != accept) {
          mismatches.incrementAndGet();
          LOG.warn("{} shard {}: {}", self, shard, text);
        }
        cannotShip.put(from, text);
      } else {
        cannotShip.remove(from);
      }
      control.limits(from, epoch, own.acceptBatchBytes(), own.writeBatchBytes());
      refresh();
      return true;
    }
    if (from.equals(leader)) {
      answeredBy = from;
      String text = null;
      if (write > own.acceptBatchBytes()) {
        text =
            "leader "
                + from
                + " writes batches of up to "
                + write
                + " bytes, this region accepts at most "
                + own.acceptBatchBytes()
                + ": it cannot be shipped every batch";
        if (!text.equals(leaderTooLarge)) {
          mismatches.incrementAndGet();
          LOG.warn("{} shard {}: {}", self, shard, text);
        }
      }
      leaderTooLarge = text;
      refresh();
    }
    return false;
  }

  /** Forgets what followers said about shipping to them (this region stopped leading). */
  void stoppedLeading() {
    cannotShip.clear();
    refresh();
  }

  /** Returns what keeps batches from being shipped to or from this region, or null. */
  String problem() {
    return problem;
  }

  /** Returns how many size mismatches were found (each logged once). */
  long mismatches() {
    return mismatches.get();
  }

  private void refresh() {
    StringBuilder b = new StringBuilder();
    for (String text : cannotShip.values()) {
      b.append(b.length() == 0 ? "" : "; ").append(text);
    }
    if (leaderTooLarge != null) {
      b.append(b.length() == 0 ? "" : "; ").append(leaderTooLarge);
    }
    problem = b.length() == 0 ? null : b.toString();
  }
}
