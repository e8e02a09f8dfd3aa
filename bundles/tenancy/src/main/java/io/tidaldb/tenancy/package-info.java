/**
 * The tenant registry (a state-based CRDT, {@link io.tidaldb.tenancy.TenantRegistry}), its file and
 * wire format and the region's node that gossips it ({@link io.tidaldb.tenancy.TenancyNode}).
 * Exported for the test kit only, without a compatibility promise.
 */
@Export
@Version("0.1.0")
package io.tidaldb.tenancy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
