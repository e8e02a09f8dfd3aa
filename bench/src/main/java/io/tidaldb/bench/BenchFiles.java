package io.tidaldb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Data directories of the benchmarks: each trial gets a fresh temporary directory, deleted in its
 * {@code @TearDown}. The parent is {@code -Dtidal.bench.dir} if set, else {@code java.io.tmpdir};
 * pass the property to the forked JVM with {@code -jvmArgsPrepend -Dtidal.bench.dir=...} to measure
 * another disk ({@code -jvmArgsAppend} on the command line replaces a benchmark's annotated {@code
 * jvmArgsAppend}, its heap settings among them: bench/RESULTS.md §17.7).
 */
final class BenchFiles {
  private BenchFiles() {}

  /**
   * Creates a fresh, empty directory for one trial.
   *
   * @param prefix the name prefix, naming the benchmark
   * @return the new directory
   */
  static Path createTempDir(String prefix) {
    try {
      String parent = System.getProperty("tidal.bench.dir");
      if (parent == null) {
        return Files.createTempDirectory(prefix);
      }
      Path base = Path.of(parent);
      Files.createDirectories(base);
      return Files.createTempDirectory(base, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create benchmark directory " + prefix, e);
    }
  }

  /**
   * Deletes a directory tree; a null or missing directory is ignored.
   *
   * @param dir the directory
   */
  static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.delete(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              if (e != null) {
                throw e;
              }
              Files.delete(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete benchmark directory " + dir, e);
    }
  }
}
