package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import java.util.List;
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
import org.osgi.framework.BundleContext;

/** The store service inside Felix: writes, reads, top-K, and bad input (invariant I7). */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SignalStoreIT {
  private static final SignalType VIEW = SignalType.of("view");
  private static final TenantId ACME = TenantId.of(ItOptions.TENANT);

  @Rule public final TestName name = new TestName();

  @Inject private BundleContext context;

  private Node node;
  private SignalStore store;

  /**
   * Provisions the node.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(SignalStoreIT.class);
  }

  /** Gives each test its own empty data directory. */
  @Before
  public void freshNode() {
    node = new Node(context);
    node.freshDataDirectory(name.getMethodName());
    store = node.store();
  }

  /** Releases the trackers. */
  @After
  public void close() {
    node.close();
  }

  /** Counts, weight sums, last seen and top-K, per tenant. */
  @Test
  public void signalsAndReadsCountsSumsAndTop() {
    Timestamp t = Timestamp.now();
    store.signal(VIEW, EntityId.of(1), 1.0, t);
    store.signal(VIEW, EntityId.of(1), 2.0, t);
    store.signal(VIEW, EntityId.of(1), 3.5, t);
    store.signal(VIEW, EntityId.of(2), 1.0, t);
    store.signal(VIEW, EntityId.of(3), 10.0, t);
    store.signal(VIEW, EntityId.of(4), 4.0, t);
    store.signal(VIEW, EntityId.of(4), -4.0, t);
    store.signal(ACME, VIEW, EntityId.of(1), 100.0, t);

    SignalAggregate one = store.read(VIEW, EntityId.of(1));
    assertEquals(3, one.count());
    assertEquals(6.5, one.weightSum(), 0.0);
    assertEquals(t, one.lastSeen().orElseThrow());
    assertEquals(6.5, one.decayedScore(), 0.01);
    assertEquals(0, store.read(VIEW, EntityId.of(4)).count());
    assertEquals(0.0, store.read(VIEW, EntityId.of(4)).weightSum(), 0.0);
    assertEquals(0, store.read(VIEW, EntityId.of(99)).count());
    assertEquals(1, store.read(ACME, VIEW, EntityId.of(1)).count());
    assertEquals(100.0, store.read(ACME, VIEW, EntityId.of(1)).weightSum(), 0.0);

    List<RankedEntity> top = store.top(VIEW, 3);
    assertEquals(
        List.of(EntityId.of(3), EntityId.of(1), EntityId.of(2)),
        top.stream().map(RankedEntity::entity).toList());
    assertEquals(
        List.of(EntityId.of(1)),
        store.top(ACME, VIEW, 10).stream().map(RankedEntity::entity).toList());
  }

  /** Asynchronous and pipelined writes are visible once acknowledged. */
  @Test
  public void asyncAndPipelinedWritesAreReadBack() throws Exception {
    store.signalAsync(VIEW, EntityId.of(7), 2.0, Timestamp.now()).get();
    long last = 0;
    for (int i = 0; i < 100; i++) {
      last = store.submit(TenantId.DEFAULT, VIEW, 8, 1.0, System.currentTimeMillis());
    }
    store.awaitDurable(last, java.time.Duration.ofSeconds(10));
    assertEquals(1, store.read(VIEW, EntityId.of(7)).count());
    assertEquals(100, store.read(VIEW, EntityId.of(8)).count());
    assertTrue(store.status().signalsAccepted() >= 101);
  }

  /** Bad input gets the API's exception types, stores nothing, and the store keeps serving. */
  @Test
  public void badInputIsRefusedAndTheStoreKeepsServing() {
    Timestamp t = Timestamp.now();
    store.signal(VIEW, EntityId.of(1), 1.0, t);

    InvalidArgumentException nan =
        Expect.thrown(
            InvalidArgumentException.class,
            () -> store.signal(VIEW, EntityId.of(2), Double.NaN, t));
    assertEquals("weight", nan.argument());
    Expect.thrown(
        InvalidArgumentException.class,
        () -> store.signal(VIEW, EntityId.of(2), Double.POSITIVE_INFINITY, t));
    Expect.thrown(
        InvalidArgumentException.class, () -> store.signal(VIEW, EntityId.of(2), 1e300, t));
    Expect.thrown(
        InvalidArgumentException.class,
        () -> store.signal(VIEW, EntityId.of(2), 1.0, Timestamp.ofMillis(Long.MAX_VALUE / 2)));
    UnknownTenantException unknown =
        Expect.thrown(
            UnknownTenantException.class,
            () -> store.signal(TenantId.of("nobody"), VIEW, EntityId.of(2), 1.0, t));
    assertEquals("tenant", unknown.argument());
    Expect.thrown(
        UnknownTenantException.class,
        () -> store.read(TenantId.of("nobody"), VIEW, EntityId.of(2)));
    Expect.thrown(InvalidArgumentException.class, () -> SignalType.of("bad type!"));
    Expect.thrown(InvalidArgumentException.class, () -> SignalType.of("x".repeat(65)));
    Expect.thrown(InvalidArgumentException.class, () -> store.top(VIEW, -1));
    Expect.thrown(InvalidArgumentException.class, () -> store.top(VIEW, 0));
    Expect.thrown(InvalidArgumentException.class, () -> store.top(VIEW, SignalStore.MAX_TOP_K + 1));
    Expect.thrown(
        InvalidArgumentException.class,
        () -> store.submit(TenantId.DEFAULT, VIEW, 2, Double.NaN, System.currentTimeMillis()));
    Expect.thrown(
        Exception.class, () -> store.signalAsync(VIEW, EntityId.of(2), Double.NaN, t).get());

    assertEquals(0, store.read(VIEW, EntityId.of(2)).count());
    assertEquals(1, store.read(VIEW, EntityId.of(1)).count());
    store.signal(VIEW, EntityId.of(1), 1.0, t);
    assertEquals(2, store.read(VIEW, EntityId.of(1)).count());
    assertEquals(
        List.of(EntityId.of(1)), store.top(VIEW, 5).stream().map(RankedEntity::entity).toList());
  }
}
