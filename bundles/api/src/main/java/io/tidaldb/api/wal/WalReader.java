package io.tidaldb.api.wal;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Reads a shard's durable batches in position order, crossing segment boundaries. Not thread-safe:
 * one reader per consumer.
 */
@ProviderType
public interface WalReader extends AutoCloseable {
  /**
   * Reads the next durable batch.
   *
   * @return a view of the batch, valid until the next call; null if no further batch is durable yet
   * @throws io.tidaldb.api.StorageException if a batch is corrupt, naming the file and offset
   */
  WalBatch next();

  /** Releases the reader's files. */
  @Override
  void close();
}
