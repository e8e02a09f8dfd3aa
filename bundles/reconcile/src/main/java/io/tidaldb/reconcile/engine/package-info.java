/**
 * The reconciliation engine (plain Java, no OSGi): sessions, frames, triggers.
 *
 * <p>Implementation, exported for the TidalDB test kit (which runs one {@link
 * io.tidaldb.reconcile.engine.ReconciliationEngine} per simulated region); no compatibility promise
 * across minor versions.
 */
@Export
@Version("0.3.0")
package io.tidaldb.reconcile.engine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
