package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The segments of one shard, oldest first; the last one is the active segment the commit thread
 * writes to. Thread-safe: the commit thread adds segments, readers look them up and {@link
 * #truncateBefore} deletes old ones, all under this object's monitor, which is never held while
 * calling out.
 */
final class SegmentList {
  private final Path directory;
  private final List<Segment> segments;
  private long startPosition;

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
        SegmentFiles.syncDirectory(directory);
      } catch (IOException e) {
        throw new StorageException(directory + ": cannot sync directory after deletion: " + e, e);
      }
    }
    return deleted;
  }
}
