/**
 * The Prometheus exposition of a node's metrics: {@link io.tidaldb.metrics.Exporter} asks every
 * {@code io.tidaldb.api.metrics.MetricsSource} into one {@link io.tidaldb.metrics.Scrape} and
 * writes the text format with the Prometheus Java client.
 */
@Export
@Version("0.1.0")
package io.tidaldb.metrics;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
