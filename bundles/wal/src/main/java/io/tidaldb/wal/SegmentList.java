package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The segments of one shard, oldest first; the last one is the active segment the commit thread
 * writes to. Thread-safe: the commit thread adds segments, readers look them up, {@link
 * #truncateBefore} deletes old ones and {@link #deleteAfter} later ones, all under this object's
 * monitor, which is never held while calling out.
 *
 * <p>It also counts the cuts made by {@code truncateFrom} ({@link #beginCut}), so that a {@link
 * ShardReader} opened before a cut notices it and refuses to go on.
 */
final class SegmentList {
  private final Path directory;
  private final List<Segment> segments;
  private long startPosition;
  private volatile int cuts; // written under the monitor
  private volatile long lastCut = -1; // written under the monitor

  SegmentList(Path directory, List<Segment> recovered, long startPosition) {
    this.directory = directory;
    this.segments = new ArrayList<>(recovered);
    this.startPosition = segments.isEmpty() ? startPosition : segments.get(0).firstPosition();
  }

  synchronized long startPosition() {
    return startPosition;
  }

  synchronized Segment last() {
    return segments.isEmpty() ? null : segments.get(segments.size() - 1);
  }

  synchronized void add(Segment segment) {
    segments.add(segment);
  }

  /**
   * Returns the first segment that starts after {@code segment}, or null if there is none yet.
   * Works for a segment that was deleted meanwhile too.
   */
  synchronized Segment after(Segment segment) {
    for (Segment s : segments) {
      if (s.firstPosition() > segment.firstPosition()) {
        return s;
      }
    }
    return null;
  }

  /** Returns the last segment whose first position is at most {@code position}, or null. */
  synchronized Segment find(long position) {
    Segment found = null;
    for (Segment s : segments) {
      if (s.firstPosition() > position) {
        break;
      }
      found = s;
    }
    return found;
  }

  synchronized int size() {
    return segments.size();
  }

  /** How many cuts {@link #beginCut} announced so far; readers compare it with their own count. */
  int cuts() {
    return cuts;
  }

  /** The position of the latest cut, or -1, for the message of an invalidated reader. */
  long lastCut() {
    return lastCut;
  }

  /**
   * Announces a cut at {@code position} before any file is changed: readers opened earlier fail
   * from now on.
   */
  synchronized void beginCut(long position) {
    lastCut = position;
    cuts = cuts + 1;
  }

  /**
   * Deletes every segment that starts after {@code position}, newest first, then syncs the
   * directory, so a crash at any point leaves contiguous segments. Never deletes the oldest
   * segment.
   *
   * @return how many segments were deleted
   * @throws StorageException naming the file that could not be deleted, or the directory
   */
  int deleteAfter(long position) {
    int deleted = 0;
    synchronized (this) {
      while (segments.size() > 1 && segments.get(segments.size() - 1).firstPosition() > position) {
        Segment victim = segments.get(segments.size() - 1);
        try {
          Files.deleteIfExists(victim.path());
        } catch (IOException e) {
          throw new StorageException(
              victim.path() + ": cannot delete segment after position " + position + ": " + e, e);
        }
        segments.remove(segments.size() - 1);
        deleted++;
      }
    }
    if (deleted > 0) {
      try {
        Fsync.directory(directory);
      } catch (IOException e) {
        throw new StorageException(
            directory
                + ": cannot sync directory after deleting segments after position "
                + position
                + ": "
                + e,
            e);
      }
    }
    return deleted;
  }

  /**
   * Deletes every segment, newest first, through {@code files}, then syncs the directory; the list
   * is then empty and starts at {@code position} ({@code resetTo}). Readers must have been told
   * ({@link #beginCut}).
   *
   * @param position where the log continues
   * @param files the file operations
   * @return how many segments were deleted
   * @throws StorageException naming the file that could not be deleted, or the directory
   */
  int deleteAll(long position, WalFiles files) {
    int deleted = 0;
    synchronized (this) {
      while (!segments.isEmpty()) {
        Segment victim = segments.get(segments.size() - 1);
        try {
          files.delete(victim.path());
        } catch (IOException e) {
          throw new StorageException(
              victim.path() + ": cannot delete segment to reset to position " + position + ": " + e,
              e);
        }
        segments.remove(segments.size() - 1);
        deleted++;
      }
      startPosition = position;
    }
    try {
      files.syncDirectory(directory);
    } catch (IOException e) {
      throw new StorageException(
          directory + ": cannot sync directory after deleting segments to reset: " + e, e);
    }
    return deleted;
  }

  /**
   * Deletes the oldest segments while each is followed by a segment starting at or below {@code
   * position} (so every record it holds lies below it). Never deletes the active segment.
   *
   * @return how many segments were deleted
   */
  int truncateBefore(long position) {
    int deleted = 0;
    synchronized (this) {
      while (segments.size() > 1 && segments.get(1).firstPosition() <= position) {
        Segment victim = segments.get(0);
        try {
          Files.deleteIfExists(victim.path());
        } catch (IOException e) {
          throw new StorageException(
              victim.path() + ": cannot delete segment below position " + position + ": " + e, e);
        }
        segments.remove(0);
        startPosition = segments.get(0).firstPosition();
        deleted++;
      }
    }
    if (deleted > 0) {
      try {
        Fsync.directory(directory);
      } catch (IOException e) {
        throw new StorageException(directory + ": cannot sync directory after deletion: " + e, e);
      }
    }
    return deleted;
  }
}
