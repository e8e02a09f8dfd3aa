package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers one shard's segments when the log opens: verifies every batch in order (magic, version,
 * shard, position continuity within and across segments, lengths, CRC32C), truncates a torn tail of
 * the last segment with one WARN, and refuses any other damage with a {@link StorageException}
 * naming the file, the byte offset and what was wrong. Nothing is ever skipped silently.
 *
 * <p>A bad batch is a torn tail only if it lies in the last segment, no sound batch follows it, and
 * the bytes from its start to the end of the file are what an interrupted write leaves: fewer bytes
 * than a header; only zeros; a header prefix followed by zeros; a sound header whose batch extends
 * beyond the end of the file; or a sound header whose payload fails the CRC and is followed by
 * nothing but zeros.
 *
 * <p>Every sound batch also feeds the shard's {@link EpochHistory}. A {@code truncateFrom}
 * interrupted by a crash needs no rule of its own: it deletes later segments newest first before it
 * cuts the last one kept, so a crash leaves contiguous segments whose last one ends either at a
 * batch boundary or in a torn tail.
 *
 * <p>A reset ({@code resetTo}) has one: the shard's {@link LogStart} file, read first. If it says
 * {@code DISCARDING}, the reset committed but a crash came before it deleted every old segment:
 * recovery deletes the shard's segments (all the old log's) newest first, fsyncs the directory,
 * marks the start file {@code STARTED} and logs one WARN. If it says {@code STARTED}, the segments
 * must start at or after its position (a segment below it is refused as corruption: the reset
 * deleted every old segment before it wrote {@code STARTED}); with none, the log is empty there.
 * While the log starts at that position, its last epoch seeds the {@link EpochHistory}.
 */
