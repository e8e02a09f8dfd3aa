package io.tidaldb.support.files;

import io.tidaldb.api.StorageException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
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

  /**
   * The file operations an atomic write makes: {@link #REAL} in production; a test passes one that
   * goes through a simulated disk (and can crash at any of them).
   */
  public interface FileOps {
    /**
     * Opens a file as {@link FileChannel#open(Path, OpenOption...)} does.
     *
     * @param file the file
     * @param options the open options
     * @return the channel; closed by the caller
     * @throws IOException if it cannot be opened
     */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /**
     * Renames {@code source} to {@code target} atomically, replacing {@code target}.
     *
     * @param source the file renamed
     * @param target its new name
     * @throws IOException if it cannot be renamed
     */
    void move(Path source, Path target) throws IOException;

    /**
     * Deletes a file if it exists.
     *
     * @param file the file
     * @throws IOException if it exists and cannot be deleted
     */
    void deleteIfExists(Path file) throws IOException;

    /**
     * Fsyncs a directory.
     *
     * @param directory the directory
     * @throws IOException if it cannot be opened or forced
     */
    void syncDirectory(Path directory) throws IOException;
  }

  /** The real file system: {@link FileChannel#open}, {@link Files#move}, {@link Fsync}. */
  public static final FileOps REAL =
      new FileOps() {
        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
          return FileChannel.open(file, options);
        }

        @Override
        public void move(Path source, Path target) throws IOException {
          Files.move(
              source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void deleteIfExists(Path file) throws IOException {
          Files.deleteIfExists(file);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
          Fsync.directory(directory);
        }
      };

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
    write(target, content, REAL);
  }

  /**
   * Replaces {@code target} crash-safely like {@link #write(Path, Content)}, making every file
   * operation through {@code ops}.
   *
   * @param target the file to replace or create; its directory must exist
   * @param content writes the new content
   * @param ops the file operations to use
   * @throws StorageException as {@link #write(Path, Content)}
   */
  public static void write(Path target, Content content, FileOps ops) {
    Path tmp = tmpOf(target);
    try {
      try (FileChannel ch =
          ops.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE)) {
        content.writeTo(ch);
        ch.force(true);
      }
      ops.move(tmp, target);
    } catch (IOException | RuntimeException e) {
      StorageException failure =
          e instanceof StorageException s
              ? s
              : new StorageException("cannot write " + target + " (via " + tmp + "): " + e, e);
      try {
        ops.deleteIfExists(tmp);
      } catch (IOException | RuntimeException d) {
        failure.addSuppressed(d);
      }
      throw failure;
    }
    Path directory = target.toAbsolutePath().getParent();
    try {
      ops.syncDirectory(directory);
    } catch (IOException e) {
      throw new StorageException(
          "cannot fsync " + directory + " after renaming " + tmp + " to " + target + ": " + e, e);
    }
  }
}
