package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Segment file names: {@code shard-SSSS-PPPPPPPPPPPPPPPPPPPP.wal} for a shard log and {@code
 * local-SSSS-PPPPPPPPPPPPPPPPPPPP.wal} for a local log ({@link LogKind}), a 4-digit shard and the
 * 20-digit position of the segment's first record, so names of one log sort in position order.
 */
final class SegmentFiles {
  static final String SUFFIX = ".wal";
  private static final Pattern NAME = Pattern.compile("(shard|local)-(\\d{4})-(\\d{20})\\.wal");

  private SegmentFiles() {}

  /** The name of a shard log's segment. */
  static String name(int shard, long firstPosition) {
    return LogKind.SHARD.segmentName(shard, firstPosition);
  }

  /**
   * Returns the kind of log whose segment the name looks like, well-formed or not, or null if it
   * looks like no segment.
   */
  static LogKind kindOf(String fileName) {
    if (!fileName.endsWith(SUFFIX)) {
      return null;
    }
    for (LogKind kind : LogKind.values()) {
      if (fileName.startsWith(kind.prefix() + "-")) {
        return kind;
      }
    }
    return null;
  }

  /**
   * Parses a segment file name.
   *
   * @return {shard, first position}
   * @throws StorageException if the name is malformed
   */
  static long[] parse(Path file) {
    Matcher m = NAME.matcher(file.getFileName().toString());
    if (!m.matches()) {
      throw new StorageException(
          file
              + ": malformed segment file name, expected shard-SSSS-PPPPPPPPPPPPPPPPPPPP.wal or"
              + " local-SSSS-PPPPPPPPPPPPPPPPPPPP.wal");
    }
    try {
      return new long[] {Integer.parseInt(m.group(2)), Long.parseLong(m.group(3))};
    } catch (NumberFormatException e) {
      throw new StorageException(file + ": segment position out of range", e);
    }
  }
}
