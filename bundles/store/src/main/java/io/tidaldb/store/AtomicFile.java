package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The store's one crash-safe file write: the content goes to {@code <target>.tmp}, which is
 * fsynced, atomically renamed over {@code target}, and the directory fsynced. A crash at any
 * instant leaves the old {@code target} or the complete new one; a failure deletes the temporary
 * file before it is reported (one left by a crash is removed at recovery: {@link Snapshots}).
 */
final class AtomicFile {
  /** The suffix of the temporary file. */
  static final String TMP_SUFFIX = ".tmp";

  /** Writes the content through the channel of the temporary file. */
  @FunctionalInterface
  interface Content {
    void writeTo(FileChannel channel) throws IOException;
  }

  private AtomicFile() {}

  /**
   * Replaces {@code target} crash-safely with what {@code content} writes.
   *
   * @throws StorageException naming the file and the failure; the temporary file is gone then
   */
  static void write(Path target, Content content) {
    Path tmp = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        content.writeTo(ch);
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      StorageException failure =
          e instanceof StorageException s
              ? s
              : new StorageException("cannot write " + target + " (via " + tmp + "): " + e, e);
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException | RuntimeException d) {
        failure.addSuppressed(d);
      }
      throw failure;
    }
    try {
      Fsync.directory(target.getParent());
    } catch (IOException e) {
      throw new StorageException("cannot fsync " + target.getParent() + ": " + e, e);
    }
  }
}
