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
    long retryHlc) {

  /** A held entry (no retry matched yet). */
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
        -1);
  }

  /** Whether a retry in the shard log is matched to it (compensated once that commits). */
  boolean matched() {
    return retryPosition >= 0;
  }

  /** This entry matched to the retry at (epoch, position, hlc). */
  CutLocalEntry matchedTo(long epoch, long position, long hlc) {
    return new CutLocalEntry(
        session,
        seq,
        series,
        entity,
        this.epoch,
        this.position,
        weight,
        eventTimeMillis,
        payloadHash,
        this.hlc,
        epoch,
        position,
        hlc);
  }

  /** This entry held again (its retry was cut). */
  CutLocalEntry held() {
    return new CutLocalEntry(
        session, seq, series, entity, epoch, position, weight, eventTimeMillis, payloadHash, hlc);
  }
}
