package io.tidaldb.wal;

import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where the WAL opens the segments it writes and fsyncs their directory: {@link #REAL} in
 * production (plain {@link FileChannel#open} and {@code Fsync.directory}, no wrapper), in tests a
 * simulated disk that can crash and lose what was not fsynced (the test kit's regions delegate to
 * {@code io.tidaldb.support.disk.SimulatedDisk}). Part of this exported package, so that a caller
 * in another bundle can implement it. Since 0.3.0 {@code ShardLog.resetTo} also renames and deletes
 * through it ({@link #move}, {@link #delete}); the other deletions of segments do not yet.
 */
public interface WalFiles {
  /** The real file system. */
  WalFiles REAL =
      new WalFiles() {
        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
          return FileChannel.open(file, options);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
          Fsync.directory(directory);
        }

        @Override
        public String toString() {
          return "real files";
        }
      };

  /**
   * Opens a file as {@link FileChannel#open(Path, OpenOption...)} does.
   *
   * @param file the file
   * @param options the open options
   * @return the channel; close it
   * @throws IOException if it cannot be opened
   */
  FileChannel open(Path file, OpenOption... options) throws IOException;

  /**
   * Fsyncs a directory so that the creations, renames and deletions in it are durable.
   *
   * @param directory the directory
   * @throws IOException if it cannot be opened or forced
   */
  void syncDirectory(Path directory) throws IOException;

  /**
   * Renames {@code source} to {@code target} atomically, replacing {@code target} (the commit of a
   * crash-safe file write). The default renames on the real file system.
   *
   * @param source the file renamed
   * @param target its new name
   * @throws IOException if it cannot be renamed
   * @since 0.3.0
   */
  default void move(Path source, Path target) throws IOException {
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Deletes a file if it exists. The default deletes it on the real file system.
   *
   * @param file the file
   * @throws IOException if it exists and cannot be deleted
   * @since 0.3.0
   */
  default void delete(Path file) throws IOException {
    Files.deleteIfExists(file);
  }
}
