package io.tidaldb.support.metrics;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.metrics.HistogramSnapshot;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of non-negative longs (nanoseconds, records, bytes) in power-of-two buckets: the
 * bounds are 2^min, 2^(min+1), ..., 2^max, then {@code +Inf}. Recording is allocation-free and
 * lock-free (a leading-zeros count, one atomic increment, one adder); any thread may record and any
 * thread may take a snapshot (which may miss observations recorded meanwhile, never count one
 * twice). Negative values are counted as 0.
 */
public final class Log2Histogram {
  private final int minShift;
  private final int maxShift;
  private final AtomicLongArray counts;
  private final LongAdder sum = new LongAdder();

  /**
   * Makes an empty histogram.
   *
   * @param minShift the first bound is 2^minShift, 0..62
   * @param maxShift the last finite bound is 2^maxShift, minShift..62
   * @throws InvalidArgumentException if the shifts are out of range
   */
  public Log2Histogram(int minShift, int maxShift) {
    if (minShift < 0 || minShift > 62) {
      throw new InvalidArgumentException("minShift", minShift, "must be 0..62");
    }
    if (maxShift < minShift || maxShift > 62) {
      throw new InvalidArgumentException("maxShift", maxShift, "must be " + minShift + "..62");
    }
    this.minShift = minShift;
    this.maxShift = maxShift;
    this.counts = new AtomicLongArray(maxShift - minShift + 2);
  }

  /**
   * A histogram of durations in nanoseconds from about 1 µs (2^10 ns) to about 17 s (2^34 ns).
   *
   * @return an empty histogram
   */
  public static Log2Histogram latencyNanos() {
    return new Log2Histogram(10, 34);
  }

  /**
   * A histogram of sizes (records, bytes) from 1 to 2^max.
   *
   * @param maxShift the last finite bound is 2^maxShift
   * @return an empty histogram
   */
  public static Log2Histogram sizes(int maxShift) {
    return new Log2Histogram(0, maxShift);
  }

  /**
   * Records one observation.
   *
   * @param value the value; negative ones count as 0
   */
  public void record(long value) {
    long v = Math.max(0, value);
    counts.incrementAndGet(bucket(v));
    sum.add(v);
  }

  int bucket(long v) {
    if (v <= (1L << minShift)) {
      return 0;
    }
    int ceilLog2 = 64 - Long.numberOfLeadingZeros(v - 1);
    return ceilLog2 > maxShift ? maxShift - minShift + 1 : ceilLog2 - minShift;
  }

  /**
   * Returns how many observations were recorded.
   *
   * @return the count
   */
  public long count() {
    long n = 0;
    for (int i = 0; i < counts.length(); i++) {
      n += counts.get(i);
    }
    return n;
  }

  /**
   * Takes a snapshot, its bounds and sum multiplied by {@code scale} (1e-9 turns nanoseconds into
   * the seconds Prometheus expects; 1 keeps counts).
   *
   * @param scale the unit conversion
   * @return the snapshot
   */
  public HistogramSnapshot snapshot(double scale) {
    int finite = maxShift - minShift + 1;
    double[] bounds = new double[finite];
    long[] c = new long[finite + 1];
    for (int i = 0; i < finite; i++) {
      bounds[i] = (double) (1L << (minShift + i)) * scale;
    }
    for (int i = 0; i <= finite; i++) {
      c[i] = counts.get(i);
    }
    return new HistogramSnapshot(bounds, c, sum.sum() * scale);
  }
}
