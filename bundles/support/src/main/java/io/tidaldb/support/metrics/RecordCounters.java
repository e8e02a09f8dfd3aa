package io.tidaldb.support.metrics;

import io.tidaldb.api.metrics.MetricsSink;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;

/**
 * Reports every {@code long} component of a record of counters (such as a transport's metrics
 * snapshot) as a counter {@code <prefix><component in snake case>_total}, so that a snapshot record
 * and its exposition cannot drift apart. Reflection runs once per scrape, not on any write.
 */
public final class RecordCounters {
  private RecordCounters() {}

  /**
   * Reports the record's long components.
   *
   * @param sink where to report them
   * @param prefix the family prefix, e.g. {@code tidaldb_transport_}
   * @param what the words before the component's name in the help text, e.g. {@code TCP transport}
   * @param counters the record
   * @param labels labels of every sample (name, value pairs)
   */
  public static void collect(
      MetricsSink sink, String prefix, String what, Record counters, String... labels) {
    for (RecordComponent c : counters.getClass().getRecordComponents()) {
      if (c.getType() != long.class) {
        continue;
      }
      long value;
      try {
        value = (long) c.getAccessor().invoke(counters);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + c + " of " + counters.getClass(), e);
      }
      String words = snake(c.getName());
      sink.counter(
          prefix + words + "_total",
          what + ": " + words.replace('_', ' ') + " (count since start).",
          value,
          Arrays.copyOf(labels, labels.length));
    }
  }

  /**
   * Turns a camel-case name into snake case.
   *
   * @param camel e.g. {@code droppedNoEndpoint}
   * @return e.g. {@code dropped_no_endpoint}
   */
  public static String snake(String camel) {
    StringBuilder b = new StringBuilder(camel.length() + 8);
    for (int i = 0; i < camel.length(); i++) {
      char ch = camel.charAt(i);
      if (Character.isUpperCase(ch)) {
        b.append('_').append(Character.toLowerCase(ch));
      } else {
        b.append(ch);
      }
    }
    return b.toString();
  }
}
