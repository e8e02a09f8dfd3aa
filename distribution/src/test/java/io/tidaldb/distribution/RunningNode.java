package io.tidaldb.distribution;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A node started from an unpacked distribution with {@code bin/tidaldb}, its console read by a
 * background thread. Waits are conditions with a deadline.
 */
final class RunningNode implements AutoCloseable {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private final Path home;
  private final Process process;
  private final StringBuffer output = new StringBuffer();
  private final Writer console;
  private final Thread reader;

  private RunningNode(Path home, Process process) {
    this.home = home;
    this.process = process;
    this.console =
        new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.reader = new Thread(this::readOutput, "tidaldb-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code bin/tidaldb} in {@code home} with the JDK running the test, stdin a pipe.
   *
   * @param home the distribution home
   * @param options {@code --console} or {@code --service}, then any other options such as {@code
   *     --conf conf/three-regions}
   * @return the running node
   */
  static RunningNode start(Path home, String... options) throws IOException {
    return start(home, Map.of(), options);
  }

  /**
   * Starts {@code bin/tidaldb} in {@code home} as {@link #start(Path, String...)} does, with more
   * environment variables, e.g. {@code TIDALDB_CACHE} for one of several processes of one home.
   *
   * @param home the distribution home
   * @param environment variables added to (or replacing) the test's environment
   * @param options {@code --console} or {@code --service}, then any other options
   * @return the running node
   */
  static RunningNode start(Path home, Map<String, String> environment, String... options)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/tidaldb").toString());
    command.addAll(List.of(options));
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(home.getParent().toFile()).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("TIDALDB_OPTS", "-Xmx256m");
    pb.environment().putAll(environment);
    return new RunningNode(home, pb.start());
  }

  /**
   * Starts {@code bin/tidaldb} in {@code home} on a terminal, as a person at a keyboard: util-linux
   * {@code script} gives it a pseudo-terminal (160 columns, 40 rows) whose input is this node's
   * {@link #type}, so the console is the interactive JLine one (raw keys, escape sequences in the
   * output).
   *
   * @param home the distribution home
   * @return the running node
   */
  static RunningNode startOnTerminal(Path home) throws IOException {
    List<String> command =
        List.of(
            "script",
            "-qfec",
            // A job started with '&' by a non-interactive shell inherits SIGINT ignored, and an
            // ignored signal stays ignored across exec: Ctrl-C would then only flush the typed
            // line. Perl puts the default back, as a terminal's shell would have it.
            "stty cols 160 rows 40; exec perl -e '$SIG{INT} = q(DEFAULT); exec @ARGV or die' '"
                + home.resolve("bin/tidaldb")
                + "'",
            "/dev/null");
    ProcessBuilder pb =
        new ProcessBuilder(command).directory(home.getParent().toFile()).redirectErrorStream(true);
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("TIDALDB_OPTS", "-Xmx256m");
    return new RunningNode(home, pb.start());
  }

  /** What a node run in place leaves in the packaged folder: never copied. */
  static final Set<String> RUNTIME_STATE = Set.of("data", "logs", "felix-cache", "run", "certs");

  private static final AtomicLong MARKERS = new AtomicLong();

  /**
   * Copies the packaged distribution {@code dist} into {@code dir} without the state a node run in
   * place leaves there, with the scripts of {@code bin/} executable.
   *
   * @param dist the packaged folder, {@code target/tidaldb-VERSION}
   * @param dir where to copy it
   * @return the copy's home, {@code dir/tidaldb-VERSION}
   */
  static Path copyDistribution(Path dist, Path dir) throws IOException {
    Path home = dir.resolve(dist.getFileName());
    try (java.util.stream.Stream<Path> files = Files.walk(dist)) {
      files
          .filter(from -> !RUNTIME_STATE.contains(dist.relativize(from).getName(0).toString()))
          .forEach(
              from -> {
                Path to = home.resolve(dist.relativize(from).toString());
                try {
                  if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                  } else {
                    Files.copy(from, to);
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
    for (String script : List.of("tidaldb", "tidaldb-three", "make-certs")) {
      Files.setPosixFilePermissions(
          home.resolve("bin").resolve(script),
          java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return home;
  }

  /**
   * Types {@code command}, then an {@code echo} of a marker, and returns everything printed between
   * the two (the command's answer, and any log lines printed meanwhile), within the deadline.
   *
   * @param command the console command
   * @return its output, prompts included
   */
  String answer(String command) throws IOException {
    String marker = "answered-" + MARKERS.incrementAndGet();
    int from = output.length();
    command(command);
    command("echo " + marker);
    await(
        () -> output().indexOf(marker + "\n", from) >= 0,
        command + " to answer (marker " + marker + ")");
    String text = output();
    return text.substring(from, text.indexOf(marker + "\n", from));
  }

  private void readOutput() {
    try (Reader in = new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)) {
      char[] buf = new char[4096];
      for (int n; (n = in.read(buf)) >= 0; ) {
        output.append(buf, 0, n);
      }
    } catch (IOException e) {
      output.append("\n[output reader failed: ").append(e).append("]\n");
    }
  }

  /** Everything the node printed so far (console and log lines). */
  String output() {
    return output.toString();
  }

  /** The content of logs/tidaldb.log. */
  String log() {
    try {
      Path log = home.resolve("logs/tidaldb.log");
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the output contains {@code text} {@code times} times. */
  void awaitOutput(String text, int times) {
    await(() -> count(output(), text) >= times, "output to show '" + text + "' " + times + "x");
  }

  /** Waits until the output shows any of {@code texts}, {@code times} times in all. */
  void awaitAnyOutput(int times, String... texts) {
    await(
        () -> {
          int n = 0;
          for (String text : texts) {
            n += count(output(), text);
          }
          return n >= times;
        },
        "output to show any of " + List.of(texts) + " " + times + "x");
  }

  /** Waits until the output contains {@code text}. */
  void awaitOutput(String text) {
    awaitOutput(text, 1);
  }

  /** Types keys as they are, without a newline (on a terminal: Tab, Ctrl-C, arrows). */
  void type(String keys) throws IOException {
    console.write(keys);
    console.flush();
  }

  /** Types one console command. */
  void command(String line) throws IOException {
    console.write(line + "\n");
    console.flush();
  }

  /**
   * Waits for the process to exit and for the reader to take the last of its output (the process
   * can end before its final lines were read), and returns its status.
   */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("node did not exit within " + DEADLINE + "; output:\n" + output());
    }
    reader.join(DEADLINE.toMillis());
    if (reader.isAlive()) {
      throw new AssertionError("output not closed " + DEADLINE + " after exit:\n" + output());
    }
    return process.exitValue();
  }

  /**
   * Waits until the store is open and the tidal commands answer: the shell bundle registers them a
   * moment after the store opens, so {@code tidal:status} is typed until it answers.
   */
  void awaitCommands() throws IOException {
    awaitOutput("store open");
    repeatUntil("tidal:status", "signals accepted");
  }

  /**
   * Types {@code command} again and again (every 2 s at most) until its answer shows {@code
   * expected} once more than before, within the deadline.
   */
  void repeatUntil(String command, String expected) throws IOException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      int before = count(output(), expected);
      command(command);
      if (await(
          () -> count(output(), expected) > before,
          command + " to show '" + expected + "'",
          Duration.ofNanos(
              Math.max(
                  1_000_000,
                  Math.min(deadline - System.nanoTime(), Duration.ofSeconds(2).toNanos()))),
          false)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            command + " never showed '" + expected + "'; output:\n" + output());
      }
    }
  }

  /**
   * Types {@code command} once and waits for its answer: the first whole console line printed since
   * that starts with one of {@code answers} (after any {@code g! } prompts), within the deadline.
   *
   * @param command the console command
   * @param answers how the lines that may answer it start, the first match wins
   * @return the answer, without the prompt
   */
  String ask(String command, String... answers) throws IOException {
    int from = output.length();
    command(command);
    String[] answer = {null};
    await(
        () -> {
          answer[0] = firstLine(output().substring(from), answers);
          return answer[0] != null;
        },
        command + " to answer a line starting with any of " + List.of(answers));
    return answer[0];
  }

  /**
   * Types {@code command} until it answers something else than {@code refusal}, within the
   * deadline. It is typed again only after it answered a line starting with {@code refusal}, never
   * while its answer is pending, so a slow answer is never doubled by a second attempt.
   *
   * @param command the console command
   * @param refusal how an answer to type the command again after starts
   * @param answers how its other answers start
   * @return the first answer that is not a refusal, without the prompt
   */
  String retypeWhileRefused(String command, String refusal, String... answers) throws IOException {
    String[] starts = new String[answers.length + 1];
    starts[0] = refusal;
    System.arraycopy(answers, 0, starts, 1, answers.length);
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      String answer = ask(command, starts);
      if (!answer.startsWith(refusal)) {
        return answer;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            command + " was still refused after " + DEADLINE + "; output:\n" + output());
      }
    }
  }

  /**
   * Types a {@code tidal:signal} command until it answers a line starting with {@code stored},
   * within the deadline. It is typed again only after an {@code error: } answer that says nothing
   * was stored (see {@link #nothingStored}): typed again after any other error, a signal that was
   * stored after all would count twice. Any other error fails at once.
   *
   * @param command the {@code tidal:signal} command
   * @param stored how its success answer starts
   * @return the success answer, without the prompt
   */
  String signalUntilStored(String command, String stored) throws IOException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      String answer = ask(command, stored, "error: ");
      if (!answer.startsWith("error: ")) {
        return answer;
      }
      if (!nothingStored(answer)) {
        throw new AssertionError(
            command
                + " answered an error after which the signal may be stored, so it is not typed"
                + " again: "
                + answer
                + "; output:\n"
                + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            command + " was still refused after " + DEADLINE + "; output:\n" + output());
      }
    }
  }

  /**
   * Whether an {@code error: } answer of {@code tidal:signal} says that nothing was stored: a
   * region that does not lead the shard and knows no leader (an election is running) refused it
   * ({@code NotLeaderException}: "does not lead shard"), a forward that was never sent ("nothing
   * was sent"), a new series whose definition is not QUORUM-stored ("no signal of it was
   * appended"), or no store bound to the console ("store unavailable: "). An answer that says the
   * signal "may or may not be stored" or "may still be replicated" is never one, whatever it
   * quotes.
   */
  static boolean nothingStored(String answer) {
    if (!answer.startsWith("error: ")
        || answer.contains("may or may not be stored")
        || answer.contains("may still be replicated")) {
      return false;
    }
    return answer.contains(" does not lead shard ")
        || answer.contains("; nothing was sent")
        || answer.contains("so no signal of it was appended")
        || answer.startsWith("error: store unavailable: ");
  }

  /** The first complete line of {@code text} with one of {@code starts}, prompts stripped. */
  private static String firstLine(String text, String... starts) {
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return null;
    }
    for (String line : text.substring(0, end).split("\n", -1)) {
      while (line.startsWith("g! ")) {
        line = line.substring(3);
      }
      for (String start : starts) {
        if (line.startsWith(start)) {
          return line;
        }
      }
    }
    return null;
  }

  /**
   * The CPU time the process has used so far (user and system; in console mode the script has
   * exec'd the JVM, so this is the JVM's), or zero where the platform does not tell.
   */
  Duration cpu() {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  /** Whether the process still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGTERM to bin/tidaldb (unlike Process.destroy, keeps reading its output). */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Sends SIGKILL (in console mode the script has exec'd the JVM: this kills the JVM). */
  void kill() throws InterruptedException {
    sigkill();
    awaitExit();
  }

  /** Sends SIGKILL and returns at once (see {@link #kill}, {@link #awaitExit}). */
  void sigkill() {
    process.toHandle().destroyForcibly();
  }

  private void await(Supplier<Boolean> condition, String what) {
    await(condition, what, DEADLINE, true);
  }

  private boolean await(Supplier<Boolean> condition, String what, Duration timeout, boolean fail) {
    try {
      Awaitility.await(what)
          .atMost(timeout)
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                boolean met = condition.get();
                if (!met && !process.isAlive()) {
                  throw new AssertionError(
                      "node exited ("
                          + process.exitValue()
                          + ") before "
                          + what
                          + "; output:\n"
                          + output());
                }
                return met;
              });
      return true;
    } catch (ConditionTimeoutException e) {
      if (!fail) {
        return false;
      }
      throw new AssertionError("timed out waiting for " + what + "; output:\n" + output(), e);
    }
  }

  static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + part.length())) {
      n++;
    }
    return n;
  }

  /** Kills the node if it still runs (a failed test must not leave a JVM behind). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
