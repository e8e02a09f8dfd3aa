package io.tidaldb.api.metrics;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Something that reports metrics: registered as a service by the bundles that own the counters,
 * asked for them on every scrape. A source reads its counters (never blocks on a lock a writer
 * holds for long) and calls the sink once per sample.
 */
@ConsumerType
public interface MetricsSource {
  /**
   * Reports every sample of this source.
   *
   * @param sink where to report them; valid only during the call
   */
  void collect(MetricsSink sink);
}
