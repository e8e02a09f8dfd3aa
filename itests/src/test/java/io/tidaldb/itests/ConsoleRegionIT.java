package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Objects;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The console with three regions in one framework (configured as {@link ThreeRegionConfigIT} does):
 * {@code tidal:use 1} makes region 1 the console's region, and it stays so when region 1's store is
 * re-registered after a configuration change, and when its configuration is deleted (the commands
 * then say region 1's store is not registered, never writing to another region) and created again.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConsoleRegionIT {
  private static final int REGIONS = 3;
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private ConfigurationAdmin configAdmin;

  private CommandSession session;
  private ByteArrayOutputStream out;

  /**
   * Installs the node feature with the framework held below the engine's start level, as {@link
   * ThreeRegionConfigIT} does.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ThreeRegions.options(60_000);
  }

  /**
   * Chooses region 1, writes through it, changes and then deletes and re-creates its store's
   * configuration: the console's region stays region 1 throughout.
   */
  @Test
  public void consoleRegionChangesOnlyByTidalUse() throws Exception {
    Path data = ItOptions.freshDirectory(ConsoleRegionIT.class.getSimpleName());
    for (int region = 0; region < REGIONS; region++) {
      configure(data, region);
    }
    ThreeRegions.start(context);
    for (int r = 0; r < REGIONS; r++) {
      int region = r;
      Node.waitFor("SignalStore of region " + region, DEADLINE)
          .until(() -> storeRef(region), Objects::nonNull);
    }
    openConsole();

    String regions = console("tidal:regions");
    for (int r = 0; r < REGIONS; r++) {
      assertTrue(
          regions,
          regions.contains("region-" + r + "  ") || regions.contains("region-" + r + " *"));
    }
    assertEquals("ok: console region is region-1", console("tidal:use 1"));
    assertEquals(
        "console region: region-1; stores here: region-0, region-1, region-2",
        console("tidal:use"));
    assertWritesThroughRegion1("first write");
    assertTrue(console("help tidal:use"), console("help tidal:use").contains("Example: tidal:use"));
    String json = console("tidal:status --json");
    assertTrue(json, json.startsWith("{\"consoleRegion\":\"region-1\",\"region\":\"region-1\""));

    // A configuration change applies live (tenants): the same store keeps serving, registered
    // under the same service, and the console stays on region 1.
    long before = (Long) storeRef(1).getProperty("service.id");
    Dictionary<String, Object> changed = storeConfig(data, 1);
    changed.put("tenants", new String[] {"acme"});
    factory("io.tidaldb.store", 1).update(changed);
    Node.waitFor("region 1's store to know tenant acme", DEADLINE).until(() -> knows(1, "acme"));
    assertEquals(before, storeRef(1).getProperty("service.id"));
    assertWritesThroughRegion1("write after the configuration change");
    assertEquals(
        "console region: region-1; stores here: region-0, region-1, region-2",
        console("tidal:use"));

    // Region 1's store goes away: the commands say so, naming it; no other region takes a write.
    factory("io.tidaldb.store", 1).delete();
    Node.waitFor("region 1's store to go away", DEADLINE).until(() -> storeRef(1) == null);
    // Felix takes a service out of the registry before it delivers UNREGISTERING, so the console
    // component's reference may still hold the store (open until SCR deactivates it) for a moment
    // after the registry has let go: wait until the console itself no longer offers it.
    Node.waitFor("the console to drop region 1's store", DEADLINE)
        .until(
            () ->
                console("tidal:use")
                    .equals("console region: region-1; stores here: region-0, region-2"));
    long accepted0 = accepted(0);
    long accepted2 = accepted(2);
    String refused = console("tidal:signal default view 7 1");
    assertTrue(
        refused,
        refused.startsWith("error: store unavailable: the store of region-1 is not registered"));
    assertTrue(refused, refused.contains("stores here: region-0, region-2"));
    String read = console("tidal:read default view 7");
    assertTrue(read, read.contains("the store of region-1 is not registered"));
    assertEquals(accepted0, accepted(0));
    assertEquals(accepted2, accepted(2));
    assertTrue(console("tidal:regions"), console("tidal:regions").contains("region-1 *"));

    // And back: the console writes through region 1 again.
    configure(data, 1);
    Node.waitFor("region 1's store to come back", DEADLINE)
        .until(() -> storeRef(1), Objects::nonNull);
    assertWritesThroughRegion1("write after region 1's store came back");
  }

  /**
   * Writes through the console until acknowledged (a write during an election is refused and
   * retried) and checks that the acknowledgement names region 1 as the region written through.
   */
  private void assertWritesThroughRegion1(String what) throws Exception {
    String[] answer = new String[1];
    Node.waitFor(what + " acknowledged", DEADLINE)
        .until(
            () -> {
              answer[0] = console("tidal:signal default view 7 1 --durability quorum");
              return answer[0].startsWith("ok: ");
            });
    String ack = answer[0];
    assertTrue(ack, ack.startsWith("ok: durable at QUORUM, stored by a majority of the regions"));
    assertTrue(ack, ack.contains("via region-1)") || ack.contains("(leader region-1)"));
  }

  private boolean knows(int region, String tenant) {
    SignalStore s = context.getService(storeRef(region));
    try {
      s.read(TenantId.of(tenant), SignalType.of("view"), EntityId.of(1), Timestamp.ofMillis(1));
      return true;
    } catch (UnknownTenantException e) {
      return false;
    } finally {
      context.ungetService(storeRef(region));
    }
  }

  private long accepted(int region) {
    SignalStore s = context.getService(storeRef(region));
    return s.status().signalsAccepted();
  }

  private ServiceReference<SignalStore> storeRef(int region) {
    try {
      Collection<ServiceReference<SignalStore>> refs =
          context.getServiceReferences(SignalStore.class, "(region=" + region + ")");
      return refs.isEmpty() ? null : refs.iterator().next();
    } catch (InvalidSyntaxException e) {
      throw new AssertionError(e);
    }
  }

  private void configure(Path data, int region) throws IOException {
    if (region == 0) {
      Dictionary<String, Object> router = new Hashtable<>();
      router.put("shardCount", ItOptions.SHARDS);
      configAdmin.getConfiguration("io.tidaldb.router", "?").update(router);
    }
    Path dir = data.resolve("region-" + region).toAbsolutePath();
    String self = "(region=" + region + ")";
    Dictionary<String, Object> wal = new Hashtable<>();
    wal.put("directory", dir.resolve("wal").toString());
    wal.put("shardCount", ItOptions.SHARDS);
    wal.put("region", region);
    if (factory("io.tidaldb.wal", region).getProperties() == null) {
      factory("io.tidaldb.wal", region).update(wal);
    }
    Dictionary<String, Object> replication = new Hashtable<>();
    replication.put("region", region);
    replication.put("regions", "0,1,2");
    replication.put("directory", dir.resolve("epochs").toString());
    replication.put("wal.target", self);
    if (factory("io.tidaldb.replication", region).getProperties() == null) {
      factory("io.tidaldb.replication", region).update(replication);
    }
    factory("io.tidaldb.store", region).update(storeConfig(data, region));
  }

  private static Dictionary<String, Object> storeConfig(Path data, int region) {
    Path dir = data.resolve("region-" + region).toAbsolutePath();
    String self = "(region=" + region + ")";
    Dictionary<String, Object> store = new Hashtable<>();
    store.put("directory", dir.resolve("store").toString());
    store.put("region", region);
    store.put("wal.target", self);
    store.put("replication.target", self);
    store.put("replication.cardinality.minimum", "1");
    return store;
  }

  private org.osgi.service.cm.Configuration factory(String pid, int region) throws IOException {
    return configAdmin.getFactoryConfiguration(pid, "r" + region, "?");
  }

  /** One Gogo session for the whole test, as one console: its region is the console's. */
  private void openConsole() {
    CommandProcessor gogo =
        Node.waitFor("Gogo CommandProcessor", DEADLINE)
            .until(
                () -> {
                  ServiceReference<CommandProcessor> ref =
                      context.getServiceReference(CommandProcessor.class);
                  return ref == null ? null : context.getService(ref);
                },
                Objects::nonNull);
    out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    session = gogo.createSession(new ByteArrayInputStream(new byte[0]), print, print);
    Node.waitFor("the tidal commands to answer", DEADLINE)
        .until(
            () -> {
              try {
                return session.execute("tidal:use");
              } catch (Exception e) {
                return null; // "command not found" until the shell bundle registers them
              }
            },
            Objects::nonNull);
  }

  /** Runs a command and returns its answer (the value it returned, and anything it printed). */
  private String console(String command) throws Exception {
    out.reset();
    Object result = session.execute(command);
    String printed = out.toString(StandardCharsets.UTF_8);
    return (result == null ? "" : result.toString()) + printed;
  }
}
