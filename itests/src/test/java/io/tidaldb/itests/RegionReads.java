package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.testkit.SimulatedCluster;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Probe-side reads of a test kit cluster's regions through their {@code SignalStore} services
 * ({@code region=<n>}, {@code tidaldb.cluster=<id>}), looked up afresh for every region since a
 * restart registers a new one, and the tally of what a test wrote to compare them with.
 */
final class RegionReads {
  /** How long a region's store service may take to (re)appear. */
  static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(20);

  private RegionReads() {}

  /**
   * Returns a region's store service, waiting for it.
   *
   * @param context the probe's context
   * @param cluster the cluster
   * @param region the region
   * @return the store registered for the region
   */
  static SignalStore store(BundleContext context, SimulatedCluster cluster, RegionId region) {
    String filter = "(&(region=" + region.value() + ")(tidaldb.cluster=" + cluster.id() + "))";
    return Node.waitFor("SignalStore service " + filter, SERVICE_TIMEOUT)
        .until(
            () -> {
              Collection<ServiceReference<SignalStore>> refs =
                  context.getServiceReferences(SignalStore.class, filter);
              return refs.isEmpty() ? null : context.getService(refs.iterator().next());
            },
            Objects::nonNull);
  }

  /**
   * Reads every key of a tally on one region.
   *
   * @param store the region's store
   * @param keys the keys
   * @return per key, count and weight sum
   */
  static Map<Key, SignalAggregate> readAll(SignalStore store, Collection<Key> keys) {
    Map<Key, SignalAggregate> out = new TreeMap<>();
    for (Key k : keys) {
      out.put(k, store.read(TenantId.DEFAULT, SignalType.of(k.type()), EntityId.of(k.entity())));
    }
    return out;
  }

  /**
   * Asserts that two regions hold exactly the same count and weight sum for every key.
   *
   * @param what names the two regions, for messages
   * @param a one region's reads
   * @param b another region's reads of the same keys
   */
  static void assertSame(String what, Map<Key, SignalAggregate> a, Map<Key, SignalAggregate> b) {
    assertEquals(what + ": keys", a.keySet(), b.keySet());
    for (Map.Entry<Key, SignalAggregate> e : a.entrySet()) {
      SignalAggregate other = b.get(e.getKey());
      assertEquals(what + ": count of " + e.getKey(), e.getValue().count(), other.count());
      assertEquals(
          what + ": weight sum of " + e.getKey(), e.getValue().weightSum(), other.weightSum(), 0.0);
    }
    assertTrue(what + ": nothing compared", !a.isEmpty());
  }

  /**
   * A signal type and entity of the default tenant.
   *
   * @param type the signal type
   * @param entity the entity
   */
  record Key(String type, long entity) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = type.compareTo(o.type);
      return c != 0 ? c : Long.compare(entity, o.entity);
    }

    @Override
    public String toString() {
      return type + "/" + entity;
    }
  }
}
