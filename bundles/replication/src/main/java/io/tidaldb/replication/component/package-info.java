/**
 * The replication's DS component: builds a {@link io.tidaldb.replication.node.ReplicationNode} per
 * configured region and registers it as the region's {@link
 * io.tidaldb.api.replication.Replication}. Private to the bundle.
 */
package io.tidaldb.replication.component;
