package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Segment file names: {@code shard-SSSS-PPPPPPPPPPPPPPPPPPPP.wal}, a 4-digit shard and the 20-digit
 * position of the segment's first record, so names sort in position order.
 */
final class SegmentFiles {
  static final String PREFIX = "shard-";
  static final String SUFFIX = ".wal";
  private static final Pattern NAME = Pattern.compile("shard-(\\d{4})-(\\d{20})\\.wal");

  private SegmentFiles() {}

  static String name(int shard, long firstPosition) {
    return String.format("shard-%04d-%020d.wal", shard, firstPosition);
  }

  /** Returns true if the name looks like a segment's, well-formed or not. */
  static boolean looksLikeSegment(String fileName) {
    return fileName.startsWith(PREFIX) && fileName.endsWith(SUFFIX);
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
          file + ": malformed segment file name, expected shard-SSSS-PPPPPPPPPPPPPPPPPPPP.wal");
    }
    try {
      return new long[] {Integer.parseInt(m.group(1)), Long.parseLong(m.group(2))};
    } catch (NumberFormatException e) {
      throw new StorageException(file + ": segment position out of range", e);
    }
  }
}
