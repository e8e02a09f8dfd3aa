package io.tidaldb.api.metrics;

import io.tidaldb.api.InvalidArgumentException;
import java.util.Arrays;

/**
 * The buckets of a histogram at one instant: {@code counts[i]} observations were at most {@code
 * upperBounds[i]} and above the bound before it; {@code counts[upperBounds.length]} were above the
 * last bound (the {@code +Inf} bucket). Not cumulative.
 */
public final class HistogramSnapshot {
  private final double[] upperBounds;
  private final long[] counts;
  private final double sum;

  /**
   * Makes a snapshot, copying the arrays.
   *
   * @param upperBounds finite, strictly increasing bounds
   * @param counts one count per bound plus the {@code +Inf} bucket, each {@code >= 0}
   * @param sum the sum of every observation
   * @throws InvalidArgumentException if the arrays do not fit together
   */
  public HistogramSnapshot(double[] upperBounds, long[] counts, double sum) {
    if (counts.length != upperBounds.length + 1) {
      throw new InvalidArgumentException(
          "histogram counts",
          counts.length,
          "must be one per bound plus +Inf (" + (upperBounds.length + 1) + ")");
    }
    for (int i = 0; i < upperBounds.length; i++) {
      if (!Double.isFinite(upperBounds[i]) || (i > 0 && upperBounds[i] <= upperBounds[i - 1])) {
        throw new InvalidArgumentException(
            "histogram bound", upperBounds[i], "must be finite and above the one before");
      }
    }
    for (long c : counts) {
      if (c < 0) {
        throw new InvalidArgumentException("histogram count", c, "must be >= 0");
      }
    }
    this.upperBounds = upperBounds.clone();
    this.counts = counts.clone();
    this.sum = sum;
  }

  /**
   * Returns the bounds.
   *
   * @return a copy of the finite upper bounds
   */
  public double[] upperBounds() {
    return upperBounds.clone();
  }

  /**
   * Returns the counts per bucket, the {@code +Inf} bucket last.
   *
   * @return a copy of the counts, not cumulative
   */
  public long[] counts() {
    return counts.clone();
  }

  /**
   * Returns the number of observations.
   *
   * @return the sum of the counts
   */
  public long count() {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }

  /**
   * Returns the sum of the observations.
   *
   * @return the sum
   */
  public double sum() {
    return sum;
  }

  @Override
  public String toString() {
    return "HistogramSnapshot[bounds="
        + Arrays.toString(upperBounds)
        + ", counts="
        + Arrays.toString(counts)
        + ", sum="
        + sum
        + "]";
  }
}
