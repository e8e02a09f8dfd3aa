package io.tidaldb.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Receives the samples of a {@link MetricsSource}. Samples of one name may come from several
 * sources (one per region, say) and are grouped into one family by the exporter; they must then
 * agree on the type and the help text. Labels are given as name, value pairs.
 *
 * <p>A malformed name or label (not {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, an odd number of label
 * strings, a null value) is refused with an {@code InvalidArgumentException} naming it.
 */
@ProviderType
public interface MetricsSink {
  /**
   * Reports a monotonic counter.
   *
   * @param name the family name, ending in {@code _total}
   * @param help one line saying what it counts
   * @param value the count since the source started
   * @param labels name, value pairs
   */
  void counter(String name, String help, double value, String... labels);

  /**
   * Reports a value that goes up and down.
   *
   * @param name the family name
   * @param help one line saying what it measures
   * @param value the current value
   * @param labels name, value pairs
   */
  void gauge(String name, String help, double value, String... labels);

  /**
   * Reports a histogram.
   *
   * @param name the family name (base unit in the name, e.g. {@code _seconds})
   * @param help one line saying what it measures
   * @param histogram the buckets, count and sum
   * @param labels name, value pairs
   */
  void histogram(String name, String help, HistogramSnapshot histogram, String... labels);
}
