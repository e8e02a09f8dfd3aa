package io.tidaldb.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording (for instance one from JMH's {@code -prof jfr}) for RESULTS.md: the
 * machine's and the JVM's CPU load, then the execution samples by thread, by top frame (self time)
 * and by method anywhere on the stack (inclusive time), and the sampled allocations by site.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.tidaldb.bench.JfrHotFrames profile.jfr [rows]
 * </pre>
 */
public final class JfrHotFrames {
  private JfrHotFrames() {}

  /**
   * Prints the summary.
   *
   * @param args the recording, then optionally how many rows per table (default 25)
   * @throws IOException if the recording cannot be read
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: JfrHotFrames <recording.jfr> [rows]");
      System.exit(2);
    }
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 25;
    Map<String, Integer> byThread = new HashMap<>();
    Map<String, Integer> self = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    Map<String, Integer> allocations = new HashMap<>();
    long allocatedBytes = 0;
    double user = 0;
    double system = 0;
    double machine = 0;
    int loads = 0;
    int samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      String type = e.getEventType().getName();
      if (type.equals("jdk.CPULoad")) {
        user += e.getFloat("jvmUser");
        system += e.getFloat("jvmSystem");
        machine += e.getFloat("machineTotal");
        loads++;
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        long weight = e.getLong("weight");
        allocatedBytes += weight;
        RecordedStackTrace stack = e.getStackTrace();
        String where = stack == null ? "?" : shortStack(stack.getFrames(), 4);
        allocations.merge(
            e.getClass("objectClass").getName() + " @ " + where,
            (int) Math.min(Integer.MAX_VALUE, weight >> 10),
            Integer::sum);
      } else if (type.equals("jdk.ExecutionSample")) {
        samples++;
        RecordedThread thread = e.getThread("sampledThread");
        String name = thread == null ? "?" : thread.getJavaName();
        byThread.merge(name.replaceAll("\\d+$", "N"), 1, Integer::sum);
        RecordedStackTrace stack = e.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        List<RecordedFrame> frames = stack.getFrames();
        self.merge(frameName(frames.get(0)) + ":" + frames.get(0).getLineNumber(), 1, Integer::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame f : frames) {
          String method = frameName(f);
          if (seen.add(method)) {
            inclusive.merge(method, 1, Integer::sum);
          }
        }
      }
    }
    if (loads > 0) {
      System.out.printf(
          Locale.ROOT,
          "CPU load (%d readings, share of all cores): JVM user %.1f%%, JVM system %.1f%%,"
              + " machine %.1f%%%n",
          loads,
          100 * user / loads,
          100 * system / loads,
          100 * machine / loads);
    }
    System.out.println("execution samples: " + samples);
    print("by thread", byThread, samples, rows);
    print("top frame (self)", self, samples, rows);
    print("on stack (inclusive)", inclusive, samples, rows);
    System.out.println(
        "sampled allocation: " + (allocatedBytes >> 20) + " MiB (KiB per site below)");
    print("allocation sites (type @ 4 frames)", allocations, (int) (allocatedBytes >> 10), rows);
  }

  private static String shortStack(List<RecordedFrame> frames, int depth) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(depth, frames.size()); i++) {
      sb.append(i == 0 ? "" : " < ").append(frameName(frames.get(i)));
    }
    return sb.toString();
  }

  private static String frameName(RecordedFrame frame) {
    String type = frame.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
  }

  private static void print(String title, Map<String, Integer> counts, int total, int rows) {
    System.out.println("-- " + title);
    counts.entrySet().stream()
        .sorted((a, b) -> Integer.compare(b.getValue(), a.getValue()))
        .limit(rows)
        .forEach(
            e ->
                System.out.printf(
                    Locale.ROOT,
                    "%7d %5.1f%%  %s%n",
                    e.getValue(),
                    100.0 * e.getValue() / total,
                    e.getKey()));
  }
}
