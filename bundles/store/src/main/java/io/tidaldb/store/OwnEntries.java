package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this region's own CRDT entries when a snapshot of the leader replaces a shard's state
 * ({@link SnapshotInstall}): each live state's entry of this region's replica id ({@link
 * CrdtSignalState#replicaOnly}) is joined into the installed state of the same (tenant, type,
 * entity).
 *
 * <p>Why: the live state may hold the effect of this region's own records that the leader lacks (a
 * log cut keeps them, see {@link ShardTruncation}; or they were acknowledged at {@code LOCAL} and
 * never shipped). Replaced, they would be lost, and this region would count on under the same
 * replica id from a lower value than it had handed out (the counter-reuse trap of "Replica
 * identity"). The join is exact: every own record this region ever applied is in its own entry (it
 * never removes one), the leader's copy of that entry holds a subset of them, so the entry-wise
 * maximum is this region's entry, and the installed entries of the other replicas are unchanged. It
 * adds nothing twice as long as the leader's log beyond the snapshot holds none of those records,
 * which the install guarantees for this region's log (it refuses a snapshot below its log's end); a
 * record a cut kept that returns through the leader's log is skipped as counted ({@link
 * CountedRanges}: {@link SnapshotInstall} carries this region's own ranges into the installed
 * state). Own entries of a series the snapshot does not define are dropped (their DEFINE is not in
 * the leader's history, so the leader may bind their id otherwise), logged at WARN.
 */
final class OwnEntries {
  private static final Logger LOG = LoggerFactory.getLogger(OwnEntries.class);

  private OwnEntries() {}

  /**
   * Joins the own entries of {@code s}'s live state into {@code installed}.
   *
   * @param replica this region's CRDT replica id
   * @return how many installed states changed (0: the installed state already holds them all)
   */
  static long join(
      ShardState s, SeriesRegistry installedSeries, EntityStateMap installed, int replica) {
    long[] counts = new long[2]; // changed, dropped
    s.states.forEach(
        (seriesId, entity, state) -> {
          CrdtSignalState own = state.replicaOnly(replica);
          if (own.isEmpty()) {
            return;
          }
          SeriesRegistry.Series def = s.registry.get(seriesId);
          int id = def == null ? -1 : installedSeries.find(def.tenant(), def.type());
          if (id < 0) {
            counts[1]++;
            return;
          }
          CrdtSignalState target = installed.get(id, entity);
          if (target == null) {
            installed.put(id, entity, own);
            counts[0]++;
            return;
          }
          CrdtSignalState before = target.copy();
          target.merge(own);
          counts[0] += before.equals(target) ? 0 : 1;
        });
    if (counts[1] > 0) {
      LOG.warn(
          "shard {}: {} states of this region's own records dropped with the installed snapshot:"
              + " their series are not defined in the leader's history",
          s.shard,
          counts[1]);
    }
    return counts[0];
  }
}
