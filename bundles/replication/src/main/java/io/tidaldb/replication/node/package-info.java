/**
 * One region's replication: {@link io.tidaldb.replication.node.ReplicationNode} drives every
 * shard's leadership and WAL shipping over a transport, configured by {@link
 * io.tidaldb.replication.node.ReplicationConfig}.
 *
 * <p>Implementation, exported for the TidalDB test kit; no compatibility promise across minor
 * versions.
 */
@Export
@Version("0.2.0")
package io.tidaldb.replication.node;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
