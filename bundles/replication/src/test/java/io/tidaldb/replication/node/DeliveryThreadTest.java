package io.tidaldb.replication.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.transport.FrameHandler;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.Transport;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.api.wal.WriteAheadLog;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 3: the transport's delivery thread only decodes and hands frames over; it never
 * waits for the replication thread, which owns the shards' state. Here the replication thread is
 * held (its clock blocks it) while frames arrive: every delivery returns, the frames beyond the
 * inbox's capacity are dropped and counted, status says which thread does not answer, and once the
 * thread runs again it handles the rest (it answers every heartbeat that got in).
 */
class DeliveryThreadTest {
  private static final RegionId SELF = RegionId.of(0);
  private static final RegionId PEER = RegionId.of(1);
  private static final List<RegionId> REGIONS = List.of(SELF, PEER, RegionId.of(2));

  @TempDir Path dir;

  @Test
  void shouldNeverWaitForTheReplicationThreadAndCountWhatDoesNotFit() throws Exception {
    OwnerGate owner = new OwnerGate();
    Capturing transport = new Capturing();
    try (WriteAheadLog wal =
            WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(1).build());
        ReplicationNode node =
            new ReplicationNode(
                ReplicationConfig.defaults(SELF, REGIONS, dir.resolve("epochs")),
                wal,
                transport,
                owner.clock(System::nanoTime))) {
      node.attach((shard, position, fenceEpoch) -> wal.shard(shard).truncateFrom(position));
      owner.hold(Duration.ofSeconds(10));

      int extra = 100;
      ByteBuffer heartbeat = heartbeat();
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            for (int i = 0; i < FrameInbox.CAPACITY + extra; i++) {
              transport.handler.onFrame(PEER, heartbeat.duplicate());
            }
          },
          "a delivery waited for the held replication thread");
      assertEquals(extra, node.dropped(NodeDrop.INBOX_FULL));
      UnavailableException stuck = assertThrows(UnavailableException.class, node::status);
      assertTrue(
          stuck.getMessage().contains("replication thread tidal-replication-" + SELF),
          "status names the thread that does not answer: " + stuck.getMessage());

      owner.release();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> transport.heartbeatAcks.get() == FrameInbox.CAPACITY);
    }
  }

  private static ByteBuffer heartbeat() {
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + FrameDescriptor.MAX_FIXED_BODY_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length =
        new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH)
            .heartbeat(out, 0, 0, PEER.value(), 1, 0, 0);
    return out.limit(length);
  }

  /** A transport that keeps the node's frame handler and counts the HEARTBEAT_ACKs it sends. */
  private static final class Capturing implements Transport {
    volatile FrameHandler handler;
    final AtomicInteger heartbeatAcks = new AtomicInteger();

    @Override
    public String name() {
      return "capturing";
    }

    @Override
    public int maxFrameBytes() {
      return 8 << 20;
    }

    @Override
    public TransportEndpoint open(RegionId local, FrameHandler frameHandler) {
      this.handler = frameHandler;
      return new TransportEndpoint() {
        @Override
        public RegionId local() {
          return local;
        }

        @Override
        public SendStatus send(RegionId to, ByteBuffer frame) {
          short type =
              frame
                  .duplicate()
                  .order(ByteOrder.LITTLE_ENDIAN)
                  .getShort(frame.position() + FrameDescriptor.TYPE_OFFSET);
          if (type == FrameDescriptor.HEARTBEAT_ACK) {
            heartbeatAcks.incrementAndGet();
          }
          return SendStatus.SENT;
        }

        @Override
        public void close() {}
      };
    }
  }
}
