package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.router.ShardRouter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.inject.Inject;
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
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

/**
 * Issue 15, item 4: configuration changes never hurt a running node. A changed half-life of a type
 * with state is refused (one WARN line naming key, value and rule) and the store keeps serving
 * reads and writes of every type on every shard; a half-life of a type without state applies live;
 * a shard-count mismatch found at start is logged through SLF4J (so in {@code logs/tidaldb.log});
 * random valid and invalid store changes under a writer never close the store, stop a WAL shard or
 * lose an acknowledged write.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LiveConfigIT {
  private static final SignalType VIEW = SignalType.of("view");
  private static final SignalType LIKE = SignalType.of("like");
  private static final String STORE = "io.tidaldb.store";
  private static final Logger LOG = Logger.getLogger(LiveConfigIT.class.getName());

  @Rule public final TestName name = new TestName();

  @Inject private BundleContext context;

  private Node node;
  private Path dataDir;

  /**
   * Provisions the node.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(LiveConfigIT.class);
  }

  /** Gives each test its own empty data directory, with a view signal on every shard. */
  @Before
  public void freshNode() {
    node = new Node(context);
    dataDir = node.freshDataDirectory(name.getMethodName());
    SignalStore store = node.awaitStoreOn(dataDir.resolve("store"));
    for (long e = 0; e < 32; e++) {
      store.signal(VIEW, EntityId.of(e), 1.0, Timestamp.now());
    }
  }

  /**
   * Takes the half-lives out of the store's configuration (accepted live: the state here was built
   * with the default), so the next test's fresh store does not open with them, and releases the
   * trackers.
   */
  @After
  public void close() {
    Dictionary<String, Object> props = node.properties(STORE);
    if (props.remove("halfLives") != null) {
      node.configure(STORE, props);
    }
    node.close();
  }

  /**
   * The sequence: {@code halfLives = ["view=60000"]} on a node whose view state was built
   * with another half-life. Before: reads of view failed, every shard's WAL stopped at its next
   * write, and a stored write answered an error.
   */
  @Test
  public void halfLifeOfATypeWithStateIsRefusedAndEveryShardKeepsServing() throws Exception {
    SignalStore before = node.awaitStoreOn(dataDir.resolve("store"));
    long serviceId = storeServiceId();
    try (LogCapture log = new LogCapture()) {
      Dictionary<String, Object> props = node.properties(STORE);
      props.put("halfLives", new String[] {"view=60000"});
      node.configure(STORE, props);
      String line =
          Node.waitFor("the WARN refusing halfLives", Node.SERVICE_TIMEOUT)
              .until(
                  () -> log.find(Level.WARNING, STORE + ": refused halfLives=[view=60000]"),
                  Objects::nonNull);
      assertTrue(line, line.contains("half-life 86400000 ms"));
      assertTrue(line, line.contains("(kept: halfLives="));
      assertEquals(1, count(log, Level.WARNING, STORE + ": refused"));

      assertEquals(serviceId, storeServiceId());
      for (long e = 0; e < 32; e++) {
        assertEquals(1, before.read(VIEW, EntityId.of(e)).count());
        before.signal(VIEW, EntityId.of(e), 1.0, Timestamp.now());
        before.signal(LIKE, EntityId.of(e), 1.0, Timestamp.now());
        assertEquals(2, before.read(VIEW, EntityId.of(e)).count());
        assertEquals(1, before.read(LIKE, EntityId.of(e)).count());
      }
      assertNull(log.messages(Level.WARNING).toString(), log.find(Level.WARNING, "log stopped"));
      assertNull(log.find(Level.INFO, "store closed"));
    }
  }

  /** A half-life for a type no shard has state of applies live, to the same running store. */
  @Test
  public void halfLifeOfATypeWithoutStateAppliesLive() throws Exception {
    SignalStore before = node.awaitStoreOn(dataDir.resolve("store"));
    long serviceId = storeServiceId();
    try (LogCapture log = new LogCapture()) {
      Dictionary<String, Object> props = node.properties(STORE);
      props.put("halfLives", new String[] {"like=60000"});
      node.configure(STORE, props);
      Node.waitFor("the INFO taking halfLives", Node.SERVICE_TIMEOUT)
          .until(
              () -> log.find(Level.INFO, STORE + ": applied live: halfLives=[like=60000]"),
              Objects::nonNull);
      long t = System.currentTimeMillis() - 120_000;
      before.signal(TenantId.DEFAULT, LIKE, EntityId.of(5), 8.0, Timestamp.ofMillis(t));
      double score =
          before
              .read(TenantId.DEFAULT, LIKE, EntityId.of(5), Timestamp.ofMillis(t + 60_000))
              .decayedScore();
      assertEquals(4.0, score, 1e-9);
      assertEquals(serviceId, storeServiceId());
      assertEquals(1, before.read(VIEW, EntityId.of(5)).count());
    }
  }

  /**
   * A router whose shard count differs from the WAL's (changed while the router bundle was stopped:
   * a running router refuses it): the store cannot open, and says why through SLF4J, not only in
   * SCR's stack trace on stdout. Set back, the store serves what it had.
   */
  @Test
  public void shardCountMismatchAtStartIsLogged() throws Exception {
    Bundle router = node.bundle("io.tidaldb.router");
    Dictionary<String, Object> good = node.properties("io.tidaldb.router");
    try (LogCapture log = new LogCapture()) {
      Dictionary<String, Object> bad = node.properties("io.tidaldb.router");
      bad.put("shardCount", ItOptions.SHARDS * 2);
      node.configure("io.tidaldb.router", bad);
      Node.waitFor("the running router refuses shardCount", Node.SERVICE_TIMEOUT)
          .until(
              () -> log.find(Level.WARNING, "io.tidaldb.router: refused shardCount=8"),
              Objects::nonNull);
      ShardRouter running = context.getService(context.getServiceReference(ShardRouter.class));
      assertEquals(ItOptions.SHARDS, running.shardCount());
      router.stop();
      router.start();
      String line =
          Node.waitFor("an ERROR naming the shard counts", Node.SERVICE_TIMEOUT)
              .until(
                  () ->
                      log.find(
                          Level.SEVERE,
                          STORE + ": the store in",
                          "cannot open",
                          "the router has 8 shards but the WAL 4"),
                  Objects::nonNull);
      assertNotNull(line);
    } finally {
      router.stop();
      node.configure("io.tidaldb.router", good);
      router.start();
    }
    SignalStore again =
        Node.waitFor("the store serves again", Node.SERVICE_TIMEOUT)
            .ignoreException(UnavailableException.class)
            .until(
                () -> node.storeOn(dataDir.resolve("store")),
                s -> s != null && s.read(VIEW, EntityId.of(3)).count() == 1);
    again.signal(VIEW, EntityId.of(3), 1.0, Timestamp.now());
  }

  /**
   * Random valid and invalid changes to the store's configuration while a writer runs: each is
   * answered by exactly one line (applied live or refused); the store service is never replaced or
   * closed, no WAL shard stops, every write is acknowledged and every acknowledged write is there.
   */
  @Test
  public void randomStoreChangesUnderAWriterNeverHurtTheNode() throws Exception {
    long seed = Long.getLong("tidaldb.it.seed", System.nanoTime());
    LOG.info(name.getMethodName() + ": seed " + seed + " (-Dtidaldb.it.seed=" + seed + ")");
    Random random = new Random(seed);
    SignalStore store = node.awaitStoreOn(dataDir.resolve("store"));
    long serviceId = storeServiceId();
    Dictionary<String, Object> base = node.properties(STORE);
    Map<Long, AtomicLong> acked = new ConcurrentHashMap<>();
    AtomicReference<Throwable> writeFailure = new AtomicReference<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer =
        new Thread(
            () -> {
              Random r = new Random(seed + 1);
              while (!stop.get() && writeFailure.get() == null) {
                long e = 100 + r.nextInt(64);
                try {
                  store.signal(VIEW, EntityId.of(e), 1.0, Timestamp.now());
                  acked.computeIfAbsent(e, k -> new AtomicLong()).incrementAndGet();
                } catch (RuntimeException ex) {
                  writeFailure.set(ex);
                }
              }
            },
            "live-config-writer");
    List<String> applied = new ArrayList<>();
    try (LogCapture log = new LogCapture()) {
      writer.start();
      for (int i = 0; i < 25; i++) {
        // each change is one key away from the base configuration (not from the last change,
        // which Configuration Admin holds even when the store refused it)
        Dictionary<String, Object> next = new java.util.Hashtable<>();
        for (var keys = base.keys(); keys.hasMoreElements(); ) {
          String k = keys.nextElement();
          next.put(k, base.get(k));
        }
        next.put("probe", i); // a key the store does not read: every change gets its one line
        String change = randomChange(random, next, base);
        int linesBefore = storeLines(log);
        node.configure(STORE, next);
        int round = i;
        Node.waitFor("the line answering change " + i + " " + change, Node.SERVICE_TIMEOUT)
            .until(() -> storeLines(log) > linesBefore || writeFailure.get() != null);
        assertNull("write failed after change " + round + " " + change, writeFailure.get());
        applied.add(change);
      }
      stop.set(true);
      writer.join(30_000);
      assertNull("write failed; changes " + applied + ", seed " + seed, writeFailure.get());
      assertTrue("the store was replaced; seed " + seed, storeServiceIds().contains(serviceId));
      assertNull(log.find(Level.WARNING, "log stopped"));
      assertNull(log.find(Level.INFO, "store closed"));
      LOG.info(
          name.getMethodName()
              + ": "
              + applied.size()
              + " changes, "
              + count(log, Level.WARNING, STORE + ": refused")
              + " refused, "
              + acked.values().stream().mapToLong(AtomicLong::get).sum()
              + " writes acknowledged");
    } finally {
      stop.set(true);
      writer.join(30_000);
      node.configure(STORE, base);
    }
    SignalStore after = node.awaitStoreOn(dataDir.resolve("store"));
    assertSame(store, after);
    for (Map.Entry<Long, AtomicLong> e : acked.entrySet()) {
      assertEquals(
          "entity " + e.getKey() + ", seed " + seed,
          e.getValue().get(),
          after.read(VIEW, EntityId.of(e.getKey())).count());
    }
    for (long e = 0; e < 32; e++) { // every shard still writes
      after.signal(LIKE, EntityId.of(e), 1.0, Timestamp.now());
    }
  }

  /** Puts one random valid or invalid change into {@code next}; returns what it is. */
  private static String randomChange(
      Random random, Dictionary<String, Object> next, Dictionary<String, Object> base) {
    String key;
    Object value;
    switch (random.nextInt(9)) {
      case 0 -> {
        key = "tenants";
        value = random.nextBoolean() ? new String[] {"acme", "t" + random.nextInt(5)} : "bad name!";
      }
      case 1 -> {
        key = "maxAbsWeight";
        value = new String[] {"1000", "5e6", "heavy", "-1", "NaN"}[random.nextInt(5)];
      }
      case 2 -> {
        key = "halfLives";
        value =
            new String[][] {
                  {"view=60000"},
                  {"like=120000"},
                  {"t" + random.nextInt(50) + "=600000"},
                  {"x=soon"}
                }
                [random.nextInt(4)];
      }
      case 3 -> {
        key = "defaultHalfLifeMillis";
        value = new Object[] {60_000L, "-5", "abc"}[random.nextInt(3)];
      }
      case 4 -> {
        key = "snapshotsToKeep";
        value = new Object[] {5, 1, "many"}[random.nextInt(3)];
      }
      case 5 -> {
        key = "directory";
        value = "/tmp/elsewhere-" + random.nextInt(1000);
      }
      case 6 -> {
        key = "region";
        value = new Object[] {3, -1, "north"}[random.nextInt(3)];
      }
      case 7 -> {
        key = "ackTimeoutMillis";
        value = new Object[] {5L, 0L, "x"}[random.nextInt(3)];
      }
      default -> {
        // back to the configuration the test started with
        for (var keys = base.keys(); keys.hasMoreElements(); ) {
          String k = keys.nextElement();
          next.put(k, base.get(k));
        }
        return "reset";
      }
    }
    next.put(key, value);
    return key + "=" + (value instanceof String[] a ? String.join(",", a) : value);
  }

  private static int storeLines(LogCapture log) {
    return count(log, Level.WARNING, STORE + ": refused")
        + count(log, Level.INFO, STORE + ": applied live");
  }

  private static int count(LogCapture log, Level level, String fragment) {
    return (int) log.messages(level).stream().filter(m -> m.contains(fragment)).count();
  }

  private java.util.Set<Long> storeServiceIds() throws Exception {
    java.util.Set<Long> ids = new java.util.HashSet<>();
    for (ServiceReference<SignalStore> ref :
        context.getServiceReferences(SignalStore.class, null)) {
      ids.add((Long) ref.getProperty(Constants.SERVICE_ID));
    }
    return ids;
  }

  private long storeServiceId() throws Exception {
    ServiceReference<SignalStore> ref =
        context
            .getServiceReferences(
                SignalStore.class,
                "(directory=" + dataDir.resolve("store").toString().replace("\\", "\\5c") + ")")
            .iterator()
            .next();
    return (Long) ref.getProperty(Constants.SERVICE_ID);
  }
}
