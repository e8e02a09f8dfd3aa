package io.tidaldb.transport.inprocess;

import static io.tidaldb.transport.inprocess.Inbox.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.transport.LinkShape;
import io.tidaldb.api.transport.SendStatus;
import io.tidaldb.api.transport.TransportEndpoint;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Shaped links, one sender thread per link so that every run with one seed makes the same
 * decisions: loss drops about p of N frames (the same ones for the same seed), duplication delivers
 * frames twice in a row, reordering swaps a frame with the next one, delay delivers no earlier than
 * the delay and keeps the order; each counted. Seeds print and are taken from {@code -Dtidal.seed}.
 */
class LinkShapingTest {
  private static final RegionId R1 = RegionId.of(1);
  private static final RegionId R2 = RegionId.of(2);
  private static final RegionId R3 = RegionId.of(3);
  private static final int N = 2_000;

  @Test
  void shouldLoseAboutPOfNFramesTheSameOnesForTheSameSeed() {
    long seed = Inbox.seed("shouldLoseAboutPOfNFramesTheSameOnesForTheSameSeed");
    LinkShape shape = LinkShape.seeded(seed).withLoss(0.1);
    Run first = run(shape, N);
    Run again = run(shape, N);
    int received = first.sequence.size();
    // 10 % of 2,000: mean 200 lost, standard deviation ~13.4; six of them either side
    assertTrue(
        received >= N - 280 && received <= N - 120, received + " of " + N + "; seed " + seed);
    assertEquals(N - received, first.metrics.lost(), "seed " + seed);
    assertEquals(N, first.metrics.sent(), "a lost frame was still SENT; seed " + seed);
    assertEquals(first.sequence, again.sequence, "same seed, same frames lost; seed " + seed);
    assertEquals(sorted(first.sequence), first.sequence, "loss alone keeps the order");
    Run other = run(shape.withSeed(seed + 1), N);
    assertNotEquals(first.sequence, other.sequence, "another seed, other frames lost");
  }

  @Test
  void shouldDeliverSomeFramesTwiceInARowAndCountThem() {
    long seed = Inbox.seed("shouldDeliverSomeFramesTwiceInARowAndCountThem");
    LinkShape shape = LinkShape.seeded(seed).withDuplication(0.05);
    Run first = run(shape, N);
    long duplicated = first.metrics.duplicated();
    assertTrue(duplicated >= 40 && duplicated <= 160, duplicated + " duplicated; seed " + seed);
    assertEquals(N + duplicated, first.sequence.size(), "seed " + seed);
    assertEquals(N + duplicated, first.metrics.delivered(), "each copy is a delivery");
    List<Integer> twice = new ArrayList<>();
    for (int i = 1; i < first.sequence.size(); i++) {
      int seq = first.sequence.get(i);
      assertTrue(seq >= first.sequence.get(i - 1), "in order; seed " + seed);
      if (seq == first.sequence.get(i - 1)) {
        twice.add(seq);
      }
    }
    assertEquals(duplicated, twice.size(), "the copy follows its original; seed " + seed);
    assertEquals(range(N), new ArrayList<>(new TreeSet<>(first.sequence)));
    assertEquals(first.sequence, run(shape, N).sequence, "same seed, same duplicates");
  }

  @Test
  void shouldSwapAHeldBackFrameWithTheNextOneAndDeliverEveryFrameOnce() {
    long seed = Inbox.seed("shouldSwapAHeldBackFrameWithTheNextOneAndDeliverEveryFrameOnce");
    LinkShape shape = LinkShape.seeded(seed).withReorder(0.05);
    Run first = run(shape, N);
    assertEquals(range(N), sorted(first.sequence), "every frame exactly once; seed " + seed);
    int swaps = 0;
    for (int i = 1; i < first.sequence.size(); i++) {
      int earlier = first.sequence.get(i - 1);
      int later = first.sequence.get(i);
      if (later < earlier) {
        assertEquals(earlier - 1, later, "a frame moves behind the next one only; seed " + seed);
        swaps++;
      }
    }
    long reordered = first.metrics.reordered();
    assertEquals(reordered, swaps, "seed " + seed);
    assertTrue(reordered >= 30 && reordered <= 150, reordered + " swaps; seed " + seed);
  }

