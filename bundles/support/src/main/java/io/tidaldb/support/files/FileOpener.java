package io.tidaldb.support.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Where a component opens the files it writes and fsyncs their directories: {@link #REAL} in
 * production (plain {@link FileChannel#open} and {@link Fsync#directory}, no wrapper), a simulated
 * disk in tests that loses what was not fsynced on a simulated power loss ({@code
 * io.tidaldb.support.disk.SimulatedDisk}).
 */
public interface FileOpener {
  /** The real file system. */
  FileOpener REAL =
      new FileOpener() {
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
