package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import java.nio.file.Path;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes from a shard's state the effect of the foreign-origin signals of a log suffix that a cut
 * removes (issue 9, 2a), keeping the effect of this region's own ones.
 *
 * <p>Why: a follower applied the suffix's records of another origin (its former leader's) to that
 * origin's CRDT entries. Those records never reached a quorum, but they are not gone from the
 * cluster: their origin holds them, and with five regions (or the 2a race with three) they can come
 * back to this region through a later leader's log, verbatim at the same {@code (epoch, position)}.
 * Kept, they would then be applied twice. Removed, they are applied once when they come back, and
 * otherwise their origin's own entry still carries them for reconciliation. This region's own
 * records stay: they may have been acknowledged at {@code LOCAL}, and their origin is this region,
 * so no one else applies them as operations.
 *
 * <p>How: the state at the cut is rebuilt from the newest snapshot at or below it (or from empty
 * when the log still starts at 0) plus the log up to the cut, then the suffix's own-origin signals
 * are applied again, skipping those the base's counted ranges name as the apply path did ({@link
 * CountedRanges}, which are rebuilt with the state). Per CRDT entry the records are applied in log
 * order as before (an entry only takes records of its own origin), so the rebuilt state is
 * bit-exact. The caller holds the shard's checkpoint lock and write lock, and the series defined in
 * the suffix are already unbound.
 */
final class CutRebuild {
  private static final Logger LOG = LoggerFactory.getLogger(CutRebuild.class);

  private CutRebuild() {}

  /**
   * Rebuilds {@code s}'s state at {@code position} without the foreign-origin signals at or after
   * it, if there are any.
   *
   * @param replica this region's CRDT replica id
   * @return how many foreign-origin signals' effect was removed (0 if none, or if no base to
   *     rebuild from was found: then their effect stays, logged at ERROR)
   */
  static long removeForeign(ShardState s, long position, int replica) {
    long foreign = countForeign(s, position, replica);
    if (foreign == 0) {
      return 0;
    }
    EntityStateMap fresh = new EntityStateMap();
    CountedRanges counted = new CountedRanges(s.shard);
    long base = loadBase(s, position, fresh, counted);
    if (base < 0) {
      LOG.error(
          "shard {}: cannot remove the effect of {} records of other origins cut at {}: no snapshot"
              + " at or below it and the WAL starts at {}; their effect stays, and they are counted"
              + " twice if they return through a later leader's log",
          s.shard,
          foreign,
          position,
          s.log.startPosition());
      return 0;
    }
    replay(s, base, position, fresh, counted, origin -> true);
    replay(s, position, Long.MAX_VALUE, fresh, counted, origin -> origin == replica);
    s.states.clear();
    fresh.forEach(s.states::put);
    s.counted.replace(counted.copy());
    LOG.warn(
        "shard {}: removed the effect of {} records of other origins cut at {} (state rebuilt from"
            + " position {}); this region's own records there keep theirs",
        s.shard,
        foreign,
        position,
        base);
    return foreign;
  }

  private static long countForeign(ShardState s, long position, int replica) {
    long foreign = 0;
    try (WalReader reader = s.log.openReader(position)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.position() >= position
              && c.kind() == WalRecordKind.SIGNAL
              && c.origin() != replica) {
            foreign++;
          }
        }
      }
    }
    return foreign;
  }

  /**
   * Loads the newest valid snapshot at or below {@code position} that the log continues into {@code
   * into} and its counted ranges into {@code counted}; returns its position, 0 for an empty base
   * (the log starts at 0), or -1.
   */
  private static long loadBase(
      ShardState s, long position, EntityStateMap into, CountedRanges counted) {
    for (Path file : s.snapshots.list()) {
      long at = Snapshots.positionOf(file);
      if (at > position || at < s.log.startPosition()) {
        continue;
      }
      try {
        // Binding the snapshot's series again is a no-op: they are bound below the cut.
        SnapshotReader.Loaded loaded = s.snapshots.load(file, s.registry, into);
        if (loaded.position() == at) {
          counted.replace(loaded.counted());
          return at;
        }
        LOG.error("snapshot {}: header position {} != name {}", file, loaded.position(), at);
      } catch (StorageException e) {
        LOG.error("{}; trying an older snapshot for the cut at {}", e.getMessage(), position);
      }
      into.clear();
    }
    return s.log.startPosition() == 0 ? 0 : -1;
  }

  /**
   * Applies the signals in {@code [from, to)} whose origin {@code takes} to {@code into}, skipping
   * (and consuming) those {@code counted} holds, as the apply path did.
   */
  private static void replay(
      ShardState s,
      long from,
      long to,
      EntityStateMap into,
      CountedRanges counted,
      IntPredicate takes) {
    try (WalReader reader = s.log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        if (batch.firstPosition() >= to) {
          return;
        }
        RecordCursor c = batch.records();
        while (c.next()) {
          long p = c.position();
          if (p < from || p >= to || c.kind() != WalRecordKind.SIGNAL || !takes.test(c.origin())) {
            continue;
          }
          if (!counted.isEmpty() && counted.consume(c.origin(), batch.epoch(), p)) {
            continue; // its effect is in the base already (see CountedRanges)
          }
          SeriesRegistry.Series series = s.registry.get(c.seriesId());
          if (series == null) {
            continue; // defined in the cut suffix: unbound, its states dropped
          }
          CrdtSignalState state = into.getOrCreate(c.seriesId(), c.entity());
          state.apply(c.origin(), c.weight(), c.eventTimeMillis(), c.hlc(), series.decay());
        }
      }
    }
  }
}
