/**
 * The shard router: {@link io.tidaldb.router.HashShardRouter} maps (tenant, entity) to a shard by
 * hash.
 *
 * <p>Implementation, exported for the TidalDB test kit; no compatibility promise across minor
 * versions.
 */
@Export
@Version("0.1.0")
package io.tidaldb.router;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
