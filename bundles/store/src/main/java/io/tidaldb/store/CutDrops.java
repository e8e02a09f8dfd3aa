package io.tidaldb.store;

import io.tidaldb.api.Durability;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step (a'') of a cut ({@link ShardTruncation}): removes from the shard's state the effect of the
 * suffix's {@code QUORUM} and {@code ALL} session records (issue 12, option (a) of
 * docs/design/sessions.md).
 *
 * <p>Why: such a record was never acknowledged (a committed record is never cut: the vote rule),
 * and its client was told "may be stored, retry". If the retry lands at the new leader as a new
 * record, keeping the cut one's effect in its {@code log(e)} entry would count the write twice once
 * reconciliation carries the entry everywhere. {@code LOCAL} session records and plain signals keep
 * their effect (a {@code LOCAL} ack promised the acknowledging region's disk); a {@code LOCAL}
 * one's is taken back later if the shard log shows its retry ({@link CutLocalSessions}).
 *
 * <p>How: for each entity a dropped record touches, each of its log entries {@code log(e)} that
 * holds one is rebuilt from the newest readable snapshot at or below the cut (or from empty when
 * the log starts at 0) plus the entity's records of epoch {@code e} in the log from there, in log
 * order, skipping the dropped ones ({@link CrdtSignalState#applyAt}, so bit-exact), and put in
 * place of the live entry ({@link CrdtSignalState#replaceEntry}); other entries (other epochs,
 * local streams, the base) and the last-seen register stay. If no base is readable, or the base's
 * entry already holds a dropped record (merged in from another region), the effect stays (logged at
 * ERROR or WARN). The caller holds the checkpoint lock and the write lock, has unbound the series
 * defined in the suffix, and rebuilds the digests afterwards ({@link ShardState#resetPositions}).
 */
final class CutDrops {
  private static final Logger LOG = LoggerFactory.getLogger(CutDrops.class);

  /** An entity's state key. */
  private record Key(int series, long entity) {}

  private CutDrops() {}

  /**
   * Whether a cut drops the record under {@code c}: a session record of a write acknowledged at
   * {@code QUORUM} or {@code ALL}.
   */
  static boolean dropped(RecordCursor c) {
    return c.kind() == WalRecordKind.SIGNAL_S && c.durability() != Durability.LOCAL;
  }

  /**
   * Removes the effect of the dropped records at or above {@code position}.
   *
   * @return how many dropped records' effect was removed
   */
  static long remove(ShardState s, long position) {
    // entity -> epoch of a dropped record of it -> the first dropped position of that pair
    Map<Key, Map<Long, Long>> epochs = new HashMap<>();
    Set<Long> drops = new HashSet<>(); // positions
    scan(s, position, epochs, drops);
    if (drops.isEmpty()) {
      return 0;
    }
    EntityStateMap scratch = new EntityStateMap();
    long base = loadBase(s, position, scratch);
    if (base < 0) {
      LOG.error(
          "shard {}: cannot remove the effect of {} QUORUM/ALL session records cut at {}: no"
              + " readable snapshot at or below it and the WAL starts at {}; their effect stays",
          s.shard,
          drops.size(),
          position,
          s.log.startPosition());
      return 0;
    }
    Set<Key> merged = mergedIn(scratch, epochs);
    replay(s, base, scratch, epochs, drops);
    long removed = 0;
    for (Map.Entry<Key, Map<Long, Long>> e : epochs.entrySet()) {
      Key k = e.getKey();
      CrdtSignalState live = s.states.get(k.series(), k.entity());
      if (live == null || merged.contains(k)) {
        continue;
      }
      CrdtSignalState rebuilt = scratch.get(k.series(), k.entity());
      CrdtSignalState next = live.copy(); // a frozen view may share the live one
      for (long epoch : e.getValue().keySet()) {
        next.replaceEntry(ReplicaIds.log(epoch), rebuilt == null ? new CrdtSignalState() : rebuilt);
      }
      s.states.put(k.series(), k.entity(), next);
      removed++;
    }
    LOG.warn(
        "shard {}: the cut at {} dropped {} QUORUM/ALL session records (never acknowledged):"
            + " {} entities rebuilt from position {}{}",
        s.shard,
        position,
        drops.size(),
        removed,
        base,
        merged.isEmpty()
            ? ""
            : "; " + merged.size() + " entities keep them, their snapshot entry holds them merged");
    return drops.size();
  }

  /**
   * Collects the dropped records of the suffix: their positions, and per entity the epochs with the
   * first dropped position of each; the records of series the cut unbound are skipped (their states
   * are gone).
   */
  private static void scan(
      ShardState s, long position, Map<Key, Map<Long, Long>> epochs, Set<Long> drops) {
    try (WalReader reader = s.log.openReader(position)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.position() >= position && dropped(c) && s.registry.get(c.seriesId()) != null) {
            drops.add(c.position());
            epochs
                .computeIfAbsent(new Key(c.seriesId(), c.entity()), k -> new HashMap<>())
                .putIfAbsent(batch.epoch(), c.position()); // read in position order
          }
        }
      }
    }
  }

  /**
   * Loads the newest readable snapshot at or below {@code position} into {@code into} (a registry
   * aside); returns its position, 0 for an empty base (the log starts at 0), or -1.
   */
  private static long loadBase(ShardState s, long position, EntityStateMap into) {
    for (Path file : s.snapshots.list()) {
      long at = Snapshots.positionOf(file);
      if (at > position || at < s.log.startPosition()) {
        continue;
      }
      try {
        SnapshotReader.Loaded loaded = s.snapshots.load(file, s.registry.emptyCopy(), into, null);
        if (loaded.position() == at) {
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
   * The entities whose base entry of a dropped record's epoch already reaches past it (merged in
   * from a region that held it): the base holds its effect, so rebuilding cannot remove it.
   */
  private static Set<Key> mergedIn(EntityStateMap base, Map<Key, Map<Long, Long>> epochs) {
    Set<Key> merged = new HashSet<>();
    for (Map.Entry<Key, Map<Long, Long>> e : epochs.entrySet()) {
      CrdtSignalState state = base.get(e.getKey().series(), e.getKey().entity());
      for (Map.Entry<Long, Long> first : e.getValue().entrySet()) {
        if (state != null && state.entryEnd(ReplicaIds.log(first.getKey())) > first.getValue()) {
          merged.add(e.getKey());
        }
      }
    }
    return merged;
  }

  /**
   * Applies to {@code into} the log's signals from {@code from} on of the affected (entity, epoch)
   * pairs, skipping the dropped ones.
   */
  private static void replay(
      ShardState s,
      long from,
      EntityStateMap into,
      Map<Key, Map<Long, Long>> epochs,
      Set<Long> drops) {
    try (WalReader reader = s.log.openReader(from)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        long epoch = batch.epoch();
        RecordCursor c = batch.records();
        while (c.next()) {
          byte kind = c.kind();
          if (c.position() < from
              || (kind != WalRecordKind.SIGNAL && kind != WalRecordKind.SIGNAL_S)
              || drops.contains(c.position())) {
            continue;
          }
          Map<Long, Long> wanted = epochs.get(new Key(c.seriesId(), c.entity()));
          SeriesRegistry.Series series = s.registry.get(c.seriesId());
          if (wanted == null || !wanted.containsKey(epoch) || series == null) {
            continue;
          }
          into.getOrCreate(c.seriesId(), c.entity())
              .applyAt(
                  ReplicaIds.log(epoch),
                  c.position(),
                  c.weight(),
                  c.eventTimeMillis(),
                  c.hlc(),
                  series.decay());
        }
      }
    }
  }
}
