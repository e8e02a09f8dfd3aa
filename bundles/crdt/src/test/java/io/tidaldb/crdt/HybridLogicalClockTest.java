package io.tidaldb.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.ClockSkewException;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class HybridLogicalClockTest {
  static final long T0 = 1_700_000_000_000L;
  static final long MAX_SKEW = 500;

  final AtomicLong wall = new AtomicLong(T0);
  final HybridLogicalClock clock = new HybridLogicalClock(wall::get, MAX_SKEW);

  @Test
  void shouldStartAtZeroAndStampWithWallClockAndLogicalZero() {
    assertEquals(0, clock.current());
    long stamp = clock.now();
    assertEquals(HlcStamp.pack(T0, 0), stamp);
    assertEquals(stamp, clock.current());
  }

  @Test
  void shouldCountLogicallyWhileWallClockStandsStillOrGoesBack() {
    long first = clock.now();
    assertEquals(first + 1, clock.now());
    wall.set(T0 - 10_000);
    long third = clock.now();
    assertEquals(first + 2, third);
    assertEquals(T0, HlcStamp.physicalMillis(third));
  }

  @Test
  void shouldCarryLogicalOverflowIntoPhysicalTime() {
    long stamp = 0;
    for (int i = 0; i <= HlcStamp.MAX_LOGICAL; i++) {
      stamp = clock.now();
    }
    assertEquals(HlcStamp.pack(T0, HlcStamp.MAX_LOGICAL), stamp);
    long carried = clock.now();
    assertEquals(HlcStamp.pack(T0 + 1, 0), carried);
    assertEquals(HlcStamp.pack(T0 + 1, 1), clock.now());
    wall.set(T0 + 1);
    assertEquals(HlcStamp.pack(T0 + 1, 2), clock.now());
    wall.set(T0 + 2);
    assertEquals(HlcStamp.pack(T0 + 2, 0), clock.now());
  }

  @Test
  void shouldOrderReceiveAfterRemoteAndLocalStamps() {
    long local = clock.now();
    long remote = HlcStamp.pack(T0 + MAX_SKEW, 77);
    long received = clock.update(remote);
    assertEquals(remote + 1, received);
    assertTrue(received > local);
    long older = HlcStamp.pack(T0 - 5_000, 3);
    assertEquals(received + 1, clock.update(older));
    wall.set(T0 + 10_000);
    assertEquals(HlcStamp.pack(T0 + 10_000, 0), clock.update(older));
  }

  @Test
  void shouldRefuseRemoteStampBeyondMaxSkewAndLeaveClockUnchanged() {
    long before = clock.now();
    long remote = HlcStamp.pack(T0 + MAX_SKEW + 1, 0);
    ClockSkewException e = assertThrows(ClockSkewException.class, () -> clock.update(remote));
    assertTrue(e.getMessage().contains(Long.toString(T0 + MAX_SKEW + 1)), e.getMessage());
    assertEquals(before, clock.current());
    assertEquals(before + 1, clock.now());
  }

  @Test
  void shouldRejectNegativeRemoteStampAndBadConfiguration() {
    long before = clock.current();
    assertThrows(InvalidArgumentException.class, () -> clock.update(-1));
    assertEquals(before, clock.current());
    InvalidArgumentException e =
        assertThrows(InvalidArgumentException.class, () -> new HybridLogicalClock(wall::get, -1));
    assertEquals("maxSkewMillis", e.argument());
    HybridLogicalClock broken = new HybridLogicalClock(() -> -5, 0);
    assertThrows(InvalidArgumentException.class, broken::now);
    assertEquals(0, broken.current());
  }

  @Test
  void shouldIssueUniqueIncreasingStampsAcrossThreads() throws InterruptedException {
    int perThread = 100_000;
    long[][] stamps = new long[2][perThread];
    Thread[] threads = new Thread[2];
    for (int t = 0; t < threads.length; t++) {
      long[] mine = stamps[t];
      threads[t] =
          new Thread(
              () -> {
                for (int i = 0; i < perThread; i++) {
                  mine[i] = clock.now();
                }
              });
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
    for (long[] mine : stamps) {
      for (int i = 1; i < perThread; i++) {
        assertTrue(mine[i] > mine[i - 1], "not increasing at " + i);
      }
    }
    long[] all = new long[2 * perThread];
    System.arraycopy(stamps[0], 0, all, 0, perThread);
    System.arraycopy(stamps[1], 0, all, perThread, perThread);
    assertEquals(all.length, Arrays.stream(all).distinct().count());
  }

  @Property(tries = 200, seed = "31337")
  void shouldStayStrictlyMonotonicUnderRandomInterleavings(@ForAll long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    AtomicLong time = new AtomicLong(T0);
    HybridLogicalClock c = new HybridLogicalClock(time::get, MAX_SKEW);
    long last = c.current();
    for (int i = 0; i < 500; i++) {
      switch (random.nextInt(4)) {
        case 0 -> time.addAndGet(random.nextLong(-50, 200));
        case 1 -> {
          long remote =
              HlcStamp.pack(
                  time.get() + random.nextLong(-2_000, 2 * MAX_SKEW),
                  random.nextInt(HlcStamp.MAX_LOGICAL + 1));
          if (HlcStamp.physicalMillis(remote) - time.get() > MAX_SKEW) {
            assertThrows(ClockSkewException.class, () -> c.update(remote));
            assertEquals(last, c.current(), "seed " + seed);
          } else {
            long stamp = c.update(remote);
            assertTrue(stamp > remote && stamp > last, "seed " + seed);
            last = stamp;
          }
        }
        default -> {
          long stamp = c.now();
          assertTrue(stamp > last, "seed " + seed);
          assertTrue(HlcStamp.physicalMillis(stamp) >= time.get(), "seed " + seed);
          last = stamp;
        }
      }
      assertEquals(last, c.current(), "seed " + seed);
    }
  }
}
