/**
 * Metrics without a metrics library in the engine: each bundle that has something to report
 * registers a {@link io.tidaldb.api.metrics.MetricsSource} service and keeps its own counters
 * (plain {@code LongAdder}s and fixed-bucket histograms, allocation-free on the hot path); an
 * exporter (the metrics bundle's {@code /metrics}) asks every source to {@link
 * io.tidaldb.api.metrics.MetricsSource#collect collect} into a {@link
 * io.tidaldb.api.metrics.MetricsSink} when it is scraped and writes the Prometheus text format.
 *
 * <p>Names follow Prometheus conventions: {@code tidaldb_} prefix, base units (seconds, bytes),
 * counters end in {@code _total}. Every sample carries the labels that tell its origin apart
 * ({@code region}, {@code shard}, {@code peer}, {@code tenant}, {@code cause}); a tenant's samples
 * name only that tenant (invariant I6).
 */
@Export
@Version("1.0.0")
package io.tidaldb.api.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
