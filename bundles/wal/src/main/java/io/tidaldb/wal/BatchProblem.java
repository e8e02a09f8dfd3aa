package io.tidaldb.wal;

/** What {@link BatchScanner#check} found wrong with a batch, in the order it checks. */
enum BatchProblem {
  /** Fewer bytes than a header remain before the limit. */
  TRUNCATED_HEADER,
  /** The first four bytes are not the magic number. */
  BAD_MAGIC,
  /** The format version is not 2. */
  BAD_VERSION,
  /** Flags are set that version 2 does not define. */
  BAD_FLAGS,
  /** The batch belongs to another shard. */
  BAD_SHARD,
  /** The batch's first position does not continue the previous batch. */
  BAD_POSITION,
  /** The record count is not positive. */
  BAD_COUNT,
  /** The payload length cannot hold the records. */
  BAD_LENGTH,
  /** The header is sound but the batch extends beyond the limit. */
  BEYOND_END,
  /** The CRC32C does not match. */
  BAD_CRC,
  /** The CRC matches but the records do not fill the payload exactly. */
  BAD_RECORDS;

  /** True if every header field passed, so the batch's claimed length can be trusted. */
  boolean headerSound() {
    return ordinal() >= BEYOND_END.ordinal();
  }
}
