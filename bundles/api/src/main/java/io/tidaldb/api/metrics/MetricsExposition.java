package io.tidaldb.api.metrics;

import java.io.IOException;
import java.io.OutputStream;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A node's metrics in an exposition format, written on demand: the metrics bundle provides it
 * (collecting every {@link MetricsSource}), the HTTP API serves it at {@code GET /metrics}. Keeping
 * the format behind this service keeps the HTTP bundle free of any metrics library.
 */
@ProviderType
public interface MetricsExposition {
  /**
   * Returns the content type of what {@link #write} writes.
   *
   * @return e.g. {@code text/plain; version=0.0.4; charset=utf-8}
   */
  String contentType();

  /**
   * Collects every source and writes the exposition.
   *
   * @param out where to write; not closed
   * @throws IOException if writing fails
   */
  void write(OutputStream out) throws IOException;
}
