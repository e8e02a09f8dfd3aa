package io.tidaldb.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/** Printing and writing the latency histograms the JMH-free benchmarks record. */
final class Histograms {
  private Histograms() {}

  /**
   * Prints one markdown table row of a latency histogram in nanoseconds, as milliseconds: {@code |
   * window | what | samples | p50 | p90 | p99 | p99.9 | max | mean |}, with {@code decimals} places
   * (the max with 3).
   */
  static void printRow(String window, String what, Histogram h, int decimals) {
    String f = "%." + decimals + "f";
    System.out.printf(
        "| %s | %s | %d | " + f + " | " + f + " | " + f + " | " + f + " | %.3f | " + f + " |%n",
        window,
        what,
        h.getTotalCount(),
        h.getValueAtPercentile(50) / 1e6,
        h.getValueAtPercentile(90) / 1e6,
        h.getValueAtPercentile(99) / 1e6,
        h.getValueAtPercentile(99.9) / 1e6,
        h.getMaxValue() / 1e6,
        h.getMean() / 1e6);
  }

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