  @Test
  void shouldReleaseAHeldBackFrameThatNoFrameFollows() {
    try (InProcessTransport transport = new InProcessTransport()) {
      Inbox in2 = new Inbox();
      TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
      transport.open(R2, in2);
      transport.shape(R1, R2, LinkShape.seeded(1).withReorder(1.0));
      assertEquals(SendStatus.SENT, e1.send(R2, frame("alone")));
      assertEquals(List.of("alone"), in2.texts(1));
      assertEquals(0, transport.metrics().reordered());
    }
  }

  @Test
  void shouldDeliverNoEarlierThanTheDelayAndInSendOrder() {
    long seed = Inbox.seed("shouldDeliverNoEarlierThanTheDelayAndInSendOrder");
    Duration delay = Duration.ofMillis(60);
    int n = 50;
    long[] sentAt = new long[n];
    long[] receivedAt = new long[n];
    List<Integer> order = new ArrayList<>();
    try (InProcessTransport transport = new InProcessTransport()) {
      TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
      transport.open(
          R2,
          (from, f) -> {
            int seq = f.getInt(f.position());
            receivedAt[seq] = System.nanoTime();
            synchronized (order) {
              order.add(seq);
            }
          });
      transport.shape(R1, R2, LinkShape.seeded(seed).withDelay(delay, Duration.ofMillis(40)));
      for (int i = 0; i < n; i++) {
        sentAt[i] = System.nanoTime();
        assertEquals(SendStatus.SENT, e1.send(R2, ByteBuffer.allocate(4).putInt(0, i)));
      }
      Inbox.waiting()
          .until(
              () -> {
                synchronized (order) {
                  return order.size() == n;
                }
              });
      assertEquals(range(n), order, "jitter does not reorder; seed " + seed);
      for (int i = 0; i < n; i++) {
        long took = receivedAt[i] - sentAt[i];
        assertTrue(took >= delay.toNanos(), "frame " + i + " after " + took + " ns; seed " + seed);
      }
      assertEquals(n, transport.metrics().delayed());
    }
  }

  @Test
  void shouldShapeLinksCreatedLaterAndStopOnReset() {
    try (InProcessTransport transport = new InProcessTransport()) {
      LinkShape lossy = LinkShape.seeded(7).withLoss(1.0);
      transport.shapeAll(lossy);
      transport.shape(R3, R2, LinkShape.NONE);
      assertEquals(lossy, transport.shapeOf(R1, R2));
      assertEquals(LinkShape.NONE, transport.shapeOf(R3, R2));
      Inbox in2 = new Inbox();
      TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
      TransportEndpoint e3 = transport.open(R3, (from, f) -> {});
      transport.open(R2, in2);
      assertEquals(SendStatus.SENT, e1.send(R2, frame("lost")));
      assertEquals(SendStatus.SENT, e3.send(R2, frame("from 3")));
      assertEquals(List.of("from 3"), in2.texts(1));
      assertEquals(1, transport.metrics().lost());

      transport.reset();
      assertEquals(LinkShape.NONE, transport.shapeOf(R1, R2));
      assertEquals(SendStatus.SENT, e1.send(R2, frame("from 1")));
      assertEquals(List.of("from 3", "from 1"), in2.texts(2));
    }
  }

  /** What one run of {@code n} frames over a shaped link 1 -> 2 delivered, and the counters. */
  private record Run(List<Integer> sequence, TransportMetrics metrics) {}

  private static Run run(LinkShape shape, int n) {
    try (InProcessTransport transport = new InProcessTransport()) {
      Inbox in2 = new Inbox();
      TransportEndpoint e1 = transport.open(R1, (from, f) -> {});
      transport.open(R2, in2);
      transport.shape(R1, R2, shape);
      for (int i = 0; i < n; i++) {
        while (e1.send(R2, frame(Integer.toString(i))) == SendStatus.BACK_PRESSURED) {
          Thread.yield();
        }
      }
      // every frame is delivered, lost, or its copy delivered: wait until they add up
      Inbox.waiting()
          .until(
              () -> {
                TransportMetrics m = transport.metrics();
                return in2.count() == n - m.lost() + m.duplicated()
                    && transport.queuedFrames(R1, R2) == 0;
              });
      List<Integer> sequence = in2.texts().stream().map(Integer::valueOf).toList();
      return new Run(sequence, transport.metrics());
    }
  }

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  private static List<Integer> sorted(List<Integer> list) {
    return list.stream().sorted().toList();
  }
}
