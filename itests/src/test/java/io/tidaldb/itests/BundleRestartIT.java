package io.tidaldb.itests;

import static org.awaitility.Awaitility.await;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalStore;
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
 * fast with {@code UnavailableException} or find no service, and never hang.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleRestartIT {
  private static final Duration DEADLINE = Duration.ofSeconds(30);
  private static final int ACKS_PER_PHASE = 100;
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
    AckingWriter writer = new AckingWriter(node.stores());
    try {
      await("acks before the stop")
          .atMost(DEADLINE)
          .until(
              () -> writer.acknowledgedCount() >= ACKS_PER_PHASE || !writer.problems().isEmpty());
      bundle.stop();
      long gapBefore = writer.gapObservations();
      await("calls during the gap")
          .atMost(DEADLINE)
          .until(() -> writer.gapObservations() >= gapBefore + 5 || !writer.problems().isEmpty());
      int acksAtRestart = writer.acknowledgedCount();
      bundle.start();
      await("acks after the restart")
          .atMost(DEADLINE)
          .until(
              () ->
                  writer.acknowledgedCount() >= acksAtRestart + ACKS_PER_PHASE
                      || !writer.problems().isEmpty());
    } finally {
      writer.close();
    }
    await("writer stops").atMost(DEADLINE).until(writer::stopped);
    LOG.info(name.getMethodName() + ": " + writer.summary());
    assertEquals("writer: " + writer.summary(), List.of(), writer.problems());
    assertEquals(Bundle.ACTIVE, bundle.getState());

    SignalStore store = node.store();
    Set<Long> acked = writer.acknowledged();
    List<String> wrong = new ArrayList<>();
    for (long e = 1; e <= writer.attempted(); e++) {
      long count = store.read(AckingWriter.TYPE, EntityId.of(e)).count();
      boolean ok = acked.contains(e) ? count == 1 : count <= 1;
      if (!ok) {
        wrong.add("entity " + e + (acked.contains(e) ? " (acknowledged)" : "") + " count " + count);
      }
    }
    assertTrue(
        "lost or doubled signals " + wrong + "; writer: " + writer.summary(), wrong.isEmpty());
    assertTrue(writer.summary(), acked.size() >= 2 * ACKS_PER_PHASE);
  }
}
