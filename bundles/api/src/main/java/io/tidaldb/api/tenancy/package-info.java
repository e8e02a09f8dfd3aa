/**
 * Tenants at run time: the registry of tenants every region shares, their quotas, and the read side
 * the store consults.
 *
 * <p>Tenant administration is available (AP) like signal writes: each region holds the whole
 * registry as a small state-based CRDT, changes it locally ({@link
 * io.tidaldb.api.tenancy.TenantAdmin}) and gossips it to every other region, so a region cut off
 * from the rest can still create or delete tenants and every region converges after the heal. Per
 * name the registry keeps the creation stamp, the quotas (last writer wins by stamp, ties broken by
 * region) and a deletion tombstone. A deletion is absorbing: a deleted name is never live again and
 * cannot be created again, so no region can resurrect a deleted tenant's data.
 *
 * <p>The store reads the registry through {@link io.tidaldb.api.tenancy.TenantDirectory}: the
 * active and deleted tenants, their quotas, and a listener for changes. The store owns the purge of
 * a deleted tenant's state; quotas are enforced by the store at admission in the region the client
 * called, and may be overshot by writes in flight ({@link
 * io.tidaldb.api.tenancy.QuotaExceededException}).
 */
@Export
@Version("1.0.0")
package io.tidaldb.api.tenancy;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
