package io.tidaldb.support.files;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The one crash-safe file write: the content goes to {@code <target>.tmp}, which is fsynced,
 * atomically renamed over {@code target}, and the directory fsynced. A crash at any instant leaves
 * the old {@code target} or the complete new one; a failure deletes the temporary file before it is
 * reported. One left by a crash is the caller's to clean (the store deletes snapshot ones at
 * recovery; the epoch store's next save truncates and overwrites it).
 */
public final class AtomicFile {
  /** The suffix of the temporary file. */
  public static final String TMP_SUFFIX = ".tmp";

  /** Writes the content through the channel of the temporary file. */
  @FunctionalInterface
  public interface Content {
    /**
     * Writes the whole content; the channel is positioned at 0 of an empty file.
     *
     * @param channel the temporary file, open for writing; not to be closed
     * @throws IOException if a write fails
     */
    void writeTo(FileChannel channel) throws IOException;
  }

  private AtomicFile() {}

  /**
   * Returns the temporary file the write of {@code target} goes through.
   *
   * @param target the file written
   * @return {@code <target>.tmp} in the same directory
   */
  public static Path tmpOf(Path target) {
    return target.resolveSibling(target.getFileName() + TMP_SUFFIX);
  }

  /**
   * Replaces {@code target} crash-safely with what {@code content} writes; returns once the new
   * content and its name are durable.
   *
   * @param target the file to replace or create; its directory must exist
   * @param content writes the new content
   * @throws StorageException naming the target, the temporary file and the failure (a {@code
   *     StorageException} thrown by {@code content} passes unchanged); the temporary file is gone
   *     then. If only the final directory fsync fails, the message names the directory and the
   *     target, which may already hold the new content.
   */
  public static void write(Path target, Content content) {
    Path tmp = tmpOf(target);
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
    Path directory = target.toAbsolutePath().getParent();
    try {
      Fsync.directory(directory);
    } catch (IOException e) {
      throw new StorageException(
          "cannot fsync " + directory + " after renaming " + tmp + " to " + target + ": " + e, e);
    }
  }
}
