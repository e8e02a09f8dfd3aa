package io.tidaldb.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's three-process walk-through, run as written: its {@code $ } lines, read from
 * README.md, each run with {@code sh -c} in a copy of the packaged distribution placed at {@code
 * distribution/target/} of a scratch directory (so its {@code cd} line works), with free loopback
 * ports written into the copy's {@code conf/tcp-region-N} (nothing else on this machine is
 * disturbed; the commands name no port). Each command must exit 0, and every output line the README
 * shows under it must be printed: numbers may differ (pids, positions, stamps, which region leads,
 * so a write's {@code , via region-N} too), except a {@code count=... sum=...} read, which must
 * match exactly. The README allows two repeats: a read of a region just restarted is typed again
 * until it has caught up, and a signal refused with nothing stored (an election still running) is
 * typed again.
 */
class ThreeProcessWalkthroughIT {
  private static final Path DIST = Path.of(System.getProperty("tidaldb.dist", "missing"));

  /** How long one command may take ({@code start} waits for three JVMs and their elections). */
  private static final long COMMAND_SECONDS = 180;

  private static final String HEADING = "Three regions as three processes over TCP";

  @TempDir Path tmp;

  /** A README command and the output lines shown under it. */
  private record Step(String command, List<String> shown) {}

  @Test
  void shouldRunTheReadmeThreeProcessWalkthroughAsWritten() throws Exception {
    long started = System.nanoTime();
    List<Step> steps = readmeSteps();
    assertTrue(steps.size() >= 8, "README walk-through too short: " + steps);
    TcpRegions regions = TcpRegions.withFreePorts(DIST, tmp.resolve("distribution/target"));
    Path home = regions.home();
    Path cwd = tmp;
    List<String> timings = new ArrayList<>();
    try {
      for (Step step : steps) {
        if (step.command().startsWith("cd ")) {
          cwd = cwd.resolve(step.command().substring(3).trim()).normalize();
          assertTrue(Files.isDirectory(cwd), step.command() + ": no directory " + cwd);
          continue;
        }
        long t = System.nanoTime();
        run(step, cwd);
        timings.add(
            step.command().replaceAll(" +#.*", "").replace("bin/tidaldb-three ", "")
                + " "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t)
                + " ms");
      }
      assertEquals(
          "region 0 is stopped\nregion 1 is stopped\nregion 2 is stopped\n",
          sh("bin/tidaldb-three status", home),
          "the walk-through ends with every region stopped");
    } finally {
      // a failed step must not leave the three running
      try {
        sh("bin/tidaldb-three kill 0 1 2", home);
      } catch (AssertionError | IOException e) {
        System.out.println("ThreeProcessWalkthroughIT: kill 0 1 2 failed: " + e);
      }
    }
    System.out.printf(
        "ThreeProcessWalkthroughIT: %d README commands in %d ms: %s%n",
        steps.size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        String.join(", ", timings));
  }

  private void run(Step step, Path cwd) throws Exception {
    long deadline = System.nanoTime() + RunningNode.DEADLINE.toNanos();
    while (true) {
      String out = sh(step.command(), cwd);
      String missing = firstMissing(step.shown(), out);
      if (missing == null) {
        return;
      }
      boolean again =
          step.command().contains(" tidal:read ")
              || step.command().contains(" tidal:signal ") && RunningNode.nothingStored(out);
      if (!again || System.nanoTime() > deadline) {
        throw new AssertionError(
            "$ "
                + step.command()
                + "\nprinted:\n"
                + out
                + "\nbut not the README's line:\n"
                + missing);
      }
    }
  }

  /** Runs {@code command} with {@code sh -c} in {@code cwd}; it must exit 0. */
  private static String sh(String command, Path cwd) throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder("sh", "-c", command).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process p = pb.start();
    String[] out = {""};
    Thread reader =
        new Thread(
            () -> {
              try {
                out[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                out[0] = "[output not read: " + e + "]";
              }
            },
            "walkthrough-output");
    reader.start();
    if (!p.waitFor(COMMAND_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("$ " + command + " still runs after " + COMMAND_SECONDS + " s");
    }
    // the regions started in the background keep no copy of this output pipe (bin/tidaldb-three
    // redirects theirs), so it closes when the script exits
    reader.join(TimeUnit.SECONDS.toMillis(COMMAND_SECONDS));
    assertEquals(0, p.exitValue(), "$ " + command + " exited " + p.exitValue() + ":\n" + out[0]);
    return out[0];
  }

  /** The first shown line that no printed line matches (see {@link #matches}), or null. */
  private static String firstMissing(List<String> shown, String out) {
    List<String> printed = out.lines().toList();
    for (String line : shown) {
      if (printed.stream().noneMatch(p -> matches(line, p))) {
        return line;
      }
    }
    return null;
  }

  /**
   * Whether a printed line is what the README shows: a read's count and sum alike, anything else
   * alike once every number is replaced by {@code #} and runs of blanks by one.
   */
  static boolean matches(String shown, String printed) {
    if (shown.startsWith("count=")) {
      return printed.startsWith(shown.substring(0, shown.indexOf(" score=") + 1));
    }
    return shape(shown).equals(shape(printed));
  }

  private static String shape(String line) {
    return line.strip()
        .replaceAll("\\d+(\\.\\d+)?", "#")
        .replaceAll("\\s+", " ")
        // a write's answer names the path when another region leads: which one leads may differ
        .replace(", via region-#)", ")");
  }

  /**
   * The {@code $ } lines of the README's code block after {@link #HEADING}, comments ({@code #
   * ...}) included since {@code sh} skips them, each with the lines shown under it ({@code ...} and
   * blank ones left out).
   */
  private static List<Step> readmeSteps() throws IOException {
    // DIST is <repo>/distribution/target/tidaldb-VERSION
    Path readme = DIST.toAbsolutePath().getParent().getParent().getParent().resolve("README.md");
    List<String> lines = Files.readAllLines(readme, StandardCharsets.UTF_8);
    int at = 0;
    while (at < lines.size() && !lines.get(at).startsWith(HEADING)) {
      at++;
    }
    while (at < lines.size() && !lines.get(at).equals("```")) {
      at++;
    }
    assertTrue(at < lines.size(), "README.md has no code block after '" + HEADING + "'");
    List<Step> steps = new ArrayList<>();
    for (at++; at < lines.size() && !lines.get(at).equals("```"); at++) {
      String line = lines.get(at);
      if (line.startsWith("$ ")) {
        steps.add(new Step(line.substring(2), new ArrayList<>()));
      } else if (!line.isBlank() && !line.strip().equals("...") && !steps.isEmpty()) {
        steps.get(steps.size() - 1).shown().add(line);
      }
    }
    return steps;
  }
}
