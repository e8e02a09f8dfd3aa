/**
 * Metric recorders for the engines: {@link io.tidaldb.support.metrics.Log2Histogram}, a lock-free,
 * allocation-free histogram in power-of-two buckets that turns into the api's {@code
 * HistogramSnapshot} when scraped. Not exported: bnd embeds this package into each bundle that uses
 * it.
 */
package io.tidaldb.support.metrics;
