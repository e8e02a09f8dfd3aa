package io.tidaldb.support.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tidaldb.api.metrics.HistogramSnapshot;
import io.tidaldb.api.metrics.MetricsSink;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordCountersTest {
  record Sample(long sent, long droppedNoEndpoint, String name, int small) {}

  @Test
  void reportsEveryLongComponentInSnakeCaseWithTheLabels() {
    List<String> seen = new ArrayList<>();
    MetricsSink sink =
        new MetricsSink() {
          @Override
          public void counter(String name, String help, double value, String... labels) {
            seen.add(name + Arrays.toString(labels) + "=" + (long) value);
          }

          @Override
          public void gauge(String name, String help, double value, String... labels) {
            seen.add("gauge " + name);
          }

          @Override
          public void histogram(String name, String help, HistogramSnapshot h, String... labels) {
            seen.add("histogram " + name);
          }
        };
    RecordCounters.collect(sink, "x_", "X", new Sample(3, 4, "n", 5), "region", "1");
    assertEquals(
        List.of("x_sent_total[region, 1]=3", "x_dropped_no_endpoint_total[region, 1]=4"), seen);
    assertEquals("tls_plaintext_peer", RecordCounters.snake("tlsPlaintextPeer"));
  }
}
