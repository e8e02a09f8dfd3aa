/**
 * Sharding: the {@link io.tidaldb.api.router.ShardRouter} maps (tenant, entity) to one of a fixed
 * number of shards. The mapping is part of the on-disk and on-the-wire contract: every region
 * computes it alike and it never changes for a given shard count.
 */
@Export
@Version("1.0.0")
package io.tidaldb.api.router;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
