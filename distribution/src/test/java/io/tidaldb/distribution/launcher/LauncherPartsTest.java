package io.tidaldb.distribution.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.distribution.launcher.NodeState.Phase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's pure parts: message rendering, failure causes, the state file, --wait-ready. */
class LauncherPartsTest {
  @TempDir Path dir;

  @Test
  void shouldRenderOsgiPlaceholdersAndTakeATrailingThrowableAsTheException() {
    IllegalStateException e = new IllegalStateException("x");

    OsgiLogBridge.Rendered r =
        OsgiLogBridge.render("shard {} of {} \\{} left", new Object[] {3, "r0", e}, false);

    assertEquals("shard 3 of r0 {} left", r.message());
    assertEquals(e, r.thrown());
    assertEquals(
        "a 7 b", OsgiLogBridge.render("a %d b", new Object[] {7}, true).message(), "formatter");
    assertEquals("no {} args", OsgiLogBridge.render("no {} args", null, false).message());
  }

  @Test
  void shouldMapOsgiLevelsToJulLevels() {
    assertEquals(Level.SEVERE, OsgiLogBridge.level("error"));
    assertEquals(Level.SEVERE, OsgiLogBridge.level("isErrorEnabled"));
    assertEquals(Level.WARNING, OsgiLogBridge.level("audit"));
    assertEquals(Level.FINE, OsgiLogBridge.level("isDebugEnabled"));
    assertEquals(Level.FINER, OsgiLogBridge.level("trace"));
    assertNull(OsgiLogBridge.level("getName"));
  }

  @Test
  void shouldReportTheInnermostCauseOfADsFailure() {
    String trace =
        "org.osgi.service.component.ComponentException: Error\n"
            + "\tat a.B.c(B.java:1)\n"
            + "Caused by: java.lang.reflect.InvocationTargetException\n"
            + "Caused by: io.tidaldb.api.StorageException: data/wal/x.wal at offset 0: corrupt\n"
            + "\t... 45 more\n";

    assertEquals(
        "StorageException: data/wal/x.wal at offset 0: corrupt",
        StartupMonitor.innermostCause(trace));
    assertEquals(
        "IllegalStateException: no",
        StartupMonitor.innermostCause("java.lang.IllegalStateException: no"));
    assertEquals("(DS gives no reason)", StartupMonitor.innermostCause(null));
  }

  @Test
  void shouldNameTheRootFailureWhenAComponentFailedOnlyForItsReference() {
    String store =
        "StoreComponent (region 0) failed to activate: InstantiationException: Unable to get"
            + " service for reference wal";
    String wal = "WalComponent failed to activate: StorageException: data/wal/x.wal: corrupt";
    String logged = "io.tidaldb.wal.component.WalComponent: StorageException: data/wal/x.wal";

    assertEquals(
        wal, StartupMonitor.verdict(List.of(store, wal), List.of(), logged).detail(), "its own");
    StartupMonitor.Status onlyReference =
        StartupMonitor.verdict(List.of(store), List.of("x waits for y"), logged);
    assertEquals(StartupMonitor.Verdict.FAILED, onlyReference.verdict());
    assertEquals(store + ", after " + logged, onlyReference.detail());
    assertEquals(
        StartupMonitor.Verdict.WAITING,
        StartupMonitor.verdict(List.of(), List.of("x waits for y"), null).verdict());
    assertEquals(
        StartupMonitor.Verdict.READY, StartupMonitor.verdict(List.of(), List.of(), null).verdict());
  }

  @Test
  void shouldRoundTripTheStateFileOnOneLinePerKey() throws Exception {
    Path file = dir.resolve("run/tidaldb.state");

    new NodeState(Phase.FAILED, 42, "store: corrupt\nsecond line").write(file);

    NodeState read = NodeState.read(file).orElseThrow();
    assertEquals(new NodeState(Phase.FAILED, 42, "store: corrupt second line"), read);
    assertEquals("failed: store: corrupt second line", read.describe());
    assertTrue(NodeState.read(dir.resolve("none")).isEmpty());
  }

  @Test
  void shouldAnswerWaitReadyFromTheStateFile() throws Exception {
    Path file = dir.resolve("tidaldb.state");
    long self = ProcessHandle.current().pid();

    new NodeState(Phase.READY, self, "store of region 0 open").write(file);
    assertEquals(WaitReady.READY, waitReady(file, "5").status());

    new NodeState(Phase.STARTING, self, "io.tidaldb.store waits for wal").write(file);
    Answer waiting = waitReady(file, "0");
    assertEquals(WaitReady.TIMED_OUT, waiting.status());
    assertTrue(waiting.err().contains("io.tidaldb.store waits for wal"), waiting.err());

    new NodeState(Phase.FAILED, self, "WalComponent failed to activate: corrupt").write(file);
    Answer failed = waitReady(file, "5");
    assertEquals(WaitReady.FAILED, failed.status());
    assertTrue(failed.err().contains("failed: WalComponent failed to activate"), failed.err());

    assertEquals(WaitReady.USAGE, waitReady(file, "-1").status());
    assertEquals(WaitReady.TIMED_OUT, waitReady(dir.resolve("none"), "0").status());
  }

  private record Answer(int status, String err) {}

  private static Answer waitReady(Path file, String seconds) throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        WaitReady.run(
            new String[] {file.toString(), seconds},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Answer(status, err.toString(StandardCharsets.UTF_8));
  }
}
