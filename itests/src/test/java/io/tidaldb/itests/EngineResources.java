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
 * (WAL segments, snapshots, epoch files) counted apart. {@link #excessOver} compares a later
 * instant with a baseline: a leak is a thread name held more often than in the baseline (more than
 * once for a name the baseline lacked: a lazily started thread is no leak, two of one name are), or
 * more descriptors on the data directory.
 */
final class EngineResources {
  /** Descriptors the process may hold beyond the baseline for its own reasons (class loading). */
  static final int FD_SLACK = 4;

  private final Map<String, Integer> threads;
  private final int dataFds;
  private final int totalFds;

  private EngineResources(Map<String, Integer> threads, int dataFds, int totalFds) {
    this.threads = threads;
    this.dataFds = dataFds;
    this.totalFds = totalFds;
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
    int data = 0;
    int total = 0;
    String root = dataDirectory.toAbsolutePath().toString();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        total++;
        try {
          if (Files.readSymbolicLink(fd).toString().startsWith(root)) {
            data++;
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
    if (totalFds > baseline.totalFds + FD_SLACK) {
      out.add(
          "open files " + totalFds + " (baseline " + baseline.totalFds + " + " + FD_SLACK + ")");
    }
    if (dataFds > baseline.dataFds) {
      out.add(
          "open files under the data directory "
              + dataFds
              + " (baseline "
              + baseline.dataFds
              + ")");
    }
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
