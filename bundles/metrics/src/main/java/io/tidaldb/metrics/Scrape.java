package io.tidaldb.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.metrics.HistogramSnapshot;
import io.tidaldb.api.metrics.MetricsSink;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One scrape: the sink every {@link io.tidaldb.api.metrics.MetricsSource} reports into, grouping
 * samples by name into families, then turned into the Prometheus client's snapshots. Samples of one
 * name must agree on type and help; a sample whose labels repeat one already reported under its
 * name is refused (the exposition would be ambiguous). Not thread-safe: one per scrape.
 */
public final class Scrape implements MetricsSink {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final String TOTAL = "_total";

  private enum Type {
    COUNTER,
    GAUGE,
    HISTOGRAM
  }

  private static final class Family {
    final Type type;
    final String help;
    final List<Object> points = new ArrayList<>();
    final Set<Labels> seen = new HashSet<>();

    Family(Type type, String help) {
      this.type = type;
      this.help = help;
    }
  }

  private final Map<String, Family> families = new LinkedHashMap<>();

  @Override
  public void counter(String name, String help, double value, String... labels) {
    if (name == null || !name.endsWith(TOTAL) || name.length() == TOTAL.length()) {
      throw new InvalidArgumentException("counter name", name, "must end in _total");
    }
    String base = name.substring(0, name.length() - TOTAL.length());
    Labels l = labels(name, labels);
    family(base, Type.COUNTER, help, l)
        .points
        .add(CounterDataPointSnapshot.builder().value(value).labels(l).build());
  }

  @Override
  public void gauge(String name, String help, double value, String... labels) {
    Labels l = labels(name, labels);
    family(name, Type.GAUGE, help, l)
        .points
        .add(GaugeDataPointSnapshot.builder().value(value).labels(l).build());
  }

  @Override
  public void histogram(String name, String help, HistogramSnapshot histogram, String... labels) {
    if (histogram == null) {
      throw new InvalidArgumentException("histogram of " + name, null, "must not be null");
    }
    Labels l = labels(name, labels);
    double[] finite = histogram.upperBounds();
    long[] counts = histogram.counts();
    double[] bounds = new double[finite.length + 1];
    System.arraycopy(finite, 0, bounds, 0, finite.length);
    bounds[finite.length] = Double.POSITIVE_INFINITY;
    family(name, Type.HISTOGRAM, help, l)
        .points
        .add(
            HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .sum(histogram.sum())
                .labels(l)
                .build());
  }

  /**
   * Returns how many samples were reported.
   *
   * @return the number of data points over every family
   */
  public int samples() {
    int n = 0;
    for (Family f : families.values()) {
      n += f.points.size();
    }
    return n;
  }

  /**
   * Turns the families into the Prometheus client's snapshots, in the order their names were first
   * reported, followed by {@code more} (the JVM's).
   *
   * @param more further snapshots; their names must not repeat one reported here
   * @return every family
   */
  public MetricSnapshots snapshots(MetricSnapshots more) {
    MetricSnapshots.Builder all = MetricSnapshots.builder();
    for (Map.Entry<String, Family> e : families.entrySet()) {
      all.metricSnapshot(snapshot(e.getKey(), e.getValue()));
    }
    for (MetricSnapshot s : more) {
      if (families.containsKey(s.getMetadata().getName())) {
        throw new InvalidArgumentException(
            "metric name", s.getMetadata().getName(), "reported twice (TidalDB and JVM)");
      }
      all.metricSnapshot(s);
    }
    return all.build();
  }

  private static MetricSnapshot snapshot(String name, Family f) {
    switch (f.type) {
      case COUNTER:
        {
          CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(f.help);
          f.points.forEach(p -> b.dataPoint((CounterDataPointSnapshot) p));
          return b.build();
        }
      case GAUGE:
        {
          GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(f.help);
          f.points.forEach(p -> b.dataPoint((GaugeDataPointSnapshot) p));
          return b.build();
        }
      default:
        {
          io.prometheus.metrics.model.snapshots.HistogramSnapshot.Builder b =
              io.prometheus.metrics.model.snapshots.HistogramSnapshot.builder()
                  .name(name)
                  .help(f.help);
          f.points.forEach(p -> b.dataPoint((HistogramDataPointSnapshot) p));
          return b.build();
        }
    }
  }

  private Family family(String name, Type type, String help, Labels labels) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidArgumentException("metric name", name, "must match " + NAME.pattern());
    }
    if (help == null || help.isBlank()) {
      throw new InvalidArgumentException("help of " + name, help, "must say what it measures");
    }
    Family f = families.computeIfAbsent(name, n -> new Family(type, help));
    if (f.type != type) {
      throw new InvalidArgumentException(
          "type of " + name, type, "already reported as " + f.type.name().toLowerCase());
    }
    if (!f.help.equals(help)) {
      throw new InvalidArgumentException("help of " + name, help, "already reported as " + f.help);
    }
    if (!f.seen.add(labels)) {
      throw new InvalidArgumentException(
          "labels of " + name, labels, "already reported under this name");
    }
    return f;
  }

  private static Labels labels(String name, String[] pairs) {
    if (pairs == null || pairs.length % 2 != 0) {
      throw new InvalidArgumentException(
          "labels of " + name,
          pairs == null ? null : String.join(",", pairs),
          "must be name, value pairs");
    }
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i] == null || !LABEL.matcher(pairs[i]).matches()) {
        throw new InvalidArgumentException(
            "label name of " + name, pairs[i], "must match " + LABEL.pattern());
      }
      if (pairs[i + 1] == null) {
        throw new InvalidArgumentException(
            "label " + pairs[i] + " of " + name, null, "must not be null");
      }
    }
    return Labels.of(pairs);
  }
}
