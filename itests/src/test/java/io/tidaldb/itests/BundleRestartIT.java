package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

/**
 * Invariant I2 across bundle restarts: stopping and starting the WAL bundle, or the store bundle,
 * while a writer keeps signalling loses nothing that was acknowledged; calls during the gap fail
 * fast with {@code UnavailableException} or find no service, and never hang. Three writers take the
 * store from a tracker before every call; one more call goes to the store object taken before the
 * stop, which must refuse it at once.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleRestartIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int ACKS_PER_PHASE = 100;
  private static final int WRITERS = 3;
  private static final Logger LOG = Logger.getLogger(BundleRestartIT.class.getName());

  @Rule public final TestName name = new TestName();

  @Inject private BundleContext context;

  private Node node;

  /**
   * Provisions the node.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(BundleRestartIT.class);
  }

  /** Gives each test its own empty data directory. */
  @Before
  public void freshNode() {
    node = new Node(context);
    node.freshDataDirectory(name.getMethodName());
  }

  /** Releases the trackers. */
  @After
  public void close() {
    node.close();
  }

  /** The WAL bundle (and with it the store that needs it) restarts under load. */
  @Test
  public void walBundleRestartUnderLoadLosesNothingAcknowledged() throws Exception {
    restartUnderLoad("io.tidaldb.wal");
  }

  /** The store bundle restarts under load. */
  @Test
  public void storeBundleRestartUnderLoadLosesNothingAcknowledged() throws Exception {
    restartUnderLoad("io.tidaldb.store");
  }

  private void restartUnderLoad(String symbolicName) throws Exception {
    Bundle bundle = node.bundle(symbolicName);
    SignalStore before = node.store();
    List<AckingWriter> writers = new ArrayList<>();
    for (int i = 0; i < WRITERS; i++) {
      writers.add(new AckingWriter(node.stores(), 1 + i * 1_000_000_000L));
    }
    Throwable failure = null;
    try {
      Node.waitFor("acks before the stop", DEADLINE)
          .until(() -> acks(writers) >= ACKS_PER_PHASE || problems(writers));
      bundle.stop();
      UnavailableException stale =
          Expect.thrown(
              UnavailableException.class,
              () ->
                  Expect.within(
                      AckingWriter.CALL_BOUND_MILLIS,
                      () ->
                          before.signal(AckingWriter.TYPE, EntityId.of(0), 1.0, Timestamp.now())));
      LOG.info(name.getMethodName() + ": the stopped store answers " + stale);
      long gapBefore = gaps(writers);
      Node.waitFor("calls during the gap", DEADLINE)
          .until(() -> gaps(writers) >= gapBefore + 5 || problems(writers));
      int acksAtRestart = acks(writers);
      bundle.start();
      Node.waitFor("acks after the restart", DEADLINE)
          .until(() -> acks(writers) >= acksAtRestart + ACKS_PER_PHASE || problems(writers));
    } catch (Exception | Error e) {
      failure = e;
      throw e;
    } finally {
      AckingWriter.stopAll(writers, failure, DEADLINE);
    }
    for (AckingWriter writer : writers) {
      LOG.info(name.getMethodName() + ": " + writer.summary());
      assertEquals("writer: " + writer.summary(), List.of(), writer.problems());
    }
    assertEquals(Bundle.ACTIVE, bundle.getState());

    SignalStore store = node.store();
    List<String> wrong = new ArrayList<>();
    int acked = 0;
    for (AckingWriter writer : writers) {
      Set<Long> acknowledged = writer.acknowledged();
      acked += acknowledged.size();
      for (long e = writer.firstEntity(); e <= writer.attempted(); e++) {
        long count = store.read(AckingWriter.TYPE, EntityId.of(e)).count();
        boolean ok = acknowledged.contains(e) ? count == 1 : count <= 1;
        if (!ok) {
          wrong.add(
              "entity "
                  + e
                  + (acknowledged.contains(e) ? " (acknowledged)" : "")
                  + " count "
                  + count);
        }
      }
    }
    assertTrue("lost or doubled signals: " + wrong, wrong.isEmpty());
    assertTrue("acknowledged " + acked, acked >= 2 * ACKS_PER_PHASE);
    assertEquals(0, store.read(AckingWriter.TYPE, EntityId.of(0)).count());
  }

  private static int acks(List<AckingWriter> writers) {
    return writers.stream().mapToInt(AckingWriter::acknowledgedCount).sum();
  }

  private static long gaps(List<AckingWriter> writers) {
    return writers.stream().mapToLong(AckingWriter::gapObservations).sum();
  }

  private static boolean problems(List<AckingWriter> writers) {
    return writers.stream().anyMatch(w -> !w.problems().isEmpty());
  }
}
