package io.tidaldb.shell;

import io.tidaldb.api.Durability;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import java.util.List;
import java.util.Optional;

/**
 * The console's acknowledgement of a stored signal: the durability reached, who stored it and where
 * it was logged, so that a write at {@link Durability#LOCAL} says that only one region has it.
 *
 * <ul>
 *   <li>a single region: {@code ok: durable at LOCAL, stored by region-0: shard-2 position 1 stamp
 *       ...}
 *   <li>with replication, {@code LOCAL}: {@code ok: durable at LOCAL, stored by region-0 alone so
 *       far (shard-2's leader, via region-1): ...} (the console's region forwarded it to the
 *       leader); {@code QUORUM}: {@code stored by a majority of the regions (leader region-0, via
 *       region-1)}; {@code ALL}: {@code stored by every region (...)}
 *   <li>accepted in the region's own stream while the shard's leader was unreachable: {@code ok:
 *       durable at LOCAL, stored by region-1 alone, in its own stream (...): local position ...}
 * </ul>
 *
 * The leader is the one the console region's replication names right after the write (a {@link
 * Replication#status()} call); {@code shard-2's leader} when it does not answer.
 */
final class Acks {
  private Acks() {}

  /**
   * Formats an acknowledgement.
   *
   * @param ack the acknowledgement
   * @param via the region whose store took the write
   * @param replication that region's replication, or empty for a single region
   * @return the line, starting {@code ok: durable at <level>, stored by}
   */
  static String ok(SignalAck ack, RegionId via, Optional<Replication> replication) {
    String where = ack.shard() + " position " + ack.position() + " stamp " + ack.stamp();
    if (ack.local()) {
      return "ok: durable at LOCAL, stored by "
          + via
          + " alone, in its own stream (the leader of "
          + ack.shard()
          + " is unreachable; reconciliation brings it to the other regions): local position "
          + ack.position()
          + " stamp "
          + ack.stamp();
    }
    String head = "ok: durable at " + ack.durability() + ", stored by ";
    if (replication.isEmpty()) {
      return head + via + ": " + where;
    }
    Optional<RegionId> leader = leaderOf(replication.get(), ack.shard().value());
    String path = leader.map(l -> l.equals(via) ? "" : ", via " + via).orElse(", via " + via);
    String by =
        switch (ack.durability()) {
          case LOCAL ->
              leader
                  .map(l -> l + " alone so far (" + ack.shard() + "'s leader" + path + ")")
                  .orElseGet(() -> ack.shard() + "'s leader alone so far (via " + via + ")");
          case QUORUM ->
              "a majority of the regions (leader "
                  + leader.map(RegionId::toString).orElse("?")
                  + path
                  + ")";
          case ALL ->
              "every region (leader " + leader.map(RegionId::toString).orElse("?") + path + ")";
        };
    return head + by + ": " + where;
  }

  private static Optional<RegionId> leaderOf(Replication replication, int shard) {
    try {
      List<ShardReplicationStatus> status = replication.status();
      return shard >= 0 && shard < status.size() ? status.get(shard).leader() : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty(); // the acknowledgement stands; only the leader's name is missing
    }
  }
}
