package io.tidaldb.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The disk's limits, measured in the same run as the engine so results can be read against them.
 *
 * <ul>
 *   <li>{@link #smallWriteForce}: one small positional write plus {@code FileChannel.force(false)}
 *       (fdatasync) per op; the score is fsyncs/s, the ceiling of any design that fsyncs per signal
 *       or per batch. {@code writeBytes} 4096 is a page; 64 is about one WAL batch of one signal
 *       record. {@code mode} {@code append} grows the file like a WAL segment (each fsync also
 *       flushes the new size); {@code overwrite} rewrites a preallocated, synced file.
 *   <li>{@link #sequentialWrite1MiBForce}: one sequential 1 MiB append plus force per op; ops/s
 *       equals MiB/s, the ceiling of the WAL's byte rate.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class DiskLimitsBenchmark {
  private static final long SEED = 0x7D15C_0001L;

  /** A file receiving small writes, each followed by an fdatasync. */
  @State(Scope.Thread)
  public static class SmallWrite {
    /** Bytes per write. */
    @Param({"64", "4096"})
    public int writeBytes;

    /** {@code append}: grow the file; {@code overwrite}: rewrite a preallocated file. */
    @Param({"append", "overwrite"})
    public String mode;

    private static final long FILE_BYTES = 256L << 20;
    private Path dir;
    private FileChannel channel;
    private ByteBuffer buffer;
    private long offset;

    /** Creates the file (preallocated and synced for {@code overwrite}). */
    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = BenchFiles.createTempDir("tidal-disk-");
      channel =
          FileChannel.open(
              dir.resolve("small.dat"),
              StandardOpenOption.CREATE_NEW,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      buffer = randomBuffer(writeBytes, SEED);
      if (mode.equals("overwrite")) {
        ByteBuffer chunk = randomBuffer(1 << 20, SEED + 1);
        for (long at = 0; at < FILE_BYTES; at += chunk.capacity()) {
          chunk.clear();
          write(channel, chunk, at);
        }
        channel.force(true);
      } else if (!mode.equals("append")) {
        throw new IllegalArgumentException("mode must be append or overwrite: " + mode);
      }
    }

    /** Closes and deletes the file. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
      channel.close();
      BenchFiles.deleteRecursively(dir);
    }
  }

  /** A file receiving sequential 1 MiB appends, each followed by an fdatasync. */
  @State(Scope.Thread)
  public static class BigWrite {
    private static final int CHUNK = 1 << 20;
    private static final long WRAP_BYTES = 16L << 30;
    private Path dir;
    private FileChannel channel;
    private ByteBuffer buffer;
    private long offset;

    /** Creates the file. */
    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = BenchFiles.createTempDir("tidal-disk-");
      channel =
          FileChannel.open(
              dir.resolve("big.dat"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      buffer = randomBuffer(CHUNK, SEED + 2);
    }

    /** Closes and deletes the file. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
      channel.close();
      BenchFiles.deleteRecursively(dir);
    }
  }

  /**
   * One small write and one {@code force(false)}.
   *
   * @param s the file
   * @throws IOException if the disk fails
   */
  @Benchmark
  public void smallWriteForce(SmallWrite s) throws IOException {
    s.buffer.clear();
    write(s.channel, s.buffer, s.offset);
    s.channel.force(false);
    s.offset += s.writeBytes;
    if (s.offset + s.writeBytes > SmallWrite.FILE_BYTES) {
      s.offset = 0; // from here on overwrites; 256 MiB is far beyond one trial of small writes
    }
  }

  /**
   * One sequential 1 MiB write and one {@code force(false)}: ops/s = MiB/s.
   *
   * @param b the file
   * @throws IOException if the disk fails
   */
  @Benchmark
  public void sequentialWrite1MiBForce(BigWrite b) throws IOException {
    b.buffer.clear();
    write(b.channel, b.buffer, b.offset);
    b.channel.force(false);
    b.offset += BigWrite.CHUNK;
    if (b.offset >= BigWrite.WRAP_BYTES) {
      b.offset = 0;
    }
  }

  private static void write(FileChannel channel, ByteBuffer buffer, long at) throws IOException {
    long start = at - buffer.position();
    while (buffer.hasRemaining()) {
      channel.write(buffer, start + buffer.position());
    }
  }

  private static ByteBuffer randomBuffer(int bytes, long seed) {
    byte[] data = new byte[bytes];
    new SplittableRandom(seed).nextBytes(data);
    return ByteBuffer.allocateDirect(bytes).put(data).flip();
  }
}
