package io.tidaldb.replication.shipping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tidaldb.api.RegionId;
import io.tidaldb.replication.wire.FrameDescriptor;
import io.tidaldb.replication.wire.FrameEncoder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Frames the dispatcher must refuse without throwing. */
class ShippingDispatcherTest {
  private final ShippingDispatcher dispatcher = new ShippingDispatcher(1 << 20);
  private final FrameEncoder encoder = new FrameEncoder(FrameDescriptor.MAX_FIXED_BODY_LENGTH);

  private ByteBuffer ack(int sender) {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    b.limit(encoder.ack(b, 0, 0, sender, 1, 10));
    return b;
  }

  @Test
  void shouldRefuseAFrameWhoseSenderIsNotTheTransportsFrom() {
    assertFalse(dispatcher.dispatch(RegionId.of(2), ack(3)));
    assertEquals(1, dispatcher.drops(ShippingDispatcher.Drop.SENDER_MISMATCH));
  }

  @Test
  void shouldCountMalformedUnroutedAndForeignFrames() {
    assertFalse(dispatcher.dispatch(RegionId.of(2), ByteBuffer.allocate(5)));
    assertEquals(1, dispatcher.drops(ShippingDispatcher.Drop.MALFORMED));
    assertFalse(dispatcher.dispatch(RegionId.of(2), ack(2)));
    assertEquals(1, dispatcher.drops(ShippingDispatcher.Drop.NO_TARGET));
    ByteBuffer vote = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    vote.limit(encoder.vote(vote, 0, 0, 2, 1, true));
    assertFalse(dispatcher.dispatch(RegionId.of(2), vote));
    assertEquals(1, dispatcher.drops(ShippingDispatcher.Drop.NOT_SHIPPING));
  }
}
