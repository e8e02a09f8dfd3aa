package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.replication.Replication;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;

/**
 * Registers a region's store as a {@link SignalStore} and its replication as a {@link Replication}
 * service, both with {@code region=<n>} and {@code tidaldb.cluster=<id>}, through the test kit
 * bundle's context. Only loaded when the OSGi framework API is present.
 */
final class OsgiServicePublisher implements ServicePublisher {
  /** The service property naming the region, the decimal id. */
  static final String REGION_PROPERTY = "region";

  /** The service property naming the simulated cluster. */
  static final String CLUSTER_PROPERTY = "tidaldb.cluster";

  private final BundleContext context;
  private final String clusterId;
  private final Map<RegionId, List<ServiceRegistration<?>>> registrations = new HashMap<>();

  private OsgiServicePublisher(BundleContext context, String clusterId) {
    this.context = context;
    this.clusterId = clusterId;
  }

  /** Returns a publisher, or null if the test kit is not a started bundle in a framework. */
  static OsgiServicePublisher create(String clusterId) {
    Bundle bundle = FrameworkUtil.getBundle(SimulatedCluster.class);
    BundleContext context = bundle == null ? null : bundle.getBundleContext();
    return context == null ? null : new OsgiServicePublisher(context, clusterId);
  }

  @Override
  public synchronized void publish(RegionNode node) {
    withdraw(node.region());
    Dictionary<String, Object> props = new Hashtable<>();
    props.put(REGION_PROPERTY, Integer.toString(node.region().value()));
    props.put(CLUSTER_PROPERTY, clusterId);
    List<ServiceRegistration<?>> list = new ArrayList<>(2);
    list.add(context.registerService(SignalStore.class, node.db(), props));
    list.add(context.registerService(Replication.class, node.replication(), props));
    registrations.put(node.region(), list);
  }

  @Override
  public synchronized void withdraw(RegionId region) {
    List<ServiceRegistration<?>> list = registrations.remove(region);
    if (list == null) {
      return;
    }
    for (ServiceRegistration<?> r : list) {
      try {
        r.unregister();
      } catch (IllegalStateException e) {
        // already unregistered: the test kit bundle stopped first
      }
    }
  }
}
