/**
 * Configuration reading for DS components: {@link io.tidaldb.support.config.ConfigValues} reads a
 * component's typed configuration key by key and names the PID, key and value of anything it
 * refuses. Not exported: bnd embeds this package into each bundle that uses it.
 */
package io.tidaldb.support.config;
