/**
 * The signal store engine: {@link io.tidaldb.store.SignalStoreEngine} applies a region's durable
 * WAL batches to per-shard CRDT state and serves reads and top-K.
 *
 * <p>Implementation, exported for the TidalDB test kit; no compatibility promise across minor
 * versions.
 */
@Export
@Version("0.1.0")
package io.tidaldb.store;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
