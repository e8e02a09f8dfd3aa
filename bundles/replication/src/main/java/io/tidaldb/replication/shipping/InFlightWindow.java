package io.tidaldb.replication.shipping;

/**
 * The batches sent but not yet acknowledged, as (end position, frame bytes, send time) triples in
 * send order, in growable primitive ring arrays. Not thread-safe.
 */
final class InFlightWindow {
  private long[] ends = new long[64];
  private int[] lengths = new int[64];
  private long[] sent = new long[64];
  private int head;
  private int size;
  private long bytes;

  void add(long endPosition, int length, long sentNanos) {
    if (size == ends.length) {
      grow();
    }
    int i = (head + size) & (ends.length - 1);
    ends[i] = endPosition;
    lengths[i] = length;
    sent[i] = sentNanos;
    size++;
    bytes += length;
  }

  /**
   * Releases every batch that ends at or below {@code hwm}.
   *
   * @return the send time of the last batch released, {@code Long.MIN_VALUE} if none was
   */
  long release(long hwm) {
    long lastSent = Long.MIN_VALUE;
    while (size > 0 && ends[head] <= hwm) {
      bytes -= lengths[head];
      lastSent = sent[head];
      head = (head + 1) & (ends.length - 1);
      size--;
    }
    return lastSent;
  }

  void clear() {
    head = 0;
    size = 0;
    bytes = 0;
  }

  long bytes() {
    return bytes;
  }

  /** Returns the send time of the oldest batch in flight; only when not {@link #isEmpty()}. */
  long oldestSentNanos() {
    return sent[head];
  }

  boolean isEmpty() {
    return size == 0;
  }

  private void grow() {
    long[] newEnds = new long[ends.length * 2];
    int[] newLengths = new int[ends.length * 2];
    long[] newSent = new long[ends.length * 2];
    for (int i = 0; i < size; i++) {
      int j = (head + i) & (ends.length - 1);
      newEnds[i] = ends[j];
      newLengths[i] = lengths[j];
      newSent[i] = sent[j];
    }
    ends = newEnds;
    lengths = newLengths;
    sent = newSent;
    head = 0;
  }
}
