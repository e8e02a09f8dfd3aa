package io.tidaldb.replication.node;

/**
 * When a leader's log became durable up to which position: a ring of the last {@code capacity}
 * advances, so the lag of a follower at HWM {@code h} is the age of the first advance past {@code
 * h}. Not thread-safe: the replication thread records and reads.
 */
final class DurableTimeline {
  private final long[] positions;
  private final long[] nanos;
  private int count;
  private int head; // index of the oldest sample

  DurableTimeline(int capacity) {
    positions = new long[capacity];
    nanos = new long[capacity];
  }

  /** Records that the log is durable below {@code position} at {@code nowNanos}, if it advanced. */
  void record(long position, long nowNanos) {
    if (count > 0 && positions[index(count - 1)] >= position) {
      return;
    }
    if (count == positions.length) {
      head = (head + 1) % positions.length;
      count--;
    }
    int i = index(count);
    positions[i] = position;
    nanos[i] = nowNanos;
    count++;
  }

  /**
   * Returns how long ago the log first became durable past {@code hwm}.
   *
   * @param hwm a follower's durable position
   * @param nowNanos the current time
   * @return the lag in milliseconds, {@code 0} if nothing past {@code hwm} was recorded
   */
  long lagMillis(long hwm, long nowNanos) {
    for (int k = 0; k < count; k++) {
      int i = index(k);
      if (positions[i] > hwm) {
        return Math.max(0, (nowNanos - nanos[i]) / 1_000_000);
      }
    }
    return 0;
  }

  private int index(int k) {
    return (head + k) % positions.length;
  }
}
