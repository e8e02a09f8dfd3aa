/**
 * The reconciliation's DS component: builds a {@link
 * io.tidaldb.reconcile.engine.ReconciliationEngine} per configured region and registers it as the
 * region's {@link io.tidaldb.reconcile.Reconciliation}. Private to the bundle.
 */
package io.tidaldb.reconcile.component;
