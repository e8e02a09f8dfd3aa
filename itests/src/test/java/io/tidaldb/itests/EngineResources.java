package io.tidaldb.itests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the engine holds at one instant: its threads by name (ours are {@code tidal-*}, Netty's
 * event loops) and this process's open file descriptors, those on files under the data directory
 * (WAL segments, snapshots, epoch files) by file. {@link #excessOver} compares a later instant with
 * a baseline: a leak is a thread name held more often than in the baseline, or more than once where
 * the baseline had none (a lazily started thread such as {@code tidal-cut-region-N} is no leak, two
 * of one name are); a kind of data file (a shard's segments over every region, see {@link #kinds})
 * held more often than in the baseline, or more than once per region where the baseline had none (a
 * region's local log is opened once it took writes while cut off from a leader); a data file held
 * open after its deletion; or more than {@link #FD_SLACK} more descriptors elsewhere (sockets,
 * pipes, jars).
 */
final class EngineResources {
  /** How /proc/self/fd shows a file deleted while open. */
  private static final String DELETED = " (deleted)";

  /** Descriptors the process may hold beyond the baseline for its own reasons (class loading). */
  static final int FD_SLACK = 4;

  private final Map<String, Integer> threads;
  private final Map<String, Integer> dataFiles;
  private final int dataFds;
  private final int totalFds;

  private EngineResources(Map<String, Integer> threads, Map<String, Integer> dataFiles, int total) {
    this.threads = threads;
    this.dataFiles = dataFiles;
    this.dataFds = dataFiles.values().stream().mapToInt(Integer::intValue).sum();
    this.totalFds = total;
  }

  /**
   * Takes the current figures.
   *
   * @param dataDirectory the data root
   * @return the figures
   */
  static EngineResources now(Path dataDirectory) {
    Map<String, Integer> threads = new TreeMap<>();
    for (Thread t : allThreads()) {
      if (t != null && t.isAlive() && isEngineThread(t.getName())) {
        threads.merge(t.getName(), 1, Integer::sum);
      }
    }
    Map<String, Integer> data = new TreeMap<>();
    int total = 0;
    Path root = dataDirectory.toAbsolutePath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        total++;
        try {
          Path target = Files.readSymbolicLink(fd);
          if (target.startsWith(root)) {
            data.merge(root.relativize(target).toString(), 1, Integer::sum);
          }
        } catch (IOException e) {
          // closed since the listing: not held
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list /proc/self/fd", e);
    }
    return new EngineResources(threads, data, total);
  }

  private static Thread[] allThreads() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() + 64];
    while (root.enumerate(threads, true) == threads.length) {
      threads = new Thread[threads.length * 2];
    }
    return threads;
  }

  private static boolean isEngineThread(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.startsWith("tidal-") || n.contains("eventloop") || n.contains("netty");
  }

  /**
   * Returns what this instant holds beyond a baseline.
   *
   * @param baseline the figures before
   * @return one description per excess, empty when nothing leaks
   */
  List<String> excessOver(EngineResources baseline) {
    List<String> out = new ArrayList<>();
    threads.forEach(
        (name, n) -> {
          int allowed = Math.max(1, baseline.threads.getOrDefault(name, 0));
          if (n > allowed) {
            out.add("thread " + name + " x" + n + " (baseline " + allowed + ")");
          }
        });
    int otherFds = totalFds - dataFds;
    int baselineOther = baseline.totalFds - baseline.dataFds;
    if (otherFds > baselineOther + FD_SLACK) {
      out.add(
          "open descriptors not under the data directory "
              + otherFds
              + " (baseline "
              + baselineOther
              + " + "
              + FD_SLACK
              + ")");
    }
    Map<String, Integer> kinds = kinds(dataFiles);
    Map<String, Integer> baselineKinds = kinds(baseline.dataFiles);
    kinds.forEach(
        (kind, n) -> {
          int allowed = baselineKinds.getOrDefault(kind, ThreeRegions.REGIONS);
          if (n > allowed) {
            out.add("files " + kind + " open x" + n + " (baseline " + allowed + ")");
          }
        });
    dataFiles.keySet().stream()
        .filter(f -> f.endsWith(DELETED))
        .forEach(f -> out.add("file " + f + " held open after its deletion"));
    return out;
  }

  /**
   * Counts open data files by kind: the path without its region and without the position in a
   * segment's or snapshot's name ({@code region-1/wal/shard-0002-00000000000000000000.wal} is
   * {@code wal/shard-0002.wal}), so that a shard's handles (each region's active segment, the
   * leader's shipping readers) keep their count when leadership moves.
   */
  private static Map<String, Integer> kinds(Map<String, Integer> files) {
    Map<String, Integer> out = new TreeMap<>();
    files.forEach(
        (file, n) -> {
          String f = file.replace('\\', '/');
          String kind = f.substring(f.indexOf('/') + 1).replaceAll("-[0-9]{8,}(\\.[a-z]+)$", "$1");
          out.merge(kind, n, Integer::sum);
        });
    return out;
  }

  /**
   * Returns the names of the engine threads that the baseline did not have.
   *
   * @param baseline the figures before
   * @return the names, sorted
   */
  List<String> newThreads(EngineResources baseline) {
    List<String> out = new ArrayList<>();
    threads.keySet().stream().filter(n -> !baseline.threads.containsKey(n)).forEach(out::add);
    return out;
  }

  /**
   * Returns the data files held open, relative to the data directory, with how often each is held.
   *
   * @return file to count, sorted
   */
  Map<String, Integer> dataFiles() {
    return dataFiles;
  }

  /**
   * Returns how many engine threads run.
   *
   * @return the count
   */
  int threadCount() {
    return threads.values().stream().mapToInt(Integer::intValue).sum();
  }

  /**
   * Returns the open descriptors on files under the data directory.
   *
   * @return the count
   */
  int dataFds() {
    return dataFds;
  }

  /**
   * Returns every open descriptor of the process.
   *
   * @return the count
   */
  int totalFds() {
    return totalFds;
  }

  @Override
  public String toString() {
    return threadCount() + " engine threads, " + dataFds + " data fds, " + totalFds + " fds";
  }
}
