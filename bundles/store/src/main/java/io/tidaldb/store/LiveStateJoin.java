package io.tidaldb.store;

import io.tidaldb.crdt.CrdtSignalState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins a shard's whole live state into a snapshot of the leader that replaces it ({@link
 * SnapshotInstall}): every live state is merged into the installed state of the same (tenant, type,
 * entity), found by the series' names.
 *
 * <p>Why: the live state may hold effects the leader's snapshot lacks (records a log cut kept, see
 * {@link ShardTruncation}; signals acknowledged at {@code LOCAL} and never shipped; this region's
 * local entry). Replaced, they would be lost. The join is exact under the issue-11 entry scheme:
 * each entry copy, live or installed, is a prefix of one stream's history (a log entry {@code
 * log(e)} of epoch {@code e}'s records, a local entry of one region's local stream), so the
 * entry-wise maximum is the longer prefix; a record of such a prefix that later returns through the
 * leader's log lies below the entry's end and is skipped. Live states of a series the snapshot does
 * not define are dropped (their DEFINE is not in the leader's history, so the leader may bind their
 * id otherwise), logged at WARN.
 */
final class LiveStateJoin {
  private static final Logger LOG = LoggerFactory.getLogger(LiveStateJoin.class);

  private LiveStateJoin() {}

  /**
   * Merges every live state of {@code s} into {@code installed}.
   *
   * @return how many installed states changed (0: the installed state already holds them all)
   */
  static long join(ShardState s, SeriesRegistry installedSeries, EntityStateMap installed) {
    long[] counts = new long[2]; // changed, dropped
    s.states.forEach(
        (seriesId, entity, state) -> {
          if (state.isEmpty()) {
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
            installed.put(id, entity, state.copy());
            counts[0]++;
            return;
          }
          CrdtSignalState before = target.copy();
          target.merge(state);
          counts[0] += before.equals(target) ? 0 : 1;
        });
    if (counts[1] > 0) {
      LOG.warn(
          "shard {}: {} live entity states dropped with the installed snapshot: their series are"
              + " not defined in the leader's history",
          s.shard,
          counts[1]);
    }
    return counts[0];
  }
}
