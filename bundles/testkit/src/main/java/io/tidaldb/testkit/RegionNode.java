package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.replication.Replication;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One region of a {@link SimulatedCluster}: its store and its replication while it runs. After a
 * {@linkplain SimulatedCluster#restart restart} the same node returns the reopened instances.
 */
@ProviderType
public interface RegionNode {
  /**
   * Returns the region.
   *
   * @return the region id
   */
  RegionId region();

  /**
   * Returns the region's signal store.
   *
   * @return the store
   * @throws io.tidaldb.api.UnavailableException if the region is crashed
   */
  SignalStore db();

  /**
   * Returns the region's replication.
   *
   * @return the replication
   * @throws io.tidaldb.api.UnavailableException if the region is crashed
   */
  Replication replication();

  /**
   * Returns whether the region runs (not crashed, cluster not closed).
   *
   * @return true while it runs
   */
  boolean isRunning();
}
