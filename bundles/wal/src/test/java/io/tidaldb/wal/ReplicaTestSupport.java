package io.tidaldb.wal;

import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WalBatch;
import io.tidaldb.api.wal.WalReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/** Helpers of the replicated-append tests: copies of a leader's batches, crafted batches. */
final class ReplicaTestSupport {
  private ReplicaTestSupport() {}

  /**
   * Copies every durable batch of {@code log} from {@code from} on, as a leader would ship them.
   */
  static List<ByteBuffer> batchesOf(ShardLog log, long from) {
    List<ByteBuffer> out = new ArrayList<>();
    try (WalReader reader = log.openReader(from)) {
      for (WalBatch b = reader.next(); b != null; b = reader.next()) {
        out.add(copy(b.bytes()));
      }
    }
    return out;
  }

  /**
   * Writes {@code batches} batches of {@code records} signals each, all of epoch {@code epoch}, to
   * a leader log in {@code dir} (opened and closed once per batch: closing commits the records as
   * one batch) and returns copies of them.
   */
  static List<ByteBuffer> leaderBatches(Path dir, int batches, int records, long epoch) {
    WalConfig config =
        WalTestSupport.small(dir).groupCommitDelayNanos(WalConfig.MAX_DELAY_NANOS).build();
    for (int i = 0; i < batches; i++) {
      try (WalEngine leaderWal = WalEngine.open(config)) {
        leaderWal.shard(0).advanceEpoch(epoch);
        for (int r = 0; r < records; r++) {
          leaderWal.shard(0).appendSignal(r, r, r, r, r, 0);
        }
      }
    }
    try (WalEngine leaderWal = WalEngine.open(config)) {
      return batchesOf(leaderWal.shard(0), 0);
    }
  }

  /** A heap copy of the buffer's remaining bytes, positioned at 0. */
  static ByteBuffer copy(ByteBuffer source) {
    ByteBuffer copy = ByteBuffer.allocate(source.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(source.duplicate());
    return copy.flip();
  }

  /** A copy of {@code batch} changed by {@code change}, with its CRC recomputed. */
  static ByteBuffer resealed(ByteBuffer batch, Consumer<ByteBuffer> change) {
    ByteBuffer b = copy(batch);
    change.accept(b);
    int payload = b.getInt(BatchDescriptor.PAYLOAD_LENGTH_OFFSET);
    b.putInt(
        BatchDescriptor.CRC_OFFSET,
        BatchDescriptor.computeCrc(new CRC32C(), b.duplicate(), 0, payload));
    return b;
  }

  static long firstPosition(ByteBuffer batch) {
    return batch.getLong(batch.position() + BatchDescriptor.FIRST_POSITION_OFFSET);
  }

  static long epoch(ByteBuffer batch) {
    return batch.getLong(batch.position() + BatchDescriptor.EPOCH_OFFSET);
  }

  static int recordCount(ByteBuffer batch) {
    return batch.getInt(batch.position() + BatchDescriptor.RECORD_COUNT_OFFSET);
  }

  static long end(ByteBuffer batch) {
    return firstPosition(batch) + recordCount(batch);
  }

  /** Feeds every batch to {@code follower} and waits until the last one is durable. */
  static void follow(ShardLog follower, List<ByteBuffer> batches) {
    long end = -1;
    for (ByteBuffer b : batches) {
      end = follower.appendReplicated(b);
      if (end != end(b)) {
        throw new AssertionError("appendReplicated returned " + end + ", batch ends at " + end(b));
      }
    }
    if (end > 0) {
      follower.awaitDurable(end - 1, WalTestSupport.WAIT_NANOS);
    }
  }

  /** Asserts that a follower refuses {@code batch}, naming {@code what}, its log unchanged. */
  static void assertRefused(ShardLog follower, ByteBuffer batch, String what) {
    io.tidaldb.api.InvalidArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.tidaldb.api.InvalidArgumentException.class, () -> follower.appendReplicated(batch));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(what), e.getMessage());
    org.junit.jupiter.api.Assertions.assertTrue(
        e.getMessage().contains("log unchanged"), e.getMessage());
  }
}
