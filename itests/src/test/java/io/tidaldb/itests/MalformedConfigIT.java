package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.router.ShardRouter;
import io.tidaldb.api.wal.WriteAheadLog;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Objects;
import java.util.logging.Level;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TestName;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * A malformed configuration value leaves only its component failed, with an ERROR naming the PID,
 * the key and the value; the rest of the node keeps serving, and fixing the value recovers.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MalformedConfigIT {
  private static final SignalType VIEW = SignalType.of("view");

  @Rule public final TestName name = new TestName();

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private ServiceComponentRuntime scr;

  @Inject
  @Filter(timeout = 20_000)
  private CommandProcessor gogo;

  private Node node;
  private Path dataDir;

  /**
   * Provisions the node.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(MalformedConfigIT.class);
  }

  /** Gives each test its own empty data directory. */
  @Before
  public void freshNode() {
    node = new Node(context);
    dataDir = node.freshDataDirectory(name.getMethodName());
    node.store().signal(VIEW, EntityId.of(1), 1.0, Timestamp.now());
  }

  /** Releases the trackers. */
  @After
  public void close() {
    node.close();
  }

  /** {@code shardCount=abc} for the WAL: WAL failed, store unsatisfied, router and shell serve. */
  @Test
  public void malformedWalShardCount() throws Exception {
    Dictionary<String, Object> good = node.properties("io.tidaldb.wal");
    try (LogCapture log = new LogCapture()) {
      try {
        breakValue(log, "io.tidaldb.wal", "shardCount", "abc", "io.tidaldb.wal");
        assertNoUsable(WriteAheadLog.class);
        assertNoUsable(SignalStore.class);
        assertRouterServes();
        assertTrue(shell("tidal:status"), shell("tidal:status").contains("store unavailable"));
      } finally {
        node.configure("io.tidaldb.wal", good);
      }
    }
    awaitReconfigured("io.tidaldb.wal", "shardCount", "abc");
    assertStoreServesAgain();
  }

  /** {@code maxAbsWeight=heavy} for the store: store failed, WAL and router serve. */
  @Test
  public void malformedStoreMaxAbsWeight() throws Exception {
    Dictionary<String, Object> good = node.properties("io.tidaldb.store");
    try (LogCapture log = new LogCapture()) {
      try {
        breakValue(log, "io.tidaldb.store", "maxAbsWeight", "heavy", "io.tidaldb.store");
        assertNoUsable(SignalStore.class);
        WriteAheadLog wal = context.getService(context.getServiceReference(WriteAheadLog.class));
        assertEquals(ItOptions.SHARDS, wal.shardCount());
        assertRouterServes();
        assertTrue(shell("tidal:status"), shell("tidal:status").contains("store unavailable"));
      } finally {
        node.configure("io.tidaldb.store", good);
      }
    }
    awaitReconfigured("io.tidaldb.store", "maxAbsWeight", "heavy");
    assertStoreServesAgain();
  }

  /** {@code shardCount=abc} for the router: router failed, store unsatisfied, WAL serves. */
  @Test
  public void malformedRouterShardCount() throws Exception {
    Dictionary<String, Object> good = node.properties("io.tidaldb.router");
    try (LogCapture log = new LogCapture()) {
      try {
        breakValue(log, "io.tidaldb.router", "shardCount", "abc", "io.tidaldb.router");
        assertNoUsable(ShardRouter.class);
        assertNoUsable(SignalStore.class);
        WriteAheadLog wal = context.getService(context.getServiceReference(WriteAheadLog.class));
        assertEquals(ItOptions.SHARDS, wal.shardCount());
      } finally {
        node.configure("io.tidaldb.router", good);
      }
    }
    awaitReconfigured("io.tidaldb.router", "shardCount", "abc");
    assertStoreServesAgain();
  }

  /**
   * Sets one key of a PID to a malformed value and waits for the component to fail activation and
   * for an ERROR that names the PID, the key and the value.
   */
  private void breakValue(LogCapture log, String pid, String key, String value, String bsn) {
    Dictionary<String, Object> bad = node.properties(pid);
    bad.put(key, value);
    node.configure(pid, bad);
    String line =
        Node.waitFor("ERROR naming " + pid + ", " + key + " and " + value, Node.SERVICE_TIMEOUT)
            .until(() -> log.find(Level.SEVERE, pid, key, value), Objects::nonNull);
    assertNotNull(line);
    ComponentConfigurationDTO failed =
        Node.waitFor(pid + " component failed", Node.SERVICE_TIMEOUT)
            .until(
                () -> configurationOf(bsn),
                c -> c != null && c.state == ComponentConfigurationDTO.FAILED_ACTIVATION);
    assertTrue(failed.failure, failed.failure.contains(key));
  }

  /**
   * Asserts that no service of a type can be obtained. (A delayed component whose activation failed
   * stays registered; getting it retries activation, which fails again and yields null.)
   */
  private <S> void assertNoUsable(Class<S> type) throws Exception {
    for (ServiceReference<S> ref : context.getServiceReferences(type, null)) {
      S service = context.getService(ref);
      if (service != null) {
        context.ungetService(ref);
        throw new AssertionError("usable " + type.getName() + " from " + ref.getBundle());
      }
    }
  }

  private ComponentConfigurationDTO configurationOf(String bsn) {
    Bundle bundle = node.bundle(bsn);
    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(bundle)) {
      for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
        return c;
      }
    }
    return null;
  }

  private void assertRouterServes() {
    ShardRouter router = context.getService(context.getServiceReference(ShardRouter.class));
    assertEquals(ItOptions.SHARDS, router.shardCount());
    int shard = router.shardOf(TenantId.DEFAULT, 42);
    assertTrue(shard >= 0 && shard < ItOptions.SHARDS);
  }

  /**
   * Waits until SCR has taken the restored configuration of a PID: its component's configuration no
   * longer carries the malformed value and is no longer failed. Until then a getService can still
   * reach the failed component's registration, activate it, and have the pending reconfiguration
   * close that instance under the caller's feet ("store ... is closed").
   */
  private void awaitReconfigured(String bsn, String key, String badValue) {
    Node.waitFor(bsn + " drops " + key + "=" + badValue, Node.SERVICE_TIMEOUT)
        .until(
            () -> configurationOf(bsn),
            c ->
                c != null
                    && c.state != ComponentConfigurationDTO.FAILED_ACTIVATION
                    && !badValue.equals(String.valueOf(c.properties.get(key))));
  }

  private void assertStoreServesAgain() throws Exception {
    Path directory = dataDir.resolve("store");
    Node.waitFor("the store on " + directory + " reads what it stored", Node.SERVICE_TIMEOUT)
        .ignoreException(UnavailableException.class)
        .until(
            () -> {
              SignalStore s = node.storeOn(directory);
              return s != null && s.read(VIEW, EntityId.of(1)).count() == 1;
            });
    SignalStore store = node.awaitStoreOn(directory);
    store.signal(VIEW, EntityId.of(1), 1.0, Timestamp.now());
    assertEquals(2, store.read(VIEW, EntityId.of(1)).count());
    Node.waitFor("tidal:read sees the store again", Node.SERVICE_TIMEOUT)
        .until(() -> shell("tidal:read default view 1"), read -> read.contains("count=2"));
  }

  private String shell(String command) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    CommandSession session =
        gogo.createSession(new ByteArrayInputStream(new byte[0]), print, print);
    try {
      Object result = session.execute(command);
      return out.toString(StandardCharsets.UTF_8) + (result == null ? "" : result.toString());
    } finally {
      session.close();
    }
  }
}
