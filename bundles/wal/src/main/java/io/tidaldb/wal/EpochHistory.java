package io.tidaldb.wal;

import java.util.Arrays;

/**
 * A shard's epoch history: for each epoch its log holds, the first position of the first batch
 * stamped with it, in position order (epochs only grow along a log). Built by {@link ShardRecovery}
 * from every batch header it reads, extended by the commit thread before the durable position
 * passes a batch with a higher epoch, cut by {@link SuffixTruncation} and thinned by {@code
 * truncateBefore}. A handful of entries per leader change; thread-safe (this object's monitor).
 *
 * <p>After {@code resetTo(position, lastEpoch)} ({@link #reset}) the history is empty but has a
 * base: {@code lastEpoch} is the epoch of the (absent) record just below {@code position}, what
 * {@link #lastEpoch} answers while no entry starts below the durable position. Recovery restores
 * the base from the shard's {@link LogStart} while the log still starts at that position; once
 * {@code truncateBefore} moves the start beyond it, the base becomes the epoch of the record below
 * the new start while this history knows it, and 0 after a restart, since that epoch is not on disk
 * (only a log trimmed up to its durable end answers from the base: the store trims no further than
 * its oldest kept snapshot, below its newest).
 *
 * <p>Queries take the durable position, read by the caller <em>before</em> calling: an entry is
 * added before the durable position passes its batch, so every durable batch below that value is
 * covered, and an entry at or above it (a batch not yet durable) changes no answer.
 */
final class EpochHistory {
  private long[] epochs = new long[4];
  private long[] starts = new long[4];
  private int size;
  private long basePosition; // the log starts here (or later) since the last reset
  private long baseEpoch; // the epoch of the record below basePosition; 0 before any reset

  /**
   * Notes a batch: starts a new entry if its epoch is above the last entry's, else does nothing.
   *
   * @param epoch the batch's epoch
   * @param firstPosition the batch's first position
   */
  synchronized void batch(long epoch, long firstPosition) {
    if (size > 0 && epoch <= epochs[size - 1]) {
      return;
    }
    if (size == epochs.length) {
      epochs = Arrays.copyOf(epochs, size * 2);
      starts = Arrays.copyOf(starts, size * 2);
    }
    epochs[size] = epoch;
    starts[size] = firstPosition;
    size++;
  }

  /**
   * Returns the first position of the first batch whose epoch is above {@code epoch}, at most
   * {@code durable}.
   *
   * @param epoch the epoch
   * @param durable the durable position, read before this call
   * @return the end of {@code epoch} in the log
   */
  synchronized long endOfEpoch(long epoch, long durable) {
    for (int i = 0; i < size; i++) {
      if (epochs[i] > epoch) {
        return Math.min(starts[i], durable);
      }
    }
    return durable;
  }

  /**
   * Returns the epoch of the last batch below {@code durable}.
   *
   * @param durable the durable position, read before this call
   * @return that epoch, or the base epoch (0 if the log was never reset) if no entry starts below
   *     it
   */
  synchronized long lastEpoch(long durable) {
    for (int i = size - 1; i >= 0; i--) {
      if (starts[i] < durable) {
        return epochs[i];
      }
    }
    return baseEpoch;
  }

  /**
   * Forgets every entry: the log continues empty at {@code position}, the record below which had
   * {@code lastEpoch}.
   *
   * @param position where the log continues
   * @param lastEpoch the epoch of the record just below it
   */
  synchronized void reset(long position, long lastEpoch) {
    size = 0;
    base(position, lastEpoch);
  }

  /**
   * Sets the base, keeping the entries (recovery, which read the batches from {@code position} on).
   *
   * @param position where the log starts since its last reset
   * @param lastEpoch the epoch of the record just below it
   */
  synchronized void base(long position, long lastEpoch) {
    basePosition = position;
    baseEpoch = lastEpoch;
  }

  /**
   * Forgets every entry that starts at or after {@code position} (the log was cut there).
   *
   * @param position the new end of the log
   */
  synchronized void cutFrom(long position) {
    while (size > 0 && starts[size - 1] >= position) {
      size--;
    }
  }

  /**
   * Forgets the entries whose batches all lie below {@code start} (their segments were deleted) and
   * moves the start of the entry that covers {@code start} up to it.
   *
   * @param start the first position still held
   */
  synchronized void dropBelow(long start) {
    long below = baseEpoch; // the epoch of the record at start - 1, while the history knows it
    for (int i = 0; i < size && starts[i] < start; i++) {
      below = epochs[i];
    }
    int drop = 0;
    while (drop + 1 < size && starts[drop + 1] <= start) {
      drop++;
    }
    if (drop > 0) {
      System.arraycopy(epochs, drop, epochs, 0, size - drop);
      System.arraycopy(starts, drop, starts, 0, size - drop);
      size -= drop;
    }
    if (size > 0 && starts[0] < start) {
      starts[0] = start;
    }
    if (start > basePosition) {
      // a log trimmed up to its durable end still knows its last epoch (it voted as epoch 0 and
      // elected a region whose log lacked its records: SnapshotCatchUpTest); after a restart the
      // epoch below the start is not on disk and the base is 0 again (see the class comment)
      basePosition = start;
      baseEpoch = below;
    }
  }

  @Override
  public synchronized String toString() {
    StringBuilder b = new StringBuilder("EpochHistory[base ").append(baseEpoch).append('@');
    b.append(basePosition).append(size == 0 ? "" : ", ");
    for (int i = 0; i < size; i++) {
      b.append(i == 0 ? "" : ", ").append(epochs[i]).append('@').append(starts[i]);
    }
    return b.append(']').toString();
  }
}
