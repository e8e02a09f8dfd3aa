package io.tidaldb.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's story in {@code logs/tidaldb.log} (start, ready and stop lines, framework and DS
 * messages), {@code bin/tidaldb --wait-ready} for scripts, {@code --log-file-only}, and a node
 * whose store cannot open: one ERROR line naming the path and the cause, and in {@code --service}
 * mode a non-zero exit.
 */
class NodeLifecycleIT {
  private static final Path DIST = Path.of(System.getProperty("tidaldb.dist", "missing"));
  private static final Pattern START =
      Pattern.compile(
          "INFO    io\\.tidaldb\\.node: TidalDB (\\S+) starting: pid (\\d+), Java (\\S+) \\(.*\\),"
              + " (service|console) mode, home (\\S+), conf (\\S+), data (\\S+), logs (\\S+)\n");

  @TempDir Path tmp;
  private Path home;

  @BeforeEach
  void copyDistribution() throws IOException {
    assertTrue(Files.isDirectory(DIST), "no distribution at " + DIST + " (run mvn package)");
    home = RunningNode.copyDistribution(DIST, tmp);
  }

  @Test
  void shouldLogStartReadyAndStopAndAnswerWaitReadyWithNothingOnStdout() throws Exception {
    try (RunningNode node = RunningNode.start(home, "--service", "--log-file-only")) {
      Result wait = run("--wait-ready", "60");

      assertEquals(0, wait.status(), wait.output());
      assertTrue(wait.output().startsWith("tidaldb: ready (pid "), wait.output());
      String log = node.log();
      Matcher start = START.matcher(log);
      assertTrue(start.find(), log);
      assertEquals(DIST.getFileName().toString(), "tidaldb-" + start.group(1));
      assertEquals(
          System.getProperty("java.version"), start.group(3), "the JDK running the node: " + log);
      assertEquals("service", start.group(4));
      assertEquals(home.toRealPath().toString(), start.group(5));
      assertEquals(home.toRealPath().resolve("conf").toString(), start.group(6));
      assertEquals(home.toRealPath().resolve("data").toString(), start.group(7));
      assertEquals(home.toRealPath().resolve("logs").toString(), start.group(8));
      String pid = start.group(2);
      assertTrue(wait.output().contains("(pid " + pid + ")"), wait.output());
      int open = log.indexOf("store open: region region-0");
      int ready = log.indexOf("io.tidaldb.node: TidalDB " + start.group(1) + " ready in ");
      assertTrue(open > 0 && ready > open, "ready after the store opened: " + log);
      assertTrue(log.contains(" ready in "), log);

      node.terminate();

      assertEquals(0, node.awaitExit(), node.output());
      log = node.log();
      assertTrue(
          log.contains(
              "io.tidaldb.node: TidalDB stopping: signal (SIGTERM or SIGINT): the JVM is shutting"
                  + " down\n"),
          log);
      int closed = log.indexOf("store closed: region region-0");
      int stopped = log.indexOf("io.tidaldb.node: TidalDB " + start.group(1) + " stopped after ");
      assertTrue(closed > 0 && stopped > closed, "stopped after the store closed: " + log);
      assertNoLockFiles();
      // --log-file-only: nothing but the framework launcher's own notes on stdout and stderr
      assertFalse(node.output().contains("io.tidaldb"), node.output());
      assertFalse(node.output().contains("INFO"), node.output());
    }
    Result after = run("--wait-ready", "0");
    assertEquals(3, after.status(), after.output());
    assertTrue(after.output().contains("not ready after 0 s: no node running"), after.output());
  }

  @Test
  void shouldLogTheConsoleStopAsTheReason() throws Exception {
    try (RunningNode node = RunningNode.start(home, "--console")) {
      node.awaitCommands();
      assertEquals(0, run("--wait-ready", "60").status());

      node.command("stop 0");

      assertEquals(0, node.awaitExit(), node.output());
      String log = node.log();
      assertTrue(
          log.contains("TidalDB stopping: framework stop requested (the console's 'stop 0'"), log);
      assertTrue(START.matcher(log).find(), log);
      assertTrue(log.contains(" console mode, "), log);
      assertNoLockFiles();
    }
  }

  /** A clean stop closes the log files: no FileHandler lock file is left in logs/. */
  private void assertNoLockFiles() throws IOException {
    try (Stream<Path> files = Files.list(home.resolve("logs"))) {
      List<Path> locks = files.filter(f -> f.toString().endsWith(".lck")).toList();
      assertTrue(locks.isEmpty(), "left after a clean stop: " + locks);
    }
  }

