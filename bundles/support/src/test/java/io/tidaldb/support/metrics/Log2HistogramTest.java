package io.tidaldb.support.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.metrics.HistogramSnapshot;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class Log2HistogramTest {

  @Property
  void everyValueLandsInTheFirstBucketWhoseBoundHoldsIt(
      @ForAll @LongRange(min = -5, max = Long.MAX_VALUE) long value) {
    Log2Histogram h = new Log2Histogram(3, 40);
    h.record(value);
    HistogramSnapshot s = h.snapshot(1);
    double[] bounds = s.upperBounds();
    long[] counts = s.counts();
    int at = -1;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 1) {
        at = i;
      }
    }
    long v = Math.max(0, value);
    int expected = bounds.length;
    for (int i = 0; i < bounds.length; i++) {
      if (v <= bounds[i]) {
        expected = i;
        break;
      }
    }
    assertEquals(expected, at, "value " + value);
    assertEquals(1, s.count());
    assertEquals((double) v, s.sum());
  }

  @Test
  void boundsArePowersOfTwoScaled() {
    Log2Histogram h = Log2Histogram.latencyNanos();
    h.record(1_000);
    h.record(1_025);
    h.record(50_000_000_000L);
    HistogramSnapshot s = h.snapshot(1e-9);
    double[] b = s.upperBounds();
    assertEquals(25, b.length);
    assertEquals(1024e-9, b[0], 1e-15);
    assertEquals(17.179869184, b[b.length - 1], 1e-9);
    long[] c = s.counts();
    assertEquals(1, c[0]);
    assertEquals(1, c[1]);
    assertEquals(1, c[c.length - 1]);
    assertEquals(3, h.count());
    assertTrue(Math.abs(s.sum() - 50.000002025) < 1e-9);
  }

  @Test
  void refusesShiftsOutOfRange() {
    assertThrows(InvalidArgumentException.class, () -> new Log2Histogram(-1, 3));
    assertThrows(InvalidArgumentException.class, () -> new Log2Histogram(5, 4));
    assertThrows(InvalidArgumentException.class, () -> new Log2Histogram(0, 63));
  }

  @Test
  void snapshotRefusesCountsThatDoNotFitTheBounds() {
    assertThrows(
        InvalidArgumentException.class,
        () -> new HistogramSnapshot(new double[] {1, 2}, new long[] {0, 0}, 0));
    assertThrows(
        InvalidArgumentException.class,
        () -> new HistogramSnapshot(new double[] {2, 1}, new long[] {0, 0, 0}, 0));
  }
}
