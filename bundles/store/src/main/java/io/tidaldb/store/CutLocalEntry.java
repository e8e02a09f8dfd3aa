package io.tidaldb.store;

/**
 * One kept cut {@code LOCAL} session record of {@link CutLocalSessions}.
 *
 * @param session the session id
 * @param seq the seq
 * @param series the record's series id
 * @param entity the record's entity
 * @param epoch the epoch of the record's batch (its log entry is {@code ReplicaIds.log(epoch)})
 * @param position the record's log position
 * @param weight the signal's weight
 * @param eventTimeMillis the signal's event time
 * @param payloadHash the record's payload hash
 * @param hlc the record's HLC
 * @param retryEpoch the batch epoch of the retry it is matched to (held: -1)
 * @param retryPosition the log position of the retry it is matched to (held: -1)
 * @param retryHlc the HLC of the retry it is matched to (held: -1)
 * @param partIndex the signal's index in its record: 0 for a {@code SIGNAL_S}, 0 to {@code partSize
 *     - 1} for a signal of a session batch's part ({@code SIGNAL_BATCH_S}, whose signals are held
 *     one entry each, matched to the retry's signal of the same index)
 * @param partSize the signals of its record (1 for a {@code SIGNAL_S})
 * @param partHlc the HLC of its record's last signal: with the last signal's position ({@link
 *     #partPosition}) the record's acknowledgement, which a session table holds
 */
record CutLocalEntry(
    long session,
    long seq,
    int series,
    long entity,
    long epoch,
    long position,
    double weight,
    long eventTimeMillis,
    int payloadHash,
    long hlc,
    long retryEpoch,
    long retryPosition,
    long retryHlc,
    int partIndex,
    int partSize,
    long partHlc) {

  /** A held entry (no retry matched yet) of a {@code SIGNAL_S} record. */
  CutLocalEntry(
      long session,
      long seq,
      int series,
      long entity,
      long epoch,
      long position,
      double weight,
      long eventTimeMillis,
      int payloadHash,
      long hlc) {
    this(
        session,
        seq,
        series,
        entity,
        epoch,
        position,
        weight,
        eventTimeMillis,
        payloadHash,
        hlc,
        -1,
        -1,
        -1,
        0,
        1,
        hlc);
  }

  /** Whether a retry in the shard log is matched to it (compensated once that commits). */
  boolean matched() {
    return retryPosition >= 0;
  }

  /**
   * The position of its record's last signal (the record's acknowledgement, with {@link #partHlc}).
   */
  long partPosition() {
    return position + partSize - 1 - partIndex;
  }

  /** This entry matched to the retry at (epoch, position, hlc). */
  CutLocalEntry matchedTo(long epoch, long position, long hlc) {
    return copy(series, epoch, position, hlc, partHlc);
  }

  /** This entry with its record's last HLC set (collected before the record's last signal). */
  CutLocalEntry withPartHlc(long hlc) {
    return copy(series, retryEpoch, retryPosition, retryHlc, hlc);
  }

  /** This entry held again (its retry was cut). */
  CutLocalEntry held() {
    return withSeries(series);
  }

  /** This entry held, of the series {@code id} (the same series by name in an installed state). */
  CutLocalEntry withSeries(int id) {
    return copy(id, -1, -1, -1, partHlc);
  }

  /** This entry with the given series, retry and part HLC; the rest as it is. */
  private CutLocalEntry copy(int id, long toEpoch, long toPosition, long toHlc, long lastHlc) {
    return new CutLocalEntry(
        session,
        seq,
        id,
        entity,
        epoch,
        position,
        weight,
        eventTimeMillis,
        payloadHash,
        hlc,
        toEpoch,
        toPosition,
        toHlc,
        partIndex,
        partSize,
        lastHlc);
  }
}