final class ShardRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(ShardRecovery.class);

  private final String name; // "shard 3" or "local log of shard 3"
  private final int shard;
  private final BatchScanner scanner;
  private final WalFiles opener;
  private final List<Segment> segments = new ArrayList<>();
  private final EpochHistory epochs = new EpochHistory();
  private long nextPosition;
  private long epoch;
  private long records;

  private ShardRecovery(LogKind kind, int shard, BatchScanner scanner, WalFiles opener) {
    this.name = kind.describe(shard);
    this.shard = shard;
    this.scanner = scanner;
    this.opener = opener;
  }

  /**
   * Recovers a shard's log of one kind from its segment files.
   *
   * @param kind the shard log or the local log
   * @param shard the shard
   * @param files its segment files, in position order
   * @param scanner the scanner to read them with
   * @param opener where a torn tail is cut and forced
   * @return the recovered state
   */
  static ShardRecovery recover(
      LogKind kind,
      int shard,
      Path directory,
      List<Path> segmentFiles,
      BatchScanner scanner,
      WalFiles opener) {
    ShardRecovery recovery = new ShardRecovery(kind, shard, scanner, opener);
    Path startFile = directory.resolve(kind.startName(shard));
    LogStart start = LogStart.read(startFile, shard, opener);
    List<Path> files = recovery.applyStart(start, directory, startFile, segmentFiles);
    for (int i = 0; i < files.size(); i++) {
      recovery.recoverSegment(files.get(i), i == files.size() - 1);
    }
    recovery.makeDurable(files);
    if (start != null) {
      recovery.seed(start);
      if (files.isEmpty()) {
        LOG.info(
            "{}: recovered an empty log reset to position {}, last epoch {}",
            recovery.name,
            start.position(),
            start.lastEpoch());
      }
    }
    if (!files.isEmpty()) {
      LOG.info(
          "{}: recovered {} records in {} segments, positions {} to {}, epoch {}",
          recovery.name,
          recovery.records,
          files.size(),
          recovery.segments.get(0).firstPosition(),
          recovery.nextPosition,
          recovery.epoch);
    }
    return recovery;
  }

  /**
   * Finishes an interrupted reset, or checks the segments against a finished one; returns the
   * segments to recover.
   */
  private List<Path> applyStart(LogStart start, Path directory, Path startFile, List<Path> files) {
    if (start == null) {
      return files;
    }
    if (start.discarding()) {
      for (int i = files.size() - 1; i >= 0; i--) {
        try {
          opener.delete(files.get(i));
        } catch (IOException e) {
          throw new StorageException(
              files.get(i) + ": cannot delete a segment of the log reset away: " + e, e);
        }
      }
      try {
        opener.syncDirectory(directory);
      } catch (IOException e) {
        throw new StorageException(directory + ": cannot fsync the WAL directory: " + e, e);
      }
      start.started().write(startFile, shard, opener);
      LOG.warn(
          "{}: finished a reset to position {} (last epoch {}) that a crash interrupted:"
              + " deleted the {} remaining segments of the old log",
          name,
          start.position(),
          start.lastEpoch(),
          files.size());
      return List.of();
    }
    if (!files.isEmpty() && SegmentFiles.parse(files.get(0))[1] < start.position()) {
      throw new StorageException(
          files.get(0)
              + " at offset 0: segment starts below position "
              + start.position()
              + ", where "
              + startFile.getFileName()
              + " says the log was reset to start; refusing to open "
              + name);
    }
    return files;
  }

  /** Applies a reset's start: an empty log continues at its position with its last epoch. */
  private void seed(LogStart start) {
    if (segments.isEmpty()) {
      nextPosition = start.position();
    }
    if (segments.isEmpty() || segments.get(0).firstPosition() == start.position()) {
      epochs.base(start.position(), start.lastEpoch());
    }
    epoch = Math.max(epoch, start.lastEpoch());
  }

  List<Segment> segments() {
    return segments;
  }

  long nextPosition() {
    return nextPosition;
  }

  long epoch() {
    return epoch;
  }

  /** The epoch history of the recovered batches. */
  EpochHistory epochs() {
    return epochs;
  }

  /**
   * Forces every recovered segment and their directory before the log is served: after a process
   * crash the files hold what the dead process wrote but never fsynced (it sits in the OS page
   * cache), and recovery has just read it as the log. Without this, a power loss before the OS
   * wrote those pages back took records this incarnation had already served, shipped and counted as
   * durable, and could leave a later segment behind a shortened one, so the log refused to open
   * (PowerLossTest). One fsync per segment at start; a segment with nothing dirty costs little.
   */
  private void makeDurable(List<Path> files) {
    for (Path file : files) {
      try (FileChannel channel = opener.open(file, StandardOpenOption.WRITE)) {
        channel.force(true);
      } catch (IOException e) {
        throw new StorageException(file + ": cannot fsync a recovered segment: " + e, e);
      }
    }
    if (!files.isEmpty()) {
      Path directory = files.get(0).getParent();
      try {
        opener.syncDirectory(directory);
      } catch (IOException e) {
        throw new StorageException(directory + ": cannot fsync the WAL directory: " + e, e);
      }
    }
  }

  private void recoverSegment(Path file, boolean last) {
    long first = SegmentFiles.parse(file)[1];
    if (!segments.isEmpty() && first != nextPosition) {
      throw new StorageException(
          file
              + " at offset 0: segment starts at position "
              + first
              + " but the previous segment ends at position "
              + nextPosition
              + " (gap between segments)");
    }
    nextPosition = first;
    long offset;
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      scanner.open(channel, file);
      offset = scan(file, channel.size(), last);
    } catch (IOException e) {
      throw new StorageException(file + ": cannot read segment during recovery: " + e, e);
    }
    segments.add(new Segment(file, first, offset, nextPosition));
  }

  /** Scans the batches of one segment; returns the end of the last sound batch. */
  private long scan(Path file, long size, boolean last) throws IOException {
    long offset = 0;
    while (offset < size) {
      BatchProblem problem = scanner.check(offset, size, shard, nextPosition);
      if (problem == null) {
        BatchView batch = scanner.view();
        offset += batch.length();
        nextPosition = batch.endPosition();
        epoch = batch.epoch();
        epochs.batch(epoch, batch.firstPosition());
        records += batch.recordCount();
        continue;
      }
      String detail = scanner.detail();
      if (last && isTornTail(problem, offset, size)) {
        truncate(file, offset, size, detail);
        return offset;
      }
      throw new StorageException(
          file
              + " at offset "
              + offset
              + ": corrupt batch ("
              + detail
              + ")"
              + (last ? "" : " in a segment that is not the last")
              + "; refusing to open "
              + name);
    }
    return offset;
  }

  private boolean isTornTail(BatchProblem problem, long offset, long size) throws IOException {
    if (problem == BatchProblem.TRUNCATED_HEADER) {
      return true;
    }
    long lastNonZero = scanner.lastNonZero(offset, size);
    if (lastNonZero < 0) {
      return true;
    }
    if (problem.headerSound()) {
      long claimedEnd = scanner.claimedEnd();
      boolean torn =
          problem == BatchProblem.BEYOND_END
              || (problem == BatchProblem.BAD_CRC && lastNonZero < claimedEnd);
      return torn && scanner.findSoundBatch(offset + 1, size, shard) < 0;
    }
    return lastNonZero < offset + BatchDescriptor.HEADER_LENGTH;
  }

  private void truncate(Path file, long offset, long size, String detail) throws IOException {
    try (FileChannel channel = opener.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(offset);
      channel.force(true);
    }
    LOG.warn(
        "{}: truncated torn tail of {} at offset {}: dropped {} bytes ({})",
        name,
        file,
        offset,
        size - offset,
        detail);
  }
}
