/**
 * A simulated disk for tests ({@link io.tidaldb.support.disk.SimulatedDisk}): files opened through
 * it can be cut off from the process at an instant (a crash) and rolled back to what was fsynced (a
 * power loss). Not exported: bnd embeds this package into the bundles that use it (the test kit).
 */
package io.tidaldb.support.disk;
