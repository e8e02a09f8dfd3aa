package io.tidaldb.transport.inprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Size classes, recycling and the retention bound of the frame buffer pool. */
class FramePoolTest {

  @Property(tries = 500)
  void everyPooledLengthShouldGetTheSmallestPowerOfTwoThatHoldsIt(
      @ForAll @IntRange(min = 1, max = FramePool.MAX_POOLED) int length) {
    Frame frame = new FramePool().acquire(length);
    int capacity = frame.capacity();
    assertEquals(1, Integer.bitCount(capacity), "a power of two: " + capacity);
    assertTrue(capacity >= length, capacity + " holds " + length);
    assertTrue(capacity == FramePool.MIN_POOLED || capacity / 2 < length, capacity + " smallest");
  }

  @Test
  void shouldRecycleAReleasedFrameOfTheSameSizeClass() {
    FramePool pool = new FramePool();
    Frame first = pool.acquire(100);
    pool.release(first);
    assertEquals(1, pool.idle());
    assertSame(first, pool.acquire(128), "same class: 65..128 bytes");
    assertEquals(0, pool.idle());
    assertNotSame(first, pool.acquire(100), "not released again, so not reused");
  }

  @Test
  void shouldAllocateLargeFramesAtTheirExactSizeAndNeverPoolThem() {
    FramePool pool = new FramePool();
    Frame large = pool.acquire(FramePool.MAX_POOLED + 1);
    assertEquals(FramePool.MAX_POOLED + 1, large.capacity());
    assertEquals(FramePool.UNPOOLED, large.sizeClass);
    pool.release(large);
    assertEquals(0, pool.idle());
  }

  @Test
  void shouldRetainABoundedNumberOfIdleFramesPerClass() {
    FramePool pool = new FramePool();
    int max = FramePool.RETAINED_BYTES_PER_CLASS / FramePool.MAX_POOLED;
    for (int i = 0; i < max + 10; i++) {
      pool.release(new Frame(FramePool.MAX_POOLED, FramePool.sizeClass(FramePool.MAX_POOLED)));
    }
    assertEquals(Math.max(FramePool.MIN_RETAINED, max), pool.idle());
  }

  @Test
  void shouldExposeOnlyTheFramesBytesThroughAReadOnlyView() {
    Frame frame = new FramePool().acquire(3);
    ByteBuffer source = ByteBuffer.wrap(new byte[] {9, 1, 2, 3, 9}).position(1).limit(4);
    frame.copyFrom(source);
    assertEquals(1, source.position());
    ByteBuffer view = frame.view();
    assertTrue(view.isReadOnly());
    assertEquals(3, view.remaining());
    assertEquals(0, view.position());
    assertEquals(1, view.get(0));
    assertEquals(3, view.get(2));
    view.position(2); // a handler may move the view; the next use starts afresh
    assertEquals(0, frame.view().position());
  }
}
