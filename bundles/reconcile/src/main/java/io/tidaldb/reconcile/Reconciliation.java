package io.tidaldb.reconcile;

import io.tidaldb.api.RegionId;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One region's reconciliation with the other regions of its cluster. Registered as a service with
 * the property {@code region=<id>}. Thread-safe.
 */
@ProviderType
public interface Reconciliation {
  /**
   * Returns the region this reconciliation runs for.
   *
   * @return the local region
   */
  RegionId region();

  /**
   * Returns the other regions it reconciles with.
   *
   * @return the peers, in configuration order
   */
  List<RegionId> peers();

  /**
   * Runs a session with every peer now (after the one running with a peer, if any) and reports
   * them.
   *
   * @return completes once a session with every peer has finished or failed (a peer that cannot be
   *     reached fails at once and is listed in {@link ReconcileReport#failed()}); fails only if the
   *     reconciliation is closed meanwhile
   */
  CompletableFuture<ReconcileReport> reconcileAll();
}
