package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.ShardLog;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.replication.wire.FrameDescriptor;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/** Every size limit a region's replication depends on is checked against the others at start. */
class SizeLimitsTest {
  private static final int MIB = 1 << 20;

  @Test
  void shouldAcceptTheDefaultsAndDeriveWhatTheRegionWritesAndAccepts() {
    SizeLimits limits = SizeLimits.check(wal(4 * MIB, 4 * MIB), transport(16 * MIB));
    assertEquals(4 * MIB + 56, limits.writeBatchBytes());
    assertEquals(4 * MIB + 56, limits.acceptBatchBytes());
    SizeLimits mixed = SizeLimits.check(wal(64 * 1024, 4 * MIB), transport(16 * MIB));
    assertEquals(4 * MIB + 56, mixed.writeBatchBytes(), "the largest shard's batches");
    assertEquals(64 * 1024 + 56, mixed.acceptBatchBytes(), "what the smallest shard takes");
    SizeLimits narrow = SizeLimits.check(wal(1024), transport(4096));
    assertEquals(1024 + 56, narrow.writeBatchBytes());
    assertEquals(1024 + 56, narrow.acceptBatchBytes());
  }

  @Test
  void shouldRefuseFramesThatCannotCarryAFullBatchWithItsHeader() {
    // 4 MiB + 32 carried the 4 MiB the shipper assumed, not a full batch with its 56-byte header
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> SizeLimits.check(wal(4 * MIB), transport(4 * MIB + 32)));
    assertTrue(e.getMessage().contains("maxFrameBytes of transport test"), e.getMessage());
    assertTrue(e.getMessage().contains("4194336"), e.getMessage());
    assertTrue(e.getMessage().contains("4194392"), e.getMessage());
    assertTrue(e.getMessage().contains("maxBatchBytes 4194304"), e.getMessage());
  }

  @Test
  void shouldRefuseBatchesAboveTheFollowerAppendQueue() {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class,
            () -> SizeLimits.check(wal(128 * MIB), transport(256 * MIB)));
    assertTrue(e.getMessage().contains("maxBatchBytes of the WAL"), e.getMessage());
    assertTrue(e.getMessage().contains("134217728"), e.getMessage());
    assertTrue(e.getMessage().contains("67108864"), e.getMessage());
  }

  @Test
  void shouldRefuseFramesThatCannotCarryTheLargestForwardReply() {
    InvalidArgumentException e =
        assertThrows(
            InvalidArgumentException.class, () -> SizeLimits.check(wal(512), transport(1000)));
    assertTrue(e.getMessage().contains("maxFrameBytes of transport test"), e.getMessage());
    assertTrue(e.getMessage().contains("1000"), e.getMessage());
    assertTrue(
        e.getMessage().contains(String.valueOf(FrameDescriptor.MAX_FORWARD_FRAME_LENGTH)),
        e.getMessage());
    assertEquals(3138, FrameDescriptor.MAX_FORWARD_FRAME_LENGTH, "three 1,024-byte fields");
  }

  /** A log whose shards have these payload limits (the only thing the check asks). */
  private static WriteAheadLog wal(int... maxBatchBytes) {
    return new WriteAheadLog() {
      @Override
      public int shardCount() {
        return maxBatchBytes.length;
      }

      @Override
      public ShardLog shard(int shard) {
        return (ShardLog)
            Proxy.newProxyInstance(
                ShardLog.class.getClassLoader(),
                new Class<?>[] {ShardLog.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("maxBatchBytes")) {
                    return maxBatchBytes[shard];
                  }
                  throw new UnsupportedOperationException(method.getName());
                });
      }

      @Override
      public void close() {}
    };
  }

  private static Transport transport(int maxFrameBytes) {
    return new Transport() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public int maxFrameBytes() {
        return maxFrameBytes;
      }

      @Override
      public TransportEndpoint open(RegionId local, FrameHandler handler) {
        throw new UnsupportedOperationException("open");
      }
    };
  }
}
