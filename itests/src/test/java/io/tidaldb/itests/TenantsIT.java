package io.tidaldb.itests;

import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;
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
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Tenants at run time in Felix (issue 15, item 3): three regions configured through Configuration
 * Admin as in {@link ThreeRegionConfigIT}, each with its tenant registry ({@code
 * io.tidaldb.tenancy~rN}) bound by its store ({@code tenants.target}). A tenant created through
 * region 0's {@code TenantAdmin} is writable at every region; the tenancy bundle stopped, every
 * store keeps serving it (the reference is optional and dynamic: the store is not re-created);
 * started again and the tenant deleted at region 1 ({@code tidal:tenant delete}), every region
 * refuses it as deleted and no longer counts its entities.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TenantsIT {
  private static final int REGIONS = 3;
  private static final int ENTITIES = 10;
  private static final int SIGNALS_PER_ENTITY = 10;
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final TenantId ACME = TenantId.of("acme");
  private static final SignalType VIEW = SignalType.of("view");

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private ConfigurationAdmin configAdmin;

  /**
   * Installs every bundle of the node feature, but starts the framework only up to the test
   * bundle's level: the engine (10) and the console (20) start once the test has configured them.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ThreeRegions.options(60_000);
  }

  /** Creates, spreads, survives a tenancy bundle stop, deletes and purges. */
  @Test
  public void tenantsCreatedAtOneRegionAreWritableEverywhereAndPurgedEverywhereOnDeletion()
      throws Exception {
    Path data = ItOptions.freshDirectory(TenantsIT.class.getSimpleName());
    configureRegions(data);
    ThreeRegions.start(context);
    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      Node.waitFor("SignalStore of region " + region, DEADLINE)
          .until(() -> store(region), Objects::nonNull);
      Node.waitFor("TenantAdmin of region " + region, DEADLINE)
          .until(() -> service(TenantAdmin.class, region), Objects::nonNull);
    }
    SignalStore[] stores = new SignalStore[REGIONS];
    for (int r = 0; r < REGIONS; r++) {
      stores[r] = store(r);
    }
    long created = System.nanoTime();
    service(TenantAdmin.class, 0).create(ACME, new TenantQuotas(0, 0, 0));
    for (int entity = 1; entity <= ENTITIES; entity++) {
      for (int i = 0; i < SIGNALS_PER_ENTITY; i++) {
        writeQuorum(ACME, entity, (entity + i) % REGIONS);
      }
    }
    System.out.printf(
        "tenant created at region 0, %d QUORUM writes at every region done %.0f ms later%n",
        ENTITIES * SIGNALS_PER_ENTITY, (System.nanoTime() - created) / 1e6);
    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      Node.waitFor("region " + region + " to hold acme's writes", DEADLINE)
          .until(() -> countOn(region, ACME, EntityId.of(1)), n -> n >= SIGNALS_PER_ENTITY);
    }
    String list = console("tidal:tenants");
    assertTrue(list, list.contains("acme ACTIVE"));
    // the description adds the tenant's usage in the registry's region, from that region's store
    String described =
        Node.waitFor("acme's usage in region 1", DEADLINE)
            .until(
                () -> console("tidal:tenant describe acme --region 1"),
                d -> d.contains("usage in region 1: entities=" + ENTITIES + " bytes="));
    assertTrue(described, described.startsWith("acme ACTIVE"));

    Bundle tenancy = bundle("io.tidaldb.tenancy");
    tenancy.stop();
    for (int r = 0; r < REGIONS; r++) {
      assertSame("the store of region " + r + " is not re-created", stores[r], store(r));
      writeQuorum(ACME, 1, r); // still known: the store keeps the last known tenants
    }
    tenancy.start();
    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      Node.waitFor("TenantAdmin of region " + region + " again", DEADLINE)
          .until(() -> service(TenantAdmin.class, region), Objects::nonNull);
    }

    String deleted = console("tidal:tenant delete acme --region 1");
    assertTrue(deleted, deleted.contains("acme DELETED"));
    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      Node.waitFor("region " + region + " to refuse acme as deleted", DEADLINE)
          .until(
              () -> {
                try {
                  countOn(region, ACME, EntityId.of(1));
                  return false;
                } catch (UnknownTenantException e) {
                  return e.getMessage().contains("deleted");
                }
              },
              Boolean::booleanValue);
      ReconcileState state = service(ReconcileState.class, region);
      Node.waitFor("region " + region + " to hold no entity of acme", DEADLINE)
          .until(
              () -> {
                int n = 0;
                for (int s = 0; s < state.shardCount(); s++) {
                  n += state.entityCount(s, ACME);
                }
                return n;
              },
              n -> n == 0);
    }
    String again = console("tidal:tenant create acme");
    assertTrue(again, again.contains("names are not reused"));
  }

  private Bundle bundle(String symbolicName) {
    for (Bundle b : context.getBundles()) {
      if (symbolicName.equals(b.getSymbolicName())) {
        return b;
      }
    }
    throw new AssertionError("no bundle " + symbolicName);
  }

  private void configureRegions(Path data) throws IOException {
    Dictionary<String, Object> router = new Hashtable<>();
    router.put("shardCount", ItOptions.SHARDS);
    configAdmin.getConfiguration("io.tidaldb.router", "?").update(router);
    for (int region = 0; region < REGIONS; region++) {
      Path dir = data.resolve("region-" + region).toAbsolutePath();
      String self = "(region=" + region + ")";

      Dictionary<String, Object> wal = new Hashtable<>();
      wal.put("directory", dir.resolve("wal").toString());
      wal.put("shardCount", ItOptions.SHARDS);
      wal.put("region", region);
      factory("io.tidaldb.wal", region).update(wal);

      Dictionary<String, Object> replication = new Hashtable<>();
      replication.put("region", region);
      replication.put("regions", "0,1,2");
      replication.put("directory", dir.resolve("epochs").toString());
      replication.put("wal.target", self);
      factory("io.tidaldb.replication", region).update(replication);

      Dictionary<String, Object> store = new Hashtable<>();
      store.put("directory", dir.resolve("store").toString());
      store.put("region", region);
      store.put("wal.target", self);
      store.put("replication.target", self);
      store.put("replication.cardinality.minimum", "1");
      store.put("tenants.target", self);
      factory("io.tidaldb.store", region).update(store);

      Dictionary<String, Object> tenancy = new Hashtable<>();
      tenancy.put("region", region);
      tenancy.put("regions", "0,1,2");
      tenancy.put("directory", dir.resolve("tenancy").toString());
      tenancy.put("interval.ms", "200");
      factory("io.tidaldb.tenancy", region).update(tenancy);
    }
  }

  private org.osgi.service.cm.Configuration factory(String pid, int region) throws IOException {
    return configAdmin.getFactoryConfiguration(pid, "r" + region, "?");
  }

  /** Writes one view at QUORUM at {@code region} until acknowledged (refusals retried). */
  private void writeQuorum(TenantId tenant, int entity, int region) {
    Node.waitFor(
            "region " + region + " to acknowledge a QUORUM write of entity " + entity, DEADLINE)
        .until(
            () -> {
              SignalStore s = store(region);
              if (s == null) {
                return false;
              }
              try {
                s.signal(
                    tenant, VIEW, EntityId.of(entity), 1.0, Timestamp.now(), Durability.QUORUM);
                return true;
              } catch (UnavailableException | UnknownTenantException e) {
                return false; // not yet known there, or an election: retried
              }
            });
  }

  private long countOn(int region, TenantId tenant, EntityId entity) {
    SignalStore s = store(region);
    return s == null ? -1 : s.read(tenant, VIEW, entity).count();
  }

  private SignalStore store(int region) {
    return service(SignalStore.class, region);
  }

  private <T> T service(Class<T> type, int region) {
    return ThreeRegions.service(context, type, region);
  }

  private String console(String command) throws Exception {
    return ThreeRegions.console(context, command, DEADLINE);
  }
}
