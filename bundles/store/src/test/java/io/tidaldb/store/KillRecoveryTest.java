package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant I2/I4 end to end: a child JVM writes durable signals and is killed with SIGKILL at a
 * random moment; after recovery every acknowledged signal is there exactly once. Three rounds on
 * the same data directory, so recovery also starts from snapshots and earlier crashes.
 */
class KillRecoveryTest {
  @TempDir Path dir;

  @Test
  void shouldKeepEveryAcknowledgedSignalAfterSigkill() throws Exception {
    long seed = Long.getLong("tidal.seed", System.nanoTime());
    System.out.println("KillRecoveryTest seed " + seed + " (rerun with -Dtidal.seed=" + seed + ")");
    Random random = new Random(seed);
    long next = 0;
    List<long[]> acked = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      int ackWindowsBeforeKill = 5 + random.nextInt(40);
      long[] range = runAndKill(next, 500 + random.nextInt(1500), ackWindowsBeforeKill);
      acked.add(range);
      next = range[2]; // entities beyond what was submitted before the kill
    }
    try (StoreFixture db = new StoreFixture(dir)) {
      SignalType view = SignalType.of("view");
      Timestamp at = Timestamp.ofMillis(System.currentTimeMillis());
      long checked = 0;
      for (long[] range : acked) {
        for (long e = range[0]; e < range[1]; e++) {
          assertEquals(
              1, db.store.read(TenantId.DEFAULT, view, EntityId.of(e), at).count(), "entity " + e);
          checked++;
        }
      }
      System.out.println("KillRecoveryTest: " + checked + " acknowledged signals all recovered");
      assertTrue(checked > 0);
    }
  }

  /** Returns {first acked, end of acked, upper bound of submitted}. */
  private long[] runAndKill(long first, int window, int windowsBeforeKill)
      throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            KillWriter.class.getName(),
            dir.toString(),
            Long.toString(first),
            Integer.toString(window));
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process child = pb.start();
    long ackedEnd = first;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      int windows = 0;
      String line;
      while (windows < windowsBeforeKill && (line = out.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          ackedEnd = Long.parseLong(line.split(" ")[2]);
          windows++;
        }
      }
      assertTrue(windows == windowsBeforeKill, "child died early after " + windows + " windows");
      // SIGKILL on Linux: no shutdown hooks, no final fsync. Through the handle, which unlike
      // Process.destroyForcibly leaves the pipe open for draining below.
      child.toHandle().destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
      // The child may have acknowledged more windows than we read before the kill: its output is
      // still in the pipe. Drain it, so the next round starts after everything it submitted.
      while ((line = out.readLine()) != null) {
        String[] parts = line.split(" ");
        if (parts.length == 3 && parts[0].equals("ACK")) {
          try {
            ackedEnd = Math.max(ackedEnd, Long.parseLong(parts[2]));
          } catch (NumberFormatException torn) {
            // a line cut by the kill: the window it reports was not acknowledged
          }
        }
      }
    }
    System.out.println("killed writer after acknowledging entities " + first + ".." + ackedEnd);
    // past the last acknowledged window the child had submitted at most one more window
    return new long[] {first, ackedEnd, ackedEnd + window + 1};
  }
}
