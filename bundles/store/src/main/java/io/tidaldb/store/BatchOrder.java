package io.tidaldb.store;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.wal.WalBatch;

/** The order rule of applying a log's batches, shared by the shard log and the local log. */
final class BatchOrder {
  private BatchOrder() {}

  /**
   * Checks that {@code batch} continues the applied prefix ending at {@code expected}.
   *
   * @param source what applies it, for the message
   * @return false if every record of the batch lies below {@code expected} (nothing new to apply)
   * @throws StorageException naming {@code source} if the batch starts beyond {@code expected} (a
   *     gap)
   */
  static boolean hasNew(WalBatch batch, long expected, String source) {
    if (batch.firstPosition() > expected) {
      throw new StorageException(
          source
              + ": batch starts at position "
              + batch.firstPosition()
              + ", expected "
              + expected);
    }
    return batch.firstPosition() + batch.recordCount() > expected;
  }
}
