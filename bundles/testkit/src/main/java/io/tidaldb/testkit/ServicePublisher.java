package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;

/**
 * Publishes each running region's store and replication as services when the test kit runs inside
 * an OSGi framework; does nothing outside one. Called under the cluster's lifecycle lock.
 */
interface ServicePublisher {
  /** The publisher outside a framework. */
  ServicePublisher NONE =
      new ServicePublisher() {
        @Override
        public void publish(RegionNode node) {}

        @Override
        public void withdraw(RegionId region) {}
      };

  /**
   * Registers the region's store and replication.
   *
   * @param node a running region
   */
  void publish(RegionNode node);

  /**
   * Unregisters what {@link #publish} registered for the region; a no-op if nothing is.
   *
   * @param region the region
   */
  void withdraw(RegionId region);

  /**
   * Returns the publisher for this environment: OSGi services if the test kit's bundle has a
   * context, else {@link #NONE} (also when no OSGi framework API is on the class path).
   *
   * @param clusterId the value of the {@code tidaldb.cluster} service property
   * @return the publisher
   */
  static ServicePublisher forEnvironment(String clusterId) {
    try {
      ServicePublisher osgi = OsgiServicePublisher.create(clusterId);
      return osgi == null ? NONE : osgi;
    } catch (LinkageError e) {
      return NONE; // plain class path without org.osgi.framework
    }
  }
}
