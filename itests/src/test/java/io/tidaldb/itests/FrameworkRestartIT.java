package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.Timestamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerMethod;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.BundleContext;

/**
 * Invariant I2 across a framework restart: each test method gets its own Felix ({@link PerMethod}),
 * both on the same data directory, in name order. The first acknowledges signals and writes down
 * which; its framework stops; the second, in a new framework, reads every one back. The second
 * fails loudly if the first did not run before it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerMethod.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class FrameworkRestartIT {
  private static final SignalType TYPE = SignalType.of("restart");
  private static final String MANIFEST = "acknowledged.txt";
  private static final int SIGNALS = 500;

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private SignalStore store;

  /** The one data directory of the class, created once in the driver JVM. */
  private static final class Shared {
    static final Path DATA_DIR = ItOptions.freshDirectory("FrameworkRestartIT");
  }

  /**
   * Provisions a node on the class's data directory (called once per test method).
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return ItOptions.node(Shared.DATA_DIR);
  }

  /** First framework: acknowledge signals, one unique entity each, and write them down. */
  @Test
  public void a_acknowledgesSignalsThenItsFrameworkStops() throws Exception {
    Path dir = Path.of(context.getProperty(ItOptions.DATA_DIR));
    assertFalse("the data directory is not fresh", Files.exists(dir.resolve(MANIFEST)));
    List<String> acknowledged = new ArrayList<>();
    Timestamp t = Timestamp.now();
    List<CompletableFuture<SignalAck>> acks = new ArrayList<>();
    for (long e = 1; e <= SIGNALS; e++) {
      acks.add(store.signalAsync(TYPE, EntityId.of(e), e, t));
    }
    for (int i = 0; i < SIGNALS; i++) {
      acks.get(i).get(10, TimeUnit.SECONDS);
      acknowledged.add(Long.toString(i + 1));
    }
    Path tmp = dir.resolve(MANIFEST + ".tmp");
    Files.write(tmp, acknowledged);
    Files.move(tmp, dir.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE);
  }

  /** Second framework on the same directory: every acknowledged signal is there, exactly once. */
  @Test
  public void b_aNewFrameworkOnTheSameDirectoryRecoversEverySignal() throws IOException {
    Path manifest = Path.of(context.getProperty(ItOptions.DATA_DIR)).resolve(MANIFEST);
    assertTrue(
        "the first framework did not run before this one: no " + manifest, Files.exists(manifest));
    List<String> acknowledged = Files.readAllLines(manifest);
    assertEquals(SIGNALS, acknowledged.size());
    List<String> wrong = new ArrayList<>();
    for (String line : acknowledged) {
      long e = Long.parseLong(line);
      var a = store.read(TYPE, EntityId.of(e));
      if (a.count() != 1 || a.weightSum() != e) {
        wrong.add("entity " + e + " count " + a.count() + " sum " + a.weightSum());
      }
    }
    assertTrue("lost after restart: " + wrong, wrong.isEmpty());
    assertEquals(SIGNALS, store.top(TYPE, SIGNALS + 10).size());
    store.signal(TYPE, EntityId.of(1), 1.0, Timestamp.now());
    assertEquals(2, store.read(TYPE, EntityId.of(1)).count());
  }
}
