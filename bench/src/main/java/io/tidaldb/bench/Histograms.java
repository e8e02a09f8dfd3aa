package io.tidaldb.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/** Writing the latency histograms the JMH-free benchmarks record. */
final class Histograms {
  private Histograms() {}

  /**
   * Writes {@code h}'s percentile distribution (values in ms) to {@code dir/name.hgrm}; nothing if
   * {@code dir} is null.
   *
   * @throws UncheckedIOException naming the file and directory
   */
  static void write(Path dir, String name, Histogram h) {
    if (dir == null) {
      return;
    }
    try {
      Files.createDirectories(dir);
      try (PrintStream out = new PrintStream(dir.resolve(name + ".hgrm").toFile(), "UTF-8")) {
        h.outputPercentileDistribution(out, 1e6);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + ".hgrm to " + dir, e);
    }
  }
}
