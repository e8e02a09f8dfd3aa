package io.tidaldb.distribution.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code bin/tidaldb --wait-ready [SECONDS]}: waits until the node of this distribution home is
 * ready, for scripts. Reads the node's state file ({@link NodeState}) every 100 ms.
 *
 * <p>Exit status: 0 once the node is ready (its state file says so and its process runs); 1 when it
 * failed, stopped or exited before it was ready (the reason on stderr); 3 when it is not ready
 * within the timeout (what it was waiting for on stderr); 2 for a bad argument. A state file left
 * by an earlier run (older than this command, its process gone) counts as no node yet, so the
 * command can be started right after {@code bin/tidaldb --service &}.
 */
public final class WaitReady {
  static final int READY = 0;
  static final int FAILED = 1;
  static final int USAGE = 2;
  static final int TIMED_OUT = 3;

  private WaitReady() {}

  /**
   * Runs the command.
   *
   * @param args the state file and the timeout in seconds
   */
  public static void main(String[] args) throws Exception {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    if (args.length != 2) {
      err.println("usage: WaitReady <state file> <timeout seconds>");
      return USAGE;
    }
    long seconds;
    try {
      seconds = Long.parseLong(args[1]);
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 0 || seconds > 86_400) {
      err.println(
          "tidaldb: --wait-ready takes whole seconds from 0 to 86400, not '" + args[1] + "'");
      return USAGE;
    }
    Path file = Path.of(args[0]);
    long startMillis = System.currentTimeMillis();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    String last = "no node has started (no " + file + ")";
    while (true) {
      Optional<NodeState> read = read(file);
      if (read.isPresent()) {
        NodeState s = read.get();
        boolean alive = ProcessHandle.of(s.pid()).map(ProcessHandle::isAlive).orElse(false);
        boolean fresh = Files.getLastModifiedTime(file).toMillis() >= startMillis;
        switch (s.phase()) {
          case READY -> {
            if (alive) {
              out.println("tidaldb: ready (pid " + s.pid() + "): " + s.detail());
              return READY;
            }
            last = "the node (pid " + s.pid() + ") was ready but has exited";
          }
          case STARTING -> {
            if (alive) {
              last = "starting (pid " + s.pid() + "): " + s.detail();
            } else if (fresh) {
              err.println(
                  "tidaldb: the node (pid "
                      + s.pid()
                      + ") exited before it was ready: "
                      + s.detail());
              return FAILED;
            } else {
              last = "no node running (the last one, pid " + s.pid() + ", exited while starting)";
            }
          }
          case FAILED, STOPPING, STOPPED -> {
            if (alive || fresh) {
              err.println("tidaldb: not ready (pid " + s.pid() + "): " + s.describe());
              return FAILED;
            }
            last = "no node running (the last one, pid " + s.pid() + ": " + s.describe() + ")";
          }
        }
      }
      if (System.nanoTime() - deadline >= 0) {
        err.println("tidaldb: not ready after " + seconds + " s: " + last);
        return TIMED_OUT;
      }
      Thread.sleep(100); // a command-line poll of a file the node rewrites
    }
  }

  private static Optional<NodeState> read(Path file) throws IOException {
    try {
      return NodeState.read(file);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // being replaced, or not ours: read again
    }
  }
}
