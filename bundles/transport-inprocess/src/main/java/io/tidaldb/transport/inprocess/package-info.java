/**
 * The in-process transport engine: bounded queues between the regions of one JVM, with link fault
 * injection. Plain Java, no OSGi: {@link io.tidaldb.transport.inprocess.InProcessTransport} is the
 * whole engine, and the DS component in {@code component} is a thin shell around it. Private to the
 * bundle (not exported).
 */
package io.tidaldb.transport.inprocess;
