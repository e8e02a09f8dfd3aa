package io.tidaldb.replication.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.wire.Frame;
import io.tidaldb.replication.wire.FrameDecoder;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frames on their way from the delivery threads to the replication thread. */
class FrameInboxTest {
  private static final RegionId LEADER = RegionId.of(1);
  private static final int MAX_BODY = 1 << 22;

  @Test
  void shouldRefuseABatchBeyondTheByteBoundAndCountItUntilItIsDone() {
    FrameInbox inbox = new FrameInbox();
    int batchBytes = (1 << 20) - FrameDescriptor.HEADER_LENGTH; // 1 MiB frames: 64 fit
    ByteBuffer raw = walBatch(batchBytes);
    List<Frame> taken = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      assertNull(inbox.offer(LEADER, decode(raw), i));
    }
    assertEquals(NodeDrop.FOLLOWER_QUEUE_FULL, inbox.offer(LEADER, decode(raw), 64));
    inbox.drain((from, f, at) -> taken.add(f), FrameInbox.CAPACITY);
    assertEquals(64, taken.size());
    // drained but not yet appended: the bytes stay counted (a batch the log cannot take yet waits)
    assertEquals(NodeDrop.FOLLOWER_QUEUE_FULL, inbox.offer(LEADER, decode(raw), 65));
    inbox.batchDone(taken.get(0));
    assertNull(inbox.offer(LEADER, decode(raw), 66));
  }

  @Test
  void shouldRefuseAControlFrameBeyondTheCapacity() {
    FrameInbox inbox = new FrameInbox();
    ByteBuffer out = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
    int length = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).ack(out, 0, 0, 1, 3, 7);
    for (int i = 0; i < FrameInbox.CAPACITY; i++) {
      assertNull(inbox.offer(LEADER, decode(out.duplicate().limit(length)), i));
    }
    assertEquals(
        NodeDrop.INBOX_FULL, inbox.offer(LEADER, decode(out.duplicate().limit(length)), -1));
    out.putLong(
        FrameDescriptor.HEADER_LENGTH, -1); // the sender's buffer is reused: slots hold copies
    List<Long> seen = new ArrayList<>();
    assertEquals(
        FrameInbox.CAPACITY,
        inbox.drain(
            (from, f, at) -> {
              assertEquals(7, f.ackHwm());
              assertEquals(LEADER, from);
              seen.add(at);
            },
            FrameInbox.CAPACITY));
    assertEquals(FrameInbox.CAPACITY - 1, seen.get(FrameInbox.CAPACITY - 1));
    assertNull(inbox.offer(LEADER, decode(ackFrame()), 0), "every slot free again");
  }

  @Test
  void shouldHandOverFramesInOfferOrderAcrossTheRingsWrapAndKeepBatchesValidAfterTheirHandler() {
    FrameInbox inbox = new FrameInbox();
    ByteBuffer batch = walBatch(100);
    List<Frame> kept = new ArrayList<>();
    long next = 0;
    long expected = 0;
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < FrameInbox.CAPACITY / 2 + 7; i++) {
        assertNull(inbox.offer(LEADER, decode(i % 3 == 0 ? batch : ackFrame()), next++));
      }
      long[] seen = {expected};
      inbox.drain(
          (from, f, at) -> {
            assertEquals(seen[0]++, at, "offer order");
            if (f.type() == FrameDescriptor.WAL_BATCH) {
              kept.add(f);
            } else {
              assertEquals(7, f.ackHwm());
            }
          },
          FrameInbox.CAPACITY);
      expected = seen[0];
    }
    assertEquals(next, expected);
    for (Frame f : kept) {
      assertEquals(100, f.walBatch().remaining(), "a kept batch is its own copy");
      inbox.batchDone(f);
    }
    assertEquals(0, inbox.batchBytes());
  }

  private static ByteBuffer ackFrame() {
    ByteBuffer out = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
    int length = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH).ack(out, 0, 0, 1, 3, 7);
    return out.limit(length);
  }

  private static Frame decode(ByteBuffer frame) {
    return new FrameDecoder(MAX_BODY).decode(frame.duplicate());
  }

  /** A WAL_BATCH frame whose body is {@code bodyBytes} long (its content is not looked at here). */
  private static ByteBuffer walBatch(int bodyBytes) {
    ByteBuffer batch = ByteBuffer.allocate(bodyBytes).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer out =
        ByteBuffer.allocate(FrameDescriptor.HEADER_LENGTH + bodyBytes)
            .order(ByteOrder.LITTLE_ENDIAN);
    int length = new FrameEncoder(MAX_BODY).walBatch(out, 0, 0, 1, 3, batch);
    return out.limit(length);
  }
}
