package io.tidaldb.replication.node;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * What a simulation run did: the last {@link #KEPT} events in words (40, or {@code
 * -Dsimulation.trace=N}) (faults, crashes, leaders, acknowledgements) for a failure report, and a
 * hash over every event and every delivered frame, so that two runs of one seed can be compared.
 */
final class SimTrace {
  static final int KEPT = Integer.getInteger("simulation.trace", 40);

  private final ArrayDeque<String> last = new ArrayDeque<>();
  private long hash = 0xcbf29ce484222325L;
  private long events;
  private long frames;

  void event(long nowNanos, String what) {
    String line = String.format("%8.3f ms %s", nowNanos / 1e6, what);
    if (last.size() == KEPT) {
      last.poll();
    }
    last.add(line);
    mix(line.hashCode());
    events++;
  }

  void frame(long nowNanos, int from, int to, byte[] frame) {
    mix(nowNanos);
    mix(from * 31L + to);
    mix(frame.length);
    for (int i = 0; i < frame.length && i < 64; i++) {
      mix(frame[i]);
    }
    frames++;
  }

  void mix(long v) {
    hash = (hash ^ v) * 0x100000001b3L;
  }

  long hash() {
    return hash;
  }

  long frames() {
    return frames;
  }

  /** The last events, one a line. */
  String tail() {
    StringBuilder b = new StringBuilder();
    for (String line : last) {
      b.append("  ").append(line).append('\n');
    }
    return b.toString();
  }

  static String ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
  }
}
