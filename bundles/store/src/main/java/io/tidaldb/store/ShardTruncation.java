package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.RecordCursor;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import io.tidaldb.api.wal.WalRecordKind;
import io.tidaldb.session.table.SessionTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts one shard's log for {@link io.tidaldb.api.replication.ReplicaState#truncateLog}, keeping the
 * effect of every cut record but the {@code QUORUM}/{@code ALL} session records'.
 *
 * <p>Since issue 11 a cut keeps the state of its records, own and foreign alike: a signal at {@code
 * (epoch e, position p)} lives in the entity's log entry {@code log(e)}, whose end column says
 * which prefix of epoch {@code e}'s history it holds. If the record comes back through a later
 * leader's log, verbatim at the same {@code (e, p)} (log matching), its position lies below that
 * end and {@link io.tidaldb.crdt.CrdtSignalState#applyAt} skips it; if it never does, the entry
 * still carries it, and reconciliation takes it to the others. Series <em>defined</em> in the
 * suffix go: the new leader's log does not bind their ids, so they are unbound and their states
 * dropped (their signals count again if their DEFINE returns).
 *
 * <p>The shard's session table is the exception: it goes back to the table of the surviving prefix
 * (the newest snapshot at or below {@code position} plus the log up to it), as on every region that
 * never held the suffix. So are the suffix's session records of writes acknowledged at {@code
 * QUORUM} or {@code ALL} (issue 12): never acknowledged if cut (the vote rule), their clients were
 * told "may be stored, retry", and a retry at the new leader is a new record; their effect is
 * removed ({@link CutDrops}). {@code LOCAL} session records keep theirs like plain signals, and are
 * remembered by their origin ({@link CutLocalSessions}) until the shard log shows their retry,
 * which takes the effect back once it is known committed, or shows that none can come.
 *
 * <p>Steps, under the shard's checkpoint lock and write lock: (a) read the suffix, unbind the
 * series it defines and drop their states, remove the effect of its QUORUM/ALL session records,
 * remember its LOCAL ones ({@link CutLocalSteps#collect}), rebuild the session table and the
 * shard's {@link PendingSessions}; (b) write a snapshot of the state labelled {@code position} and
 * carrying {@code fenceEpoch}, and set the applied position to {@code position}; (c) delete the
 * shard's snapshots labelled above {@code position}; (d) cut the log; (e) write the snapshot at
 * {@code position} again without the fence. A crash between (b) and (d) leaves a fenced snapshot
 * that recovery finishes the cut from ({@link ShardState#recover}); after (e) recovery replays
 * whatever a later leader shipped at {@code position}, even batches of epochs below the fence (a
 * crash between (d) and (e) leaves the fence over a log that ends at {@code position}, which
 * recovery does not cut).
 */
final class ShardTruncation {
  private static final Logger LOG = LoggerFactory.getLogger(ShardTruncation.class);

  private ShardTruncation() {}

  /**
   * Runs steps (a) to (e).
   *
   * @return how many records were cut
   */
  static long truncate(ShardState s, long position, long fenceEpoch) {
    synchronized (s.checkpointLock) {
      s.lock.writeLock().lock();
      try {
        long suffix = persistCut(s, position, fenceEpoch);
        long cut = s.log.truncateFrom(position);
        // (e) The cut is complete: the snapshot at the cut drops its fence. Recovery must not take
        // the older-epoch batches a later leader ships there again (as it may: ForeignCutTest) for
        // the remains of an interrupted cut, and cut records this region has acknowledged.
        s.snapshots.write(
            position,
            s.registry.snapshot(),
            s.states,
            0,
            s.localAppliedPosition(),
            s.encodeSessions());
        LOG.info(
            "shard {}: log cut at {} for epoch {}: {} records removed, their state kept but for"
                + " QUORUM/ALL session records",
            s.shard,
            position,
            fenceEpoch,
            cut);
        if (cut != suffix) {
          LOG.warn("shard {}: read {} suffix records but the WAL cut {}", s.shard, suffix, cut);
        }
        return cut;
      } finally {
        s.lock.writeLock().unlock();
      }
    }
  }

  /**
   * Runs steps (a) to (c) only: everything but the cut itself (tests use it to simulate a crash
   * before the cut).
   *
   * @return how many records the suffix holds
   * @throws InvalidArgumentException if {@code position} is outside the durable log, appends are
   *     pending, or the fence epoch is negative
   */
  static long persistCut(ShardState s, long position, long fenceEpoch) {
    synchronized (s.checkpointLock) {
      s.lock.writeLock().lock();
      try {
        check(s, position, fenceEpoch);
        long suffix = dropSuffixSeries(s, position);
        long dropped = CutDrops.remove(s, position);
        int kept = CutLocalSteps.collect(s, position);
        rebuildSessions(s, position);
        rebuildPending(s, position);
        s.snapshots.write(
            position,
            s.registry.snapshot(),
            s.states,
            fenceEpoch,
            s.localAppliedPosition(),
            s.encodeSessions());
        s.resetPositions(position);
        int deleted = s.snapshots.deleteAbove(position);
        LOG.info(
            "shard {}: state kept as snapshot at {} fenced by epoch {} ({} QUORUM/ALL session"
                + " records dropped, {} LOCAL ones kept until their retry shows); {} later"
                + " snapshots deleted",
            s.shard,
            position,
            fenceEpoch,
            dropped,
            kept,
            deleted);
        return suffix;
      } finally {
        s.lock.writeLock().unlock();
      }
    }
  }

  /**
   * Step (a'): replaces the session table with the table of the surviving prefix: the newest
   * snapshot at or below {@code position} (an empty table at 0 if the log starts there) fed the log
   * from its position up to {@code position}, so the cut session records leave the table as if they
   * had never been applied (unlike their CRDT effect, which the cut keeps). If no snapshot at or
   * below {@code position} is readable and the log does not start at 0, the table cannot be rebuilt
   * and stays as it is (logged).
   */
  private static void rebuildSessions(ShardState s, long position) {
    if (s.sessions.table().appliedBelow() <= position) {
      return; // nothing at or above the cut was fed to it
    }
    SessionTable base = null;
    long from = 0;
    for (Path file : s.snapshots.list()) {
      long at = Snapshots.positionOf(file);
      if (at > position || at < s.log.startPosition()) {
        continue;
      }
      try {
        SnapshotReader.SessionsAt loaded = s.snapshots.loadSessions(file, s.sessions.config());
        base = loaded.table();
        from = loaded.position();
        break;
      } catch (StorageException e) {
        LOG.error("shard {}: {}; trying an older snapshot for the session table", s.shard, e);
      }
    }
    if (base == null && s.log.startPosition() == 0) {
      base = new SessionTable(s.sessions.config());
    }
    if (base == null) {
      LOG.error(
          "shard {}: no readable snapshot at or below the cut at {} and the log starts at {}: the"
              + " session table keeps the records of the cut suffix (applied below {})",
          s.shard,
          position,
          s.log.startPosition(),
          s.sessions.table().appliedBelow());
      return;
    }
    s.sessions.replaceWith(ShardSessions.replay(s, base, from, position));
  }

  /**
   * Step (a'''): the entities of the surviving prefix's QUORUM/ALL session records not known
   * committed ({@link PendingSessions}); the cut records' entries go with them.
   */
  private static void rebuildPending(ShardState s, long position) {
    long from = s.pending.rebuildFrom(s.log.startPosition(), position);
    s.pending.clear(from);
    s.pending.addFrom(s.log, from, position);
  }

  private static void check(ShardState s, long position, long fenceEpoch) {
    if (fenceEpoch < 0) {
      throw new InvalidArgumentException("fence epoch", fenceEpoch, "must be >= 0");
    }
    long start = s.log.startPosition();
    long durable = s.log.durablePosition();
    if (position < start || position > durable) {
      throw new InvalidArgumentException(
          "position",
          position,
          "shard " + s.shard + " holds durable positions " + start + ".." + durable);
    }
    if (s.log.nextPosition() != durable || s.appliedPosition() != durable) {
      throw new InvalidArgumentException(
          "position",
          position,
          "shard "
              + s.shard
              + " has pending records (next "
              + s.log.nextPosition()
              + ", durable "
              + durable
              + ", applied "
              + s.appliedPosition()
              + ")");
    }
  }

  /**
   * Step (a): unbinds the series the suffix defines and drops their states; checks that {@code
   * position} is a batch boundary before changing anything.
   */
  private static long dropSuffixSeries(ShardState s, long position) {
    long records = 0;
    Set<Integer> defined = new HashSet<>();
    try (WalReader reader = s.log.openReader(position)) {
      for (WalBatch batch = reader.next(); batch != null; batch = reader.next()) {
        if (records == 0 && batch.firstPosition() != position) {
          throw new InvalidArgumentException(
              "position",
              position,
              "not a batch boundary of shard "
                  + s.shard
                  + ": its batch starts at "
                  + batch.firstPosition());
        }
        RecordCursor c = batch.records();
        while (c.next()) {
          if (c.position() < position) {
            continue;
          }
          records++;
          if (c.kind() == WalRecordKind.DEFINE) {
            defined.add(c.seriesId());
          }
        }
      }
    }
    if (!defined.isEmpty()) {
      List<String> names = new ArrayList<>();
      for (int id : defined) {
        s.pendingDefines.remove(id);
        SeriesRegistry.Series series = s.registry.unbind(id);
        if (series != null) {
          names.add(id + "=(" + series.tenant() + ", " + series.type() + ")");
        }
      }
      int dropped = s.states.removeSeries(defined::contains);
      LOG.warn(
          "shard {}: series {} were defined only in the log suffix cut at {}: unbound, {} entity"
              + " states dropped",
          s.shard,
          names,
          position,
          dropped);
    }
    return records;
  }
}
