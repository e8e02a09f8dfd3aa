package io.tidaldb.api.wal;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A flyweight cursor over the records of a batch: {@link #next()} moves to the next record and the
 * accessors read its fields in place, without allocating (except the name accessors of {@link
 * WalRecordKind#DEFINE} records).
 */
@ProviderType
public interface RecordCursor {
  /**
   * Moves to the next record.
   *
   * @return false when the batch has no more records
   */
  boolean next();

  /**
   * Returns the current record's position.
   *
   * @return the position
   */
  long position();

  /**
   * Returns the current record's kind, one of {@link WalRecordKind}; a session signal reads as
   * {@link WalRecordKind#SIGNAL_S} in either of its stored forms (since 1.10.0 also the compact
   * {@link WalRecordKind#SIGNAL_SC}).
   *
   * @return the kind
   */
  byte kind();

  /**
   * Returns the series id of a signal or definition record.
   *
   * @return the shard-local series id
   */
  int seriesId();

  /**
   * Returns the entity id of a signal record.
   *
   * @return the entity id
   */
  long entity();

  /**
   * Returns the weight of a signal record.
   *
   * @return the weight
   */
  double weight();

  /**
   * Returns the event time of a signal record.
   *
   * @return ms since the epoch
   */
  long eventTimeMillis();

  /**
   * Returns the HLC stamp of a signal record.
   *
   * @return the packed stamp
   */
  long hlc();

  /**
   * Returns the origin replica id of a signal record.
   *
   * @return the replica id
   */
  int origin();

  /**
   * Returns the tenant name of a definition record.
   *
   * @return the tenant's name
   */
  String tenantName();

  /**
   * Returns the signal type name of a definition record.
   *
   * @return the type's name
   */
  String typeName();

  /**
   * Returns the cut-off epoch of a {@link WalRecordKind#COMPACT} record.
   *
   * @return the cut-off epoch
   * @throws UnsupportedOperationException if this cursor's log holds no compaction records
   * @since 1.7.0
   */
  default long cutOffEpoch() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no COMPACT records");
  }

  /**
   * Returns the closed digest a {@link WalRecordKind#COMPACT} record carries: the leader's digest
   * of the shard's closed entries through the cut-off when it appended the record.
   *
   * @return the digest
   * @throws UnsupportedOperationException if this cursor's log holds no compaction records
   * @since 1.7.0
   */
  default long closedDigest() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no COMPACT records");
  }

  /**
   * Returns the session id of a {@link WalRecordKind#SIGNAL_S} record.
   *
   * @return the session id (never 0)
   * @throws UnsupportedOperationException if this cursor reads no session records
   * @since 1.8.0
   */
  default long session() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no SIGNAL_S records");
  }

  /**
   * Returns the seq of a {@link WalRecordKind#SIGNAL_S} record.
   *
   * @return the seq (from 1)
   * @throws UnsupportedOperationException if this cursor reads no session records
   * @since 1.8.0
   */
  default long seq() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no SIGNAL_S records");
  }

  /**
   * Returns the ackedBelow of a {@link WalRecordKind#SIGNAL_S} record.
   *
   * @return the ackedBelow (from 1 to the seq)
   * @throws UnsupportedOperationException if this cursor reads no session records
   * @since 1.8.0
   */
  default long ackedBelow() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no SIGNAL_S records");
  }

  /**
   * Returns the payload hash of a {@link WalRecordKind#SIGNAL_S} record.
   *
   * @return the hash
   * @throws UnsupportedOperationException if this cursor reads no session records
   * @since 1.8.0
   */
  default int payloadHash() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no SIGNAL_S records");
  }

  /**
   * Returns the level a {@link WalRecordKind#SIGNAL_S} record's write is acknowledged at: a cut
   * keeps a {@code LOCAL} record's effect and drops a {@code QUORUM} or {@code ALL} one's.
   *
   * @return the level
   * @throws UnsupportedOperationException if this cursor reads no session records
   * @since 1.9.0
   */
  default io.tidaldb.api.Durability durability() {
    throw new UnsupportedOperationException(getClass().getName() + " reads no SIGNAL_S records");
  }

  /**
   * Returns the current entry's index in its record's signals: 0 for every record but a {@link
   * WalRecordKind#SIGNAL_BATCH_S}, whose signals read as {@code partSize()} consecutive {@link
   * WalRecordKind#SIGNAL_S} entries, indexed 0 to {@code partSize() - 1}.
   *
   * @return the index
   * @since 1.12.0
   */
  default int partIndex() {
    return 0;
  }

  /**
   * Returns how many signals the current entry's record holds: 1 for every record but a {@link
   * WalRecordKind#SIGNAL_BATCH_S} (1 to 65,535). The entry with {@code partIndex() == partSize() -
   * 1} is the record's last: a session table records the write there.
   *
   * @return the number of signals, one position each
   * @since 1.12.0
   */
  default int partSize() {
    return 1;
  }
}
