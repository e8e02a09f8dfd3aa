package io.tidaldb.distribution.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The node's state file (default {@code run/tidaldb.state}, see bin/tidaldb): what the launcher
 * tells scripts ({@code bin/tidaldb --wait-ready}) about the running node. Three lines, rewritten
 * whole (through a temporary file moved into place) at each change:
 *
 * <pre>
 * state=starting|ready|failed|stopping|stopped
 * pid=12345
 * detail=why: what it waits for, why it failed or stopped
 * </pre>
 *
 * @param phase the node's phase
 * @param pid the JVM's process id
 * @param detail one line: what the node waits for, why it failed or why it stopped
 */
record NodeState(Phase phase, long pid, String detail) {

  /** The phases of a node's life, in order (a failed node may still stop). */
  enum Phase {
    STARTING,
    READY,
    FAILED,
    STOPPING,
    STOPPED
  }

  NodeState {
    detail = detail == null ? "" : detail.replace('\n', ' ').replace('\r', ' ');
  }

  /**
   * Writes this state to {@code file}, replacing what was there.
   *
   * @param file the state file
   */
  void write(Path file) {
    String text =
        "state="
            + phase.name().toLowerCase(java.util.Locale.ROOT)
            + "\npid="
            + pid
            + "\ndetail="
            + detail
            + "\n";
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path tmp = parent.resolve(file.getFileName() + ".tmp");
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the node state file " + file, e);
    }
  }

  /**
   * Reads a state file.
   *
   * @param file the state file
   * @return its state, or empty if there is no such file
   * @throws IllegalArgumentException if the file is not a state file
   */
  static Optional<NodeState> read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    Phase phase = null;
    long pid = -1;
    String detail = "";
    for (String line : text.split("\n")) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = line.substring(0, eq);
      String value = line.substring(eq + 1);
      switch (key) {
        case "state" -> phase = Phase.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        case "pid" -> pid = Long.parseLong(value);
        case "detail" -> detail = value;
        default -> {}
      }
    }
    if (phase == null || pid < 0) {
      throw new IllegalArgumentException(
          file + " is not a node state file (no state= or pid= line): '" + text + "'");
    }
    return Optional.of(new NodeState(phase, pid, detail));
  }

  /** The phase in lower case, then the detail: e.g. {@code failed: component ...}. */
  String describe() {
    String p = phase.name().toLowerCase(java.util.Locale.ROOT);
    return detail.isEmpty() ? p : p + ": " + detail;
  }
}