  @Test
  void shouldTimeOutWaitingWhenNoNodeRuns() throws Exception {
    Result wait = run("--wait-ready", "1");

    assertEquals(3, wait.status(), wait.output());
    assertTrue(
        wait.output().contains("tidaldb: not ready after 1 s: no node has started"), wait.output());
    assertEquals(2, run("--wait-ready", "soon").status(), "a bad timeout");
  }

  @Test
  void shouldLogOneErrorAndExitNonZeroInServiceModeWhenTheWalIsCorrupt() throws Exception {
    try (RunningNode node = RunningNode.start(home, "--console")) {
      node.awaitCommands();
      for (int i = 1; i <= 5; i++) {
        node.command("tidal:signal default view 42 1.5");
        node.awaitOutput("ok: durable", i);
      }
      node.command("stop 0");
      assertEquals(0, node.awaitExit(), node.output());
    }
    // a flipped byte in the first of five batches: corruption before the tail, never skipped
    Path segment = onlySegment();
    try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
      f.seek(60);
      int b = f.read();
      f.seek(60);
      f.write(b ^ 0xFF);
    }
    String name = "data/wal/" + segment.getFileName();

    try (RunningNode node = RunningNode.start(home, "--service")) {
      Result wait = run("--wait-ready", "60");
      int status = node.awaitExit();

      assertEquals(1, status, node.output());
      assertEquals(1, wait.status(), wait.output());
      assertTrue(wait.output().contains(name), wait.output());
      String log = node.log();
      List<String> errors = lines(log, "SEVERE  io.tidaldb.node: ");
      assertEquals(1, errors.size(), log);
      String error = errors.get(0);
      assertTrue(error.contains("TidalDB cannot serve: "), error);
      assertTrue(error.contains(name + " at offset 0: corrupt batch (BAD_CRC"), error);
      // DS's own report (with the stack trace) is in the file too, by the component's class
      assertTrue(
          log.contains("SEVERE  io.tidaldb.wal.component.WalComponent: bundle io.tidaldb.wal:"),
          log);
      assertTrue(
          log.contains("TidalDB stopping: failure in --service mode, the process exits 1"), log);
    }
    assertTrue(Files.exists(segment), "nothing stored is removed");
  }

  @Test
  void shouldNameTheStoreDirectoryItCannotCreateAndExitNonZero() throws Exception {
    // a store directory below a regular file: it can be neither created nor written
    Path cfg = home.resolve("conf/io.tidaldb.store.cfg");
    String text = Files.readString(cfg, StandardCharsets.UTF_8);
    assertTrue(text.contains("\ndirectory = \"data/store\"\n"), text);
    Files.writeString(
        cfg,
        text.replace(
            "\ndirectory = \"data/store\"\n", "\ndirectory = \"conf/io.tidaldb.wal.cfg/store\"\n"),
        StandardCharsets.UTF_8);

    try (RunningNode node = RunningNode.start(home, "--service")) {
      assertEquals(1, node.awaitExit(), node.output());

      List<String> errors = lines(node.log(), "SEVERE  io.tidaldb.node: TidalDB cannot serve: ");
      assertEquals(1, errors.size(), node.log());
      assertTrue(
          errors.get(0).contains("StoreComponent (region 0) failed to activate: "), errors.get(0));
      assertTrue(
          errors.get(0).contains(home.toRealPath().resolve("conf/io.tidaldb.wal.cfg/store") + ": "),
          errors.get(0));
    }
  }

  private Path onlySegment() throws IOException {
    try (Stream<Path> files = Files.list(home.resolve("data/wal"))) {
      List<Path> segments = files.filter(p -> p.getFileName().toString().endsWith(".wal")).toList();
      assertEquals(1, segments.size(), segments.toString());
      return segments.get(0);
    }
  }

  private static List<String> lines(String text, String part) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.contains(part)) {
        out.add(line);
      }
    }
    return out;
  }

  /** A finished command: its exit status and its stdout and stderr together. */
  private record Result(int status, String output) {}

  /** Runs {@code bin/tidaldb} with {@code args} to its end (within the deadline). */
  private Result run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/tidaldb").toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(RunningNode.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not end within " + RunningNode.DEADLINE);
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
