package io.tidaldb.transport.tcp;

import static org.awaitility.Awaitility.await;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import io.tidaldb.transport.tcp.TcpConfig.PeerAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A rough measurement, not a test (not run by the build): frames per second of 64-byte frames from
 * one transport to another on loopback, plaintext and then mutual TLS, each for {@code seconds}
 * after a warm-up of two seconds. One sending thread, which spins while the link is back-pressured.
 * Idle timeout off: a saturating sender must not trip the write-stall close.
 *
 * <p>Run from bundles/transport-tcp after {@code mvn ... verify}: {@code java -cp
 * target/classes:target/test-classes:$(cat cp.txt) io.tidaldb.transport.tcp.TlsThroughputMain 10}.
 */
public final class TlsThroughputMain {
  private static final RegionId R0 = RegionId.of(0);
  private static final RegionId R1 = RegionId.of(1);

  private TlsThroughputMain() {}

  /**
   * Runs both measurements.
   *
   * @param args seconds per measurement (default 10)
   * @throws InterruptedException if interrupted
   */
  public static void main(String[] args) throws InterruptedException {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    for (String mode : new String[] {"plaintext", "tls", "plaintext", "tls"}) {
      double rate = measure(mode.equals("tls"), seconds);
      System.out.printf("%-9s %,12.0f frames/s of 64 bytes (%d s)%n", mode, rate, seconds);
    }
  }

  private static double measure(boolean tls, int seconds) throws InterruptedException {
    TcpConfig acceptorConfig =
        TcpConfig.defaults(R1, "127.0.0.1", 0, Map.of(R0, Transports.NOT_DIALLED))
            .withTimings(50, 2_000, 2_000, 0);
    if (tls) {
      acceptorConfig = acceptorConfig.withTls(TlsFixtures.contexts(R1));
    }
    LongAdder received = new LongAdder();
    try (TcpTransport acceptor = new TcpTransport(acceptorConfig)) {
      TcpConfig diallerConfig =
          TcpConfig.defaults(
                  R0,
                  "127.0.0.1",
                  0,
                  Map.of(R1, new PeerAddress("127.0.0.1", acceptor.localAddress().getPort())))
              .withTimings(50, 2_000, 2_000, 0);
      if (tls) {
        diallerConfig = diallerConfig.withTls(TlsFixtures.contexts(R0));
      }
      try (TcpTransport dialler = new TcpTransport(diallerConfig)) {
        acceptor.open(R1, (from, frame) -> received.increment());
        TransportEndpoint sender = dialler.open(R0, (from, frame) -> {});
        ByteBuffer frame = ByteBuffer.allocateDirect(64);
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> sender.send(R1, frame.duplicate()) == SendStatus.SENT);
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long start = 0;
        long startCount = 0;
        long end = warmEnd + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
          long now = System.nanoTime();
          if (start == 0 && now >= warmEnd) {
            start = now;
            startCount = received.sum();
          }
          if (now >= end) {
            return (received.sum() - startCount) * 1e9 / (now - start);
          }
          for (int i = 0; i < 256; i++) {
            if (sender.send(R1, frame.duplicate()) != SendStatus.SENT) {
              Thread.onSpinWait();
            }
          }
        }
      }
    }
  }
}
