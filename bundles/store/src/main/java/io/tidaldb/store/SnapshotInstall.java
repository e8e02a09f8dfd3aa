package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a snapshot received from the leader a shard's state and log (snapshot catch-up, {@link
 * io.tidaldb.api.replication.SnapshotSink#install}), crash-safely.
 *
 * <p>First the received file is verified by loading it whole into a fresh registry and map ({@link
 * SnapshotVerifier}); any defect is an {@link InvalidArgumentException} and nothing else changes.
 * Then, under the shard's checkpoint lock and write lock, with nothing pending in the log and the
 * log not beyond the snapshot's position {@code P}, the steps are:
 *
 * <ol>
 *   <li>{@link Step#VERIFIED}: the state to install (the received one, joined with the whole live
 *       state, see {@link LiveStateJoin}) is durable as {@code snapshot-<shard>-<P>.snap.install}
 *       (a write of the joined state through {@code AtomicFile} whenever the live state holds
 *       anything, else, for a wiped region, a rename of the received file), directory fsynced;
 *   <li>{@link Step#LOG_RESET}: {@code ShardLog.resetTo(P, lastEpoch)} (crash-safe by itself);
 *   <li>{@link Step#STATE_REPLACED}: the live registry, entity map and session table (the leader's,
 *       which the received file holds: the log continues the leader's prefix) are replaced and the
 *       applied and snapshot positions set to {@code P} (memory only);
 *   <li>{@link Step#OLD_DELETED}: every other snapshot of the shard is deleted, directory fsynced;
 *   <li>{@link Step#PUBLISHED}: the {@code .install} file is renamed to {@code
 *       snapshot-<shard>-<P>.snap}, directory fsynced.
 * </ol>
 *
 * <p>Recovery ({@link #finishInterrupted}, run before anything else reads the shard's snapshots):
 * an {@code .install} file at {@code P} whose log starts exactly at {@code P} means the log was
 * reset (before the reset the log ends at or below {@code P}, so it starts at {@code P} only if it
 * is empty there: installing then is also the outcome the call promised): the install is finished
 * (steps 4 and 5). Otherwise the reset never happened: the file is deleted and the former state and
 * log recover as they were.
 */
final class SnapshotInstall {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotInstall.class);

  /** The durable steps of an install, in order (tests interrupt after each). */
  enum Step {
    VERIFIED,
    LOG_RESET,
    STATE_REPLACED,
    OLD_DELETED,
    PUBLISHED
  }

  /** Runs after each step (tests throw from it to simulate a crash there). */
  @FunctionalInterface
  interface Hook {
    void after(int shard, Step step);
  }

  private volatile Hook hook = (shard, step) -> {};

  /** An installer. */
  SnapshotInstall() {}

  /** Sets the hook run after each step (tests). */
  void hook(Hook hook) {
    this.hook = hook;
  }

  /**
   * Verifies {@code received} and installs it (see the class comment).
   *
   * @param superseded tells whether the transfer was closed meanwhile (then nothing is installed)
   * @return how many records of the former log were discarded
   * @throws InvalidArgumentException if the snapshot does not verify, the log has pending records
   *     or records beyond {@code position}, or leads; nothing changed then
   * @throws StorageException if a file cannot be written; the shard recovers as stated above
   */
  long install(
      ShardState s,
      Path received,
      long position,
      long lastEpoch,
      long size,
      BooleanSupplier superseded) {
    SnapshotVerifier.Verified fresh =
        SnapshotVerifier.verify(s, received, position, lastEpoch, size);
    synchronized (s.checkpointLock) {
      s.lock.writeLock().lock();
      try {
        checkQuiet(s, position);
        if (superseded.getAsBoolean()) {
          throw new UnavailableException(
              "shard " + s.shard + ": the snapshot transfer at " + position + " was closed");
        }
        Path install =
            s.snapshots.directory().resolve(SnapshotDescriptor.installName(s.shard, position));
        boolean live = s.states.size() > 0;
        long joined = live ? LiveStateJoin.join(s, fresh.registry(), fresh.states()) : 0;
        // The join keeps the kept cut LOCAL records' effect, so their set stays, decided against
        // the installed table (a retry below the position never passes the commit thread's step)
        CutLocalSessions held = s.cutLocalOrNull();
        CutLocalSessions cut =
            held == null
                ? null
                : CutLocalSteps.forInstall(
                    held, s, fresh.registry(), fresh.states(), fresh.sessions().table());
        // The received file names the leader's local position; the installed one names ours (the
        // local log and its position stay as they are).
        long local = s.localAppliedPosition();
        s.compaction.loaded(fresh.foldedThrough()); // recorded by the installed file
        s.compaction.applied(lastEpoch);
        // The leader's local streams' tables are copies here; ours stay ours (see LocalSessions).
        LocalSessions leaders = fresh.sessions().local();
        s.sessions.local().joinAll(leaders);
        boolean copies = !s.sessions.local().copies().isEmpty();
        if (live || fresh.localPosition() != local || copies || cut != null) {
          s.snapshots.writeTo(
              install,
              position,
              fresh.registry().snapshot(),
              fresh.states(),
              fresh.anchor(),
              local,
              s.encodeSessionsWith(fresh.sessions().table(), cut));
          deleteQuietly(received);
        } else {
          move(received, install);
        }
        hook.after(s.shard, Step.VERIFIED);
        long discarded = s.log.nextPosition() - s.log.startPosition();
        resetLog(s, install, position, lastEpoch);
        hook.after(s.shard, Step.LOG_RESET);
        s.registry.replaceWith(fresh.registry());
        s.states.takeFrom(fresh.states());
        s.sessions.replaceWith(fresh.sessions().table()); // the leader's log prefix: its table
        s.replaceCutLocal(cut);
        s.pendingDefines.clear();
        s.resetPositions(position);
        s.pending.clear(position); // the leader offers records a quorum holds (see the docs' limit)
        s.markWritten(position);
        hook.after(s.shard, Step.STATE_REPLACED);
        int deleted = deleteOthers(s.snapshots, position);
        hook.after(s.shard, Step.OLD_DELETED);
        move(
            install,
            s.snapshots.directory().resolve(SnapshotDescriptor.fileName(s.shard, position)));
        hook.after(s.shard, Step.PUBLISHED);
        LOG.warn(
            "shard {}: installed the leader's snapshot at {} (last epoch {}, {} entities, {} kept"
                + " changed by joining the live state); {} records of the former log and {}"
                + " snapshots discarded",
            s.shard,
            position,
            lastEpoch,
            s.states.size(),
            joined,
            discarded,
            deleted);
        return discarded;
      } finally {
        s.lock.writeLock().unlock();
      }
    }
  }

  /**
   * Finishes or undoes an install a crash interrupted (see the class comment). Runs when the store
   * opens, before any other check of the shard's snapshots.
   *
   * @throws StorageException if a file cannot be renamed or deleted
   */
  static void finishInterrupted(Snapshots snapshots) {
    for (Path file : installFiles(snapshots)) {
      String name = file.getFileName().toString();
      long position =
          Snapshots.positionOf(
              file.resolveSibling(
                  name.substring(0, name.length() - SnapshotDescriptor.INSTALL_SUFFIX.length())));
      long start = snapshots.log().startPosition();
      if (start != position) {
        deleteQuietly(file);
        syncDirectory(snapshots.directory());
        LOG.warn(
            "shard {}: deleted {}: its install was interrupted before the log was reset (the log"
                + " starts at {}); the former state and log recover",
            snapshots.shard(),
            name,
            start);
        continue;
      }
      int deleted = deleteOthers(snapshots, position);
      continueLastEpoch(snapshots, file, position);
      move(file, file.resolveSibling(SnapshotDescriptor.fileName(snapshots.shard(), position)));
      LOG.warn(
          "shard {}: finished the install of the snapshot at {} that a crash interrupted after the"
              + " log was reset ({} older snapshots deleted)",
          snapshots.shard(),
          position,
          deleted);
    }
  }

  /**
   * Gives an empty log at {@code position} the last epoch the install file's anchor names, in case
   * the log was empty there before the install and its reset never ran (the one pre-reset state
   * recovery finishes the install from).
   */
  private static void continueLastEpoch(Snapshots snapshots, Path file, long position) {
    LogAnchor anchor = SnapshotReader.header(file, snapshots.shard()).anchor();
    if (snapshots.log().durablePosition() == position
        && anchor.firstPosition() >= 0
        && snapshots.log().lastEpoch() != anchor.epoch()) {
      snapshots.log().resetTo(position, anchor.epoch());
    }
  }

  private static void checkQuiet(ShardState s, long position) {
    long durable = s.log.durablePosition();
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
              + "): no snapshot is installed while the log takes records");
    }
    if (position < durable) {
      // The log beyond position is not the leader's log from there: replication cuts to the
      // common prefix first (the cut keeps those records' effect, and the install joins it).
      throw new InvalidArgumentException(
          "position",
          position,
          "shard "
              + s.shard
              + ": the log holds records up to "
              + durable
              + ", beyond the snapshot; cut the log to the common prefix first");
    }
  }

  /** Step 2; a refusal (pending records, leading) undoes step 1 and changes nothing. */
  private static void resetLog(ShardState s, Path install, long position, long lastEpoch) {
    try {
      s.log.resetTo(position, lastEpoch);
    } catch (InvalidArgumentException | UnsupportedOperationException e) {
      deleteQuietly(install);
      syncDirectory(install.getParent());
      throw e;
    }
  }

  /** Deletes every snapshot and every other install file of the shard but the one at position. */
  private static int deleteOthers(Snapshots snapshots, long position) {
    int deleted = 0;
    for (Path file : snapshots.list()) {
      deleted += deleteQuietly(file) ? 1 : 0;
    }
    String keep = SnapshotDescriptor.installName(snapshots.shard(), position);
    for (Path file : installFiles(snapshots)) {
      if (!file.getFileName().toString().equals(keep)) {
        deleteQuietly(file);
      }
    }
    syncDirectory(snapshots.directory());
    return deleted;
  }

  private static java.util.List<Path> installFiles(Snapshots snapshots) {
    String prefix = SnapshotDescriptor.prefix(snapshots.shard());
    String suffix = SnapshotDescriptor.SUFFIX + SnapshotDescriptor.INSTALL_SUFFIX;
    try (java.util.stream.Stream<Path> files = Files.list(snapshots.directory())) {
      return files
          .filter(f -> f.getFileName().toString().startsWith(prefix))
          .filter(f -> f.getFileName().toString().endsWith(suffix))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new StorageException("cannot list " + snapshots.directory() + ": " + e, e);
    }
  }

  private static void move(Path from, Path to) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new StorageException("cannot rename " + from + " to " + to + ": " + e, e);
    }
    syncDirectory(to.getParent());
  }

  private static boolean deleteQuietly(Path file) {
    try {
      return Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new StorageException("cannot delete " + file + ": " + e, e);
    }
  }

  private static void syncDirectory(Path directory) {
    try {
      Fsync.directory(directory);
    } catch (IOException e) {
      throw new StorageException("cannot fsync " + directory + ": " + e, e);
    }
  }
}
