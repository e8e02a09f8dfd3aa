/**
 * The write-ahead log engine: {@link io.tidaldb.wal.WalEngine} over per-shard segment files, with
 * group commit and recovery.
 *
 * <p>0.6.0 adds {@code RecordDescriptor}'s compact session signal ({@code SIGNAL_SC}) and the
 * readers of both session signal forms.
 *
 * <p>0.4.0 adds the local logs ({@code WalEngine.localLog}, {@code localMetrics}, {@code
 * WalConfig.LOCAL_MAX_BATCH_BYTES}).
 *
 * <p>Implementation, exported for the TidalDB test kit; no compatibility promise across minor
 * versions.
 */
@Export
@Version("0.6.0")
package io.tidaldb.wal;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
