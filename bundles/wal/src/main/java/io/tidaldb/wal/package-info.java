/**
 * The write-ahead log engine: {@link io.tidaldb.wal.WalEngine} over per-shard segment files, with
 * group commit and recovery.
 *
 * <p>Implementation, exported for the TidalDB test kit; no compatibility promise across minor
 * versions.
 */
@Export
@Version("0.3.0")
package io.tidaldb.wal;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
