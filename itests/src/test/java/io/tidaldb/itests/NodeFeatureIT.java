package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.SignalStore;
import io.tidaldb.api.router.ShardRouter;
import io.tidaldb.api.wal.WriteAheadLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;

/** The node feature as a whole: every bundle it lists is ACTIVE and the services are registered. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NodeFeatureIT {
  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private SignalStore store;

  @Inject
  @Filter(timeout = 20_000)
  private WriteAheadLog wal;

  @Inject
  @Filter(timeout = 20_000)
  private ShardRouter router;

  /**
   * Provisions the node.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(NodeFeatureIT.class);
  }

  /**
   * Every bundle of the feature is installed from the expected location and is ACTIVE, but
   * fragments (Netty's epoll natives), which are RESOLVED: attached to their host.
   */
  @Test
  public void everyFeatureBundleIsActive() {
    List<String> locations =
        Arrays.asList(context.getProperty(ItOptions.FEATURE_LOCATIONS).split(","));
    assertTrue(locations.size() > 10);
    List<String> notActive = new ArrayList<>();
    for (String location : locations) {
      Bundle b = context.getBundle(location);
      assertNotNull("feature bundle not installed: " + location, b);
      boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
      if (b.getState() != (fragment ? Bundle.RESOLVED : Bundle.ACTIVE)) {
        notActive.add(b.getSymbolicName() + " state " + b.getState());
      }
    }
    assertTrue("bundles not ACTIVE: " + notActive, notActive.isEmpty());
  }

  /** Netty's epoll fragment is attached to its host, so the TCP transport can use epoll. */
  @Test
  public void epollFragmentIsAttachedToItsHost() {
    Bundle host = null;
    for (Bundle b : context.getBundles()) {
      if ("io.netty.transport-classes-epoll".equals(b.getSymbolicName())) {
        host = b;
      }
    }
    assertNotNull("no io.netty.transport-classes-epoll bundle", host);
    List<BundleWire> fragments =
        host.adapt(BundleWiring.class).getProvidedWires(HostNamespace.HOST_NAMESPACE);
    assertEquals(
        "fragments of " + host.getSymbolicName() + ": " + fragments,
        List.of("io.netty.transport-native-epoll.linux-x86_64"),
        fragments.stream().map(w -> w.getRequirer().getSymbolicName()).toList());
  }

  /** No bundle of the framework at all is left INSTALLED (unresolved). */
  @Test
  public void noBundleIsUnresolved() {
    List<String> unresolved = new ArrayList<>();
    for (Bundle b : context.getBundles()) {
      if (b.getState() == Bundle.INSTALLED) {
        unresolved.add(b.getSymbolicName() + " " + b.getLocation());
      }
    }
    assertTrue("unresolved bundles: " + unresolved, unresolved.isEmpty());
  }

  /** The store, the WAL and the router are registered, and agree on the shard count. */
  @Test
  public void servicesAreRegistered() {
    assertEquals(ItOptions.SHARDS, router.shardCount());
    assertEquals(ItOptions.SHARDS, wal.shardCount());
    assertEquals(ItOptions.SHARDS, store.status().shards().size());
    assertNotNull(context.getServiceReference(SignalStore.class));
  }
}
