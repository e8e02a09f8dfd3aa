package io.tidaldb.support.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A channel of a {@link SimulatedDisk}: delegates to a real channel, keeps the file's {@link
 * FileState} up to date, and fails every operation once the disk crashed. Mapping and transfers are
 * not supported (no component writes through them).
 */
final class DiskChannel extends FileChannel {
  private final SimulatedDisk disk;
  private final FileChannel real;
  private final FileState state;
  private final int generation;
  private volatile boolean dead;

  DiskChannel(SimulatedDisk disk, FileChannel real, FileState state, int generation) {
    this.disk = disk;
    this.real = real;
    this.state = state;
    this.generation = generation;
  }

  /** The disk crashed: from now on every operation fails. Called under the disk's write lock. */
  void kill() {
    dead = true;
    try {
      real.close();
    } catch (IOException e) {
      // the process is dead: nothing to report to
    }
  }

  private void enter() throws IOException {
    disk.enter();
    if (dead) {
      disk.exit();
      throw new ClosedChannelException();
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    enter();
    try {
      return real.read(dst);
    } finally {
      disk.exit();
    }
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    enter();
    try {
      return real.read(dsts, offset, length);
    } finally {
      disk.exit();
    }
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    enter();
    try {
      return real.read(dst, position);
    } finally {
      disk.exit();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    enter();
    try {
      state.beforeWrite(real.position(), src.remaining());
      return real.write(src);
    } finally {
      disk.exit();
    }
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long written = 0;
    for (int i = offset; i < offset + length; i++) {
      written += write(srcs[i]);
    }
    return written;
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    enter();
    try {
      state.beforeWrite(position, src.remaining());
      return real.write(src, position);
    } finally {
      disk.exit();
    }
  }

  @Override
  public long position() throws IOException {
    enter();
    try {
      return real.position();
    } finally {
      disk.exit();
    }
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    enter();
    try {
      real.position(newPosition);
      return this;
    } finally {
      disk.exit();
    }
  }

  @Override
  public long size() throws IOException {
    enter();
    try {
      return real.size();
    } finally {
      disk.exit();
    }
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    enter();
    try {
      state.beforeTruncate(real, size);
      real.truncate(size);
      return this;
    } finally {
      disk.exit();
    }
  }

  @Override
  public void force(boolean metaData) throws IOException {
    disk.awaitForceAllowed(generation);
    enter();
    try {
      long size = real.size();
      real.force(metaData);
      state.forced(size);
    } finally {
      disk.exit();
    }
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) {
    throw new UnsupportedOperationException("transferTo on a simulated disk");
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) {
    throw new UnsupportedOperationException("transferFrom on a simulated disk");
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) {
    throw new UnsupportedOperationException("map on a simulated disk");
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    enter();
    try {
      return real.lock(position, size, shared);
    } finally {
      disk.exit();
    }
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    enter();
    try {
      return real.tryLock(position, size, shared);
    } finally {
      disk.exit();
    }
  }

  @Override
  protected void implCloseChannel() throws IOException {
    disk.closed(this);
    if (!dead) {
      real.close();
    }
  }

  @Override
  public String toString() {
    return "DiskChannel[generation " + generation + (dead ? ", dead]" : "]");
  }
}
