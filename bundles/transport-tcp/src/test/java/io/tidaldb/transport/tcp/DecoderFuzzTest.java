package io.tidaldb.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tidaldb.api.RegionId;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mutated valid streams never crash or hang the inbound pipeline: every connection either goes on
 * or is closed as a malformed frame, a refused HELLO or a HELLO timeout, never by an unexpected
 * exception (which would be counted as an {@code io error}). Runs the real pipeline of an accepting
 * region on an {@link EmbeddedChannel}, fed in random chunks; seeded, the seed printed.
 */
class DecoderFuzzTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final int ROUNDS = 2_000;

  private TcpTransport t2;

  @BeforeEach
  void start() {
    t2 =
        new TcpTransport(
            Transports.config(R2, Map.of(R1, Transports.NOT_DIALLED))
                .withLimits(4096, 64 * 1024, 64));
    t2.open(R2, new Inbox());
    t2.open(R2, 5, new Inbox());
  }

  @AfterEach
  void stop() {
    t2.close();
  }

  @Test
  void shouldNeverCrashOrHangOnMutatedFrames() {
    // -Dtidal.seed=<seed> replays a run
    long seed = Long.getLong("tidal.seed", new SplittableRandom().nextLong());
    SplittableRandom random = new SplittableRandom(seed);
    int closed = 0;
    for (int round = 0; round < ROUNDS; round++) {
      byte[] stream = mutate(validStream(random), random);
      EmbeddedChannel channel = new EmbeddedChannel();
      new LinkInitializer(t2, null).initChannel(channel);
      channel.pipeline().fireChannelActive();
      int at = 0;
      while (at < stream.length && channel.isActive()) {
        int n = Math.min(stream.length - at, 1 + random.nextInt(64));
        channel.writeInbound(Unpooled.wrappedBuffer(stream, at, n));
        channel.runPendingTasks();
        at += n;
      }
      channel.checkException();
      if (!channel.isActive()) {
        closed++;
      }
      channel.finishAndReleaseAll();
      assertEquals(
          0,
          t2.linkErrors("io error"),
          "seed " + seed + ", round " + round + ": an unexpected exception closed a connection");
    }
    assertTrue(closed > ROUNDS / 10, "seed " + seed + ": mutations should close links: " + closed);
    assertTrue(t2.metrics().malformed() > 0, "seed " + seed);
    assertTrue(t2.metrics().delivered() > 0, "seed " + seed);
  }

  /** HELLO from region 1, then a few DATA, CHANNELS and PING frames. */
  private static byte[] validStream(SplittableRandom random) {
    ByteBuf buf = Unpooled.buffer();
    TcpFrames.writeHello(buf, new TcpFrames.Hello(1, 1, 2, random.nextLong(), 4096, 0x21));
    int frames = random.nextInt(6);
    for (int i = 0; i < frames; i++) {
      switch (random.nextInt(3)) {
        case 0 -> {
          int length = 1 + random.nextInt(200);
          TcpFrames.writeHeader(buf, TcpFrames.DATA, random.nextBoolean() ? 0 : 5, length);
          byte[] body = new byte[length];
          random.nextBytes(body);
          buf.writeBytes(body);
        }
        case 1 -> TcpFrames.writeChannels(buf, random.nextInt(0x10000));
        default -> TcpFrames.writeEmpty(buf, TcpFrames.PING);
      }
    }
    byte[] out = new byte[buf.readableBytes()];
    buf.readBytes(out);
    return out;
  }

  /** Flips, overwrites, truncates or inserts bytes, or leaves the stream valid. */
  private static byte[] mutate(byte[] stream, SplittableRandom random) {
    byte[] out = stream.clone();
    switch (random.nextInt(5)) {
      case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> {
        for (int i = random.nextInt(4); i >= 0; i--) {
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
      case 3 -> {
        int at = random.nextInt(out.length);
        byte[] junk = new byte[1 + random.nextInt(8)];
        random.nextBytes(junk);
        byte[] grown = new byte[out.length + junk.length];
        System.arraycopy(out, 0, grown, 0, at);
        System.arraycopy(junk, 0, grown, at, junk.length);
        System.arraycopy(out, at, grown, at + junk.length, out.length - at);
        out = grown;
      }
      default -> {
        // valid
      }
    }
    return out;
  }
}
