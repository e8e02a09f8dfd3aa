package io.tidaldb.support.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Fsync helpers. */
public final class Fsync {
  private Fsync() {}

  /**
   * Fsyncs a directory so that creations, renames and deletions in it are durable.
   *
   * @param dir the directory
   * @throws IOException if it cannot be opened or forced
   */
  public static void directory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
