/**
 * The in-process transport engine: bounded queues between the regions of one JVM, with link fault
 * injection. Plain Java, no OSGi: {@link io.tidaldb.transport.inprocess.InProcessTransport} is the
 * whole engine, and the DS component in {@code component} is a thin shell around it.
 *
 * <p>Implementation, exported for the TidalDB test kit; no compatibility promise across minor
 * versions.
 */
@Export
@Version("0.2.0")
package io.tidaldb.transport.inprocess;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
