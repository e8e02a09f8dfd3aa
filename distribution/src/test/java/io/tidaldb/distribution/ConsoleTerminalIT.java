package io.tidaldb.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console on a terminal (a pseudo-terminal from util-linux {@code script}), typed at as a
 * person would: the banner, Tab completing a command, Ctrl-C cancelling a line (nothing stored, the
 * node keeps running), the Up arrow recalling the last line, {@code stop 0} exiting 0.
 */
class ConsoleTerminalIT {
  private static final Path DIST = Path.of(System.getProperty("tidaldb.dist", "missing"));
  private static final Path SCRIPT = Path.of("/usr/bin/script");
  private static final Path PERL = Path.of("/usr/bin/perl");

  /** The Up arrow as a terminal sends it in keypad-transmit mode, which JLine switches on. */
  private static final String UP = "\033OA";

  private static final String CTRL_C = "\003";

  /** What the console writes as each new line starts: bracketed paste on, then the prompt. */
  private static final String PROMPT = "\033[?2004hg! ";

  @TempDir Path tmp;
  private Path home;

  @BeforeEach
  void copyDistribution() throws IOException {
    assertTrue(Files.isDirectory(DIST), "no distribution at " + DIST + " (run mvn package)");
    home = RunningNode.copyDistribution(DIST, tmp);
  }

  @Test
  void shouldCompleteCancelAndRecallLinesOnATerminal() throws Exception {
    assumeTrue(Files.isExecutable(SCRIPT), "needs " + SCRIPT + " (util-linux) for a terminal");
    assumeTrue(Files.isExecutable(PERL), "needs " + PERL + " to give the node a default SIGINT");
    try (RunningNode node = RunningNode.startOnTerminal(home)) {
      node.awaitOutput("help lists the commands"); // the banner, then the prompt
      node.awaitOutput(PROMPT, 1);
      node.type("tidal:signal default view 1 1\r");
      node.awaitOutput("ok: durable at LOCAL, stored by region-0: shard-");

      node.type("tidal:rea\t"); // completes to "tidal:read "
      node.type("default view 1\r");
      node.awaitOutput("count=1 ", 1);

      node.awaitOutput(PROMPT, 3);
      node.type("tidal:signal default view 1 1" + CTRL_C); // cancelled: not run, not stored
      node.awaitOutput(PROMPT, 4); // a new line, once the interrupt is handled
      node.type(UP + "\r"); // the last line run: tidal:read
      node.awaitOutput("count=1 ", 2);
      assertEquals(1, RunningNode.count(node.output(), "ok: durable"), node.output());

      node.type("stop 0\r");
      assertEquals(0, node.awaitExit(), node.output());
      assertTrue(node.output().contains("store closed: region region-0"), node.output());
    }
  }
}
