package io.tidaldb.api.wal;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * The signals of one shard's part of a session batch, as a writer hands them to {@link
 * ShardLog#appendSessionPart}: indexed 0 to {@code size() - 1}, read by the log while it encodes
 * the record (the log keeps no reference). The writer has validated every field, as for {@link
 * ShardLog#appendSignal(long, int, long, double, long, long, int)}.
 *
 * @since 1.12.0
 */
@ConsumerType
public interface SignalPart {
  /**
   * Returns how many signals the part holds.
   *
   * @return 1 or more
   */
  int size();

  /**
   * Returns a signal's shard-local series id.
   *
   * @param i the signal's index
   * @return the series id
   */
  int seriesId(int i);

  /**
   * Returns a signal's entity id.
   *
   * @param i the signal's index
   * @return the entity id
   */
  long entity(int i);

  /**
   * Returns a signal's weight.
   *
   * @param i the signal's index
   * @return the weight
   */
  double weight(int i);

  /**
   * Returns a signal's event time.
   *
   * @param i the signal's index
   * @return ms since the epoch
   */
  long eventTimeMillis(int i);

  /**
   * Returns a signal's HLC stamp; the stamps of a part increase with the index.
   *
   * @param i the signal's index
   * @return the stamp
   */
  long hlc(int i);
}
