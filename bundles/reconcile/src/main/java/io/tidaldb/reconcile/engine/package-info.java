/**
 * The reconciliation engine (plain Java, no OSGi): sessions, frames, triggers. Private to the
 * bundle.
 */
package io.tidaldb.reconcile.engine;
