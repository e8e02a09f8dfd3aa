package io.tidaldb.testkit;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The cluster's root directory: the given one (kept) or a fresh temporary one (deleted). */
final class ClusterDirectory {
  private final Path root;
  private final boolean owned;

  private ClusterDirectory(Path root, boolean owned) {
    this.root = root;
    this.owned = owned;
  }

  /**
   * Creates {@code given}, or a temporary directory if it is null.
   *
   * @throws StorageException if the directory cannot be created
   */
  static ClusterDirectory open(Path given) {
    try {
      if (given == null) {
        return new ClusterDirectory(Files.createTempDirectory("tidal-cluster-"), true);
      }
      return new ClusterDirectory(Files.createDirectories(given), false);
    } catch (IOException e) {
      throw new StorageException(
          "cannot create the cluster directory " + (given == null ? "(temporary)" : given), e);
    }
  }

  Path root() {
    return root;
  }

  /**
   * Deletes the tree if this directory is a temporary one; a failure is added to {@code into} if
   * given, else thrown.
   */
  void deleteIfOwned(Throwable into) {
    if (!owned || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      List<Path> paths = walk.sorted(Comparator.reverseOrder()).toList();
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      if (into == null) {
        throw new StorageException("cannot delete the cluster directory " + root, e);
      }
      into.addSuppressed(e);
    }
  }
}
