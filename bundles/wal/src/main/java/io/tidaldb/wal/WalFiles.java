package io.tidaldb.wal;

import io.tidaldb.support.files.Fsync;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Where the WAL opens the segments it writes and fsyncs their directory: {@link #REAL} in
 * production (plain {@link FileChannel#open} and {@code Fsync.directory}, no wrapper), in tests a
 * simulated disk that can crash and lose what was not fsynced (the test kit's regions delegate to
 * {@code io.tidaldb.support.disk.SimulatedDisk}). Part of this exported package, so that a caller
 * in another bundle can implement it.
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
}
