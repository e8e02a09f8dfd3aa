package io.tidaldb.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tidaldb.api.metrics.MetricsSource;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one scrape: every source's samples, the exporter's own (scrape time, failing sources) and,
 * when enabled, the JVM's basics (memory, GC, threads, class loading, CPU) from the Prometheus
 * client's {@link JvmMetrics}. A source that throws is skipped (what it reported before throwing
 * stays), counted per source class and logged once per class; the scrape goes on. Thread-safe:
 * concurrent scrapes each get their own {@link Scrape}.
 */
public final class Exporter {
  /** The content type of what {@link #write} writes. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final Logger LOG = LoggerFactory.getLogger(Exporter.class);

  private final PrometheusRegistry jvm;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
  private final LongAdder scrapes = new LongAdder();
  private volatile long lastScrapeNanos;

  /**
   * Makes an exporter.
   *
   * @param jvmMetrics whether to add the JVM's metrics (the {@code jvm_} families)
   */
  public Exporter(boolean jvmMetrics) {
    if (jvmMetrics) {
      jvm = new PrometheusRegistry();
      JvmMetrics.builder().register(jvm);
    } else {
      jvm = null;
    }
  }

  /**
   * Collects every source and writes the Prometheus text format.
   *
   * @param sources the sources to ask
   * @param out where to write; not closed
   * @return how many samples the sources reported
   * @throws IOException if writing fails
   */
  public int write(Iterable<MetricsSource> sources, OutputStream out) throws IOException {
    long start = System.nanoTime();
    Scrape scrape = new Scrape();
    for (MetricsSource source : sources) {
      try {
        source.collect(scrape);
      } catch (RuntimeException e) {
        String name = source.getClass().getName();
        LongAdder count = failures.computeIfAbsent(name, n -> new LongAdder());
        count.increment();
        if (count.sum() == 1) {
          LOG.warn(
              "metrics source {} failed; skipped on every scrape it fails (logged once)", name, e);
        }
      }
    }
    int samples = scrape.samples();
    scrapes.increment();
    scrape.counter(
        "tidaldb_metrics_scrapes_total",
        "Scrapes of /metrics answered by this node.",
        scrapes.sum());
    scrape.gauge(
        "tidaldb_metrics_last_scrape_seconds",
        "How long the previous scrape took to collect and write.",
        lastScrapeNanos / 1e9);
    failures.forEach(
        (name, count) ->
            scrape.counter(
                "tidaldb_metrics_source_failures_total",
                "Scrapes in which a metrics source threw (it is skipped; see the log).",
                count.sum(),
                "source",
                name));
    MetricSnapshots more = jvm == null ? new MetricSnapshots() : jvm.scrape();
    writer.write(out, scrape.snapshots(more));
    lastScrapeNanos = System.nanoTime() - start;
    return samples;
  }
}
