/**
 * TidalDB's public model and store service.
 *
 * <p>A <em>signal</em> ({@link io.tidaldb.api.Signal}) is a weighted event {@code (tenant, type,
 * entity, weight, event time)}, one value from the caller through a store and its replication. The
 * {@link io.tidaldb.api.SignalStore} accepts signals, acknowledges each once it is durable, and
 * serves per-entity aggregates ({@link io.tidaldb.api.SignalAggregate}) and top-K lists ({@link
 * io.tidaldb.api.RankedEntity}). Every value type here validates on construction and throws an
 * {@link io.tidaldb.api.InvalidArgumentException} that names the offending value, so bad input is
 * refused before it reaches a log or a state.
 *
 * <p>Exceptions form one hierarchy under {@link io.tidaldb.api.TidalException}: bad input ({@link
 * io.tidaldb.api.InvalidArgumentException}, {@link io.tidaldb.api.UnknownTenantException}), a
 * service that cannot serve right now ({@link io.tidaldb.api.UnavailableException}; a read that
 * would be older than its {@link io.tidaldb.api.ReadToken} or staleness bound: {@link
 * io.tidaldb.api.StaleReadException}), and storage failures that name a file and offset ({@link
 * io.tidaldb.api.StorageException}).
 */
@Export
@Version("1.10.0")
package io.tidaldb.api;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
