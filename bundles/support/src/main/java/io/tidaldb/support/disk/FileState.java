package io.tidaldb.support.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What a force made durable of one file: its length then, and undo copies of the durable bytes
 * overwritten or cut since. Guarded by its own monitor.
 */
final class FileState {
  /** Durable bytes at {@code offset} before a write or cut replaced them. */
  record Undo(long offset, byte[] bytes) {}

  private final Path path;
  private long durableLength;
  private final List<Undo> undo = new ArrayList<>();

  FileState(Path path, long durableLength) {
    this.path = path;
    this.durableLength = durableLength;
  }

  /** Before writing {@code length} bytes at {@code offset}: keeps the durable bytes it replaces. */
  synchronized void beforeWrite(long offset, long length) throws IOException {
    long end = Math.min(durableLength, offset + length);
    if (offset < end) {
      keep(offset, end);
    }
  }

  /** Before cutting the file to {@code size}: keeps the durable bytes the cut removes. */
  synchronized void beforeTruncate(FileChannel real, long size) throws IOException {
    long end = Math.min(durableLength, real.size());
    if (size < end) {
      keep(size, end);
    }
  }

  /** After a force: the file as it is now is durable. */
  synchronized void forced(long size) {
    durableLength = size;
    undo.clear();
  }

  synchronized long rollBack(Path file) throws IOException {
    long lost = SimulatedDisk.rollBackFile(file, durableLength, undo);
    undo.clear();
    return lost;
  }

  /** Reads the bytes through a channel of its own: the writer's may be write-only. */
  private void keep(long from, long to) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(to - from));
    try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
      long at = from;
      while (b.hasRemaining()) {
        int n = in.read(b, at);
        if (n < 0) {
          break;
        }
        at += n;
      }
    }
    undo.add(new Undo(from, b.array()));
  }
}
