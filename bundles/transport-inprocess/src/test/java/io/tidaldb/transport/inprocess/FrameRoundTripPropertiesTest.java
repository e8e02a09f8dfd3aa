package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The round-trip law of a link: whatever frames are sent, from whatever kind of buffer (heap at an
 * offset, direct, read-only, a slice) and of whatever size (pooled size classes and larger), the
 * receiver gets exactly those bytes, in send order, and the sender's buffers keep their position
 * and limit. jqwik prints the seed of a failing run; rerun with {@code @Property(seed = "...")}.
 */
class FrameRoundTripPropertiesTest {
  private static final int MAX_FRAME = 2 * FramePool.MAX_POOLED + 7;

  /**
   * A frame to send: its length and content (pseudo-random bytes from a seed, cheaper to generate
   * than arbitrary arrays of 100 KiB), how it is wrapped, and where in the buffer it sits.
   */
  record Sent(int length, long content, int kind, int offset) {
    byte[] bytes() {
      byte[] bytes = new byte[length];
      new Random(content).nextBytes(bytes);
      return bytes;
    }

    ByteBuffer buffer() {
      byte[] bytes = bytes();
      ByteBuffer b =
          kind == 1
              ? ByteBuffer.allocateDirect(offset + bytes.length + 3)
              : ByteBuffer.allocate(offset + bytes.length + 3);
      b.position(offset);
      b.put(bytes);
      b.position(offset).limit(offset + bytes.length);
      return switch (kind) {
        case 2 -> b.asReadOnlyBuffer();
        case 3 -> b.slice();
        default -> b;
      };
    }
  }

  @Property(tries = 150)
  void framesShouldArriveIdenticalAndInOrder(@ForAll("frameLists") List<Sent> frames) {
    Inbox inbox = new Inbox();
    try (InProcessTransport transport =
        new InProcessTransport(new InProcessConfig(MAX_FRAME, 64, 64L * MAX_FRAME))) {
      TransportEndpoint sender = transport.open(RegionId.of(1), (from, f) -> {});
      transport.open(RegionId.of(2), inbox);
      for (Sent s : frames) {
        ByteBuffer buffer = s.buffer();
        int position = buffer.position();
        int limit = buffer.limit();
        assertEquals(SendStatus.SENT, sender.send(RegionId.of(2), buffer));
        assertEquals(position, buffer.position());
        assertEquals(limit, buffer.limit());
      }
      List<Inbox.Received> got = inbox.awaitCount(frames.size());
      assertEquals(frames.size(), got.size());
      for (int i = 0; i < frames.size(); i++) {
        assertArrayEquals(frames.get(i).bytes(), got.get(i).bytes(), "frame " + i);
        assertEquals(RegionId.of(1), got.get(i).from());
      }
    }
  }

  @Provide
  Arbitrary<List<Sent>> frameLists() {
    Arbitrary<Integer> sizes =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.integers().between(1, 300)),
            Tuple.of(3, Arbitraries.integers().between(1, FramePool.MAX_POOLED)),
            Tuple.of(1, Arbitraries.integers().between(FramePool.MAX_POOLED, MAX_FRAME)));
    Arbitrary<Sent> sent =
        Combinators.combine(
                sizes,
                Arbitraries.longs(),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 17))
            .as(Sent::new);
    return sent.list().ofMinSize(1).ofMaxSize(40);
  }
}
