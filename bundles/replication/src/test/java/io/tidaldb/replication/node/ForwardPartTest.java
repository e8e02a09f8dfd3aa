package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SessionSeq;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import io.tidaldb.transport.inprocess.InProcessConfig;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One shard's part of a session batch forwarded to its leader ({@code Replication.forwardPart}):
 * one FORWARD_PART frame carrying the part's signals and session, completed by the leader's
 * FORWARD_REPLY; a part whose frame would not fit the transport's frames is refused at once, naming
 * both sizes, nothing sent, and the node keeps forwarding.
 */
class ForwardPartTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private static final SessionSeq SEQ = new SessionSeq(0x5e55_2022_0000_0001L, 9, 4);

  /** The WAL's batches (2 KiB: parts of at most 55 signals) and the transport's frames (4 KiB). */
  private static final int MAX_BATCH_BYTES = 2048;

  private static final int MAX_FRAME_BYTES = 4096;

  @TempDir Path dir;

  @Test
  void shouldSendAPartToTheLeaderAsOneForwardPartAndCompleteWithItsReply() throws Exception {
    try (WalEngine wal = wal();
        PeerProbe probe = new PeerProbe(dir, wal, frames())) {
      probe.heartbeat(1, 0, 1, 0); // region 1 leads shard 0 in epoch 1
      probe.awaitLeader(0, 1);
      List<Signal> part = part(5, 1);
      CompletableFuture<SignalAck> ack = probe.node.forwardPart(0, part, Durability.ALL, SEQ);
      Frame f = decode(probe.awaitReceived(FrameDescriptor.FORWARD_PART).bytes());
      assertEquals(part, f.forwardPartSignals());
      assertEquals(SEQ, f.forwardPartSession());
      assertEquals(FrameDescriptor.DURABILITY_ALL, f.forwardPartDurability());
      assertFalse(ack.isDone());
      long id = f.forwardPartRequestId();
      probe.send(
          1,
          (e, b, s) -> e.forwardReply(b, 0, 0, s, 1, id, 40, 41, FrameDescriptor.DURABILITY_ALL));
      assertEquals(
          new SignalAck(ShardId.of(0), 40, new HlcStamp(41), Durability.ALL),
          ack.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
    }
  }

  @Test
  void shouldRefuseAPartWhoseFrameExceedsTheTransportsFramesNamingBothSizes() throws Exception {
    try (WalEngine wal = wal();
        PeerProbe probe = new PeerProbe(dir, wal, frames())) {
      probe.heartbeat(1, 0, 1, 0);
      probe.awaitLeader(0, 1);
      // 55 signals (one WAL record of 2 KiB holds them) of 55 distinct 64-character types
      List<Signal> big = part(wal.shard(0).maxPartSignals(), wal.shard(0).maxPartSignals());
      int length = FrameEncoder.forwardPartLength(big);
      assertTrue(length > MAX_FRAME_BYTES, "the fixture's part fits a frame: " + length);
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  probe
                      .node
                      .forwardPart(0, big, Durability.QUORUM, SEQ)
                      .get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
      InvalidArgumentException refused =
          assertInstanceOf(InvalidArgumentException.class, e.getCause());
      assertTrue(
          refused.getMessage().contains(String.valueOf(length))
              && refused.getMessage().contains(String.valueOf(MAX_FRAME_BYTES)),
          refused.getMessage());
      assertTrue(
          probe.received.stream().noneMatch(r -> r.type() == FrameDescriptor.FORWARD_PART),
          "nothing sent");

      // the node keeps forwarding
      CompletableFuture<SignalAck> small =
          probe.node.forwardPart(0, part(3, 1), Durability.QUORUM, SEQ);
      Frame f = decode(probe.awaitReceived(FrameDescriptor.FORWARD_PART).bytes());
      long id = f.forwardPartRequestId();
      probe.send(
          1,
          (en, b, s) ->
              en.forwardReply(b, 0, 0, s, 1, id, 7, 8, FrameDescriptor.DURABILITY_QUORUM));
      assertEquals(7, small.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).position());
    }
  }

  private WalEngine wal() {
    return WalEngine.open(
        WalConfig.builder(dir.resolve("wal")).shardCount(1).maxBatchBytes(MAX_BATCH_BYTES).build());
  }

  private static InProcessConfig frames() {
    return new InProcessConfig(
        MAX_FRAME_BYTES, InProcessConfig.DEFAULT_QUEUE_FRAMES, InProcessConfig.DEFAULT_QUEUE_BYTES);
  }

  /** {@code n} signals of shard 0's tenant, of {@code types} distinct 64-character types. */
  private static List<Signal> part(int n, int types) {
    List<Signal> part = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String type = String.format("t%063d", i % types);
      part.add(
          new Signal(
              TenantId.of("acme"),
              SignalType.of(type),
              EntityId.of(100 + i),
              1.0 + i,
              Timestamp.ofMillis(1_700_000_000_000L + i)));
    }
    return part;
  }

  private static Frame decode(byte[] bytes) {
    return new FrameDecoder(1 << 20).decode(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
  }
}
