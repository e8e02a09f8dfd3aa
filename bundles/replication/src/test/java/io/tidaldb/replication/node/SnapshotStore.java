package io.tidaldb.replication.node;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.replication.ReplicaState;
import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.replication.SnapshotSink;
import io.tidaldb.api.wal.WriteAheadLog;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * A test store for snapshot catch-up: cuts the WAL like the other node tests' stores, opens
 * in-memory snapshots (deterministic bytes for a position, a CRC32C in the last 4 bytes) covering
 * the log's durable position, and receives them into memory; its sink's {@link
 * SnapshotSink#install()} verifies the checksum ({@link InvalidArgumentException} on a mismatch)
 * and resets the real log ({@code ShardLog.resetTo}), recording what it installed.
 */
final class SnapshotStore implements ReplicaState {
  private final WriteAheadLog wal;
  private final int size;

  /** Positions installed, in order. */
  final List<Long> installed = new CopyOnWriteArrayList<>();

  /** Snapshots opened and not closed. */
  final AtomicInteger open = new AtomicInteger();

  /** How many installs to corrupt (a byte flipped before the check). */
  final AtomicInteger corruptInstalls = new AtomicInteger();

  /** Called by a sink's write with the bytes written so far (the follower's replication thread). */
  volatile LongConsumer onWritten = n -> {};

  SnapshotStore(WriteAheadLog wal, int size) {
    this.wal = wal;
    this.size = size;
  }

  /** Whether this store's log is {@code log}. */
  boolean uses(WriteAheadLog log) {
    return wal == log;
  }

  @Override
  public long truncateLog(int shard, long position, long fenceEpoch) {
    return wal.shard(shard).truncateFrom(position);
  }

  @Override
  public Optional<ShardSnapshot> openSnapshot(int shard) {
    long position = wal.shard(shard).durablePosition();
    long lastEpoch = wal.shard(shard).lastEpoch();
    open.incrementAndGet();
    return Optional.of(new Snapshot(shard, position, lastEpoch, bytes(position, size)));
  }

  @Override
  public SnapshotSink receiveSnapshot(int shard, long position, long lastEpoch, long length) {
    return new Sink(shard, position, lastEpoch, (int) length);
  }

  /** The snapshot bytes of {@code position}: a pattern, then the CRC32C of the rest. */
  static byte[] bytes(long position, int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size - 4; i++) {
      b[i] = (byte) (position * 31 + i * 7);
    }
    CRC32C crc = new CRC32C();
    crc.update(b, 0, size - 4);
    ByteBuffer.wrap(b).putInt(size - 4, (int) crc.getValue());
    return b;
  }

  private static boolean verifies(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b, 0, b.length - 4);
    return ByteBuffer.wrap(b).getInt(b.length - 4) == (int) crc.getValue();
  }

  private final class Snapshot implements ShardSnapshot {
    private final int shard;
    private final long position;
    private final long lastEpoch;
    private final byte[] bytes;
    private boolean closed;

    Snapshot(int shard, long position, long lastEpoch, byte[] bytes) {
      this.shard = shard;
      this.position = position;
      this.lastEpoch = lastEpoch;
      this.bytes = bytes;
    }

    @Override
    public int shard() {
      return shard;
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public long lastEpoch() {
      return lastEpoch;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public int read(long offset, ByteBuffer dst) {
      if (offset >= bytes.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), bytes.length - offset);
      dst.put(bytes, (int) offset, n);
      return n;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        open.decrementAndGet();
      }
    }
  }

  private final class Sink implements SnapshotSink {
    private final int shard;
    private final long position;
    private final long lastEpoch;
    private final byte[] bytes;
    private int written;

    Sink(int shard, long position, long lastEpoch, int size) {
      this.shard = shard;
      this.position = position;
      this.lastEpoch = lastEpoch;
      this.bytes = new byte[size];
    }

    @Override
    public int shard() {
      return shard;
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public long lastEpoch() {
      return lastEpoch;
    }

    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public long written() {
      return written;
    }

    @Override
    public void write(long offset, ByteBuffer src) {
      if (offset != written || src.remaining() > bytes.length - written) {
        throw new InvalidArgumentException("offset", offset, "must be " + written);
      }
      int n = src.remaining();
      src.get(bytes, written, n);
      written += n;
      onWritten.accept(written);
    }

    @Override
    public long install() {
      byte[] check = bytes.clone();
      if (corruptInstalls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        check[check.length / 2] ^= 1;
      }
      if (written != bytes.length || !verifies(check)) {
        throw new InvalidArgumentException(
            "snapshot", position, "checksum mismatch in " + written + " of " + bytes.length);
      }
      long discarded = wal.shard(shard).nextPosition() - wal.shard(shard).startPosition();
      wal.shard(shard).resetTo(position, lastEpoch);
      installed.add(position);
      return discarded;
    }

    @Override
    public void close() {}
  }
}
