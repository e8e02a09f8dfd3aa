package io.tidaldb.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.metrics.MetricsSource;
import io.tidaldb.support.metrics.Log2Histogram;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExporterTest {

  private static String scrape(Exporter exporter, List<MetricsSource> sources) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    exporter.write(sources, out);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void writesCountersGaugesAndHistogramsOfEverySourceInOneFamilyPerName() throws IOException {
    Log2Histogram fsync = Log2Histogram.latencyNanos();
    fsync.record(2_000);
    fsync.record(3_000_000);
    MetricsSource region0 =
        sink -> {
          sink.counter("tidaldb_signals_accepted_total", "Signals accepted.", 5, "region", "0");
          sink.gauge("tidaldb_queue_depth", "Queued frames.", 3, "region", "0", "peer", "1");
          sink.histogram(
              "tidaldb_wal_fsync_seconds", "fsync time.", fsync.snapshot(1e-9), "region", "0");
        };
    MetricsSource region1 =
        sink ->
            sink.counter("tidaldb_signals_accepted_total", "Signals accepted.", 7, "region", "1");
    String text = scrape(new Exporter(false), List.of(region0, region1));

    assertEquals(1, count(text, "# TYPE tidaldb_signals_accepted_total counter"), text);
    assertTrue(text.contains("tidaldb_signals_accepted_total{region=\"0\"} 5.0"), text);
    assertTrue(text.contains("tidaldb_signals_accepted_total{region=\"1\"} 7.0"), text);
    assertTrue(text.contains("tidaldb_queue_depth{peer=\"1\",region=\"0\"} 3.0"), text);
    assertTrue(text.contains("# TYPE tidaldb_wal_fsync_seconds histogram"), text);
    assertTrue(text.contains("tidaldb_wal_fsync_seconds_count{region=\"0\"} 2"), text);
    assertTrue(text.contains("tidaldb_wal_fsync_seconds_bucket{region=\"0\",le=\"+Inf\"} 2"), text);
    assertTrue(text.contains("tidaldb_metrics_scrapes_total 1.0"), text);
  }

  @Test
  void aFailingSourceIsSkippedAndCountedAndTheScrapeGoesOn() throws IOException {
    MetricsSource good = sink -> sink.gauge("tidaldb_up", "Whether the node is up.", 1);
    MetricsSource bad =
        sink -> {
          throw new IllegalStateException("boom");
        };
    Exporter exporter = new Exporter(false);
    scrape(exporter, List.of(bad, good));
    String text = scrape(exporter, List.of(bad, good));
    assertTrue(text.contains("tidaldb_up 1.0"), text);
    assertTrue(text.contains("tidaldb_metrics_source_failures_total{source=\""), text);
    assertTrue(text.contains("} 2.0"), text);
  }

  @Test
  void includesTheJvmFamiliesWhenAsked() throws IOException {
    String text = scrape(new Exporter(true), List.of());
    assertTrue(text.contains("jvm_memory_used_bytes"), text);
    assertTrue(text.contains("jvm_threads_current"), text);
  }

  @Test
  void refusesMalformedOrConflictingSamplesNamingThem() {
    Scrape s = new Scrape();
    assertThrows(InvalidArgumentException.class, () -> s.counter("tidaldb_x", "no suffix", 1));
    assertThrows(InvalidArgumentException.class, () -> s.gauge("9bad", "bad name", 1));
    assertThrows(InvalidArgumentException.class, () -> s.gauge("tidaldb_g", "odd labels", 1, "a"));
    assertThrows(
        InvalidArgumentException.class, () -> s.gauge("tidaldb_g", "bad label", 1, "1a", "v"));
    s.gauge("tidaldb_g", "a gauge", 1, "region", "0");
    InvalidArgumentException twice =
        assertThrows(
            InvalidArgumentException.class,
            () -> s.gauge("tidaldb_g", "a gauge", 2, "region", "0"));
    assertTrue(twice.getMessage().contains("tidaldb_g"), twice.getMessage());
    assertThrows(
        InvalidArgumentException.class, () -> s.counter("tidaldb_g_total", "other type", 1));
    assertThrows(InvalidArgumentException.class, () -> s.gauge("tidaldb_g", "other help", 1));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
