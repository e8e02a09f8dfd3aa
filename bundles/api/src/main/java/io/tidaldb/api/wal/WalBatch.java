package io.tidaldb.api.wal;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A view of one batch of a shard's log: the header fields, the raw bytes and a cursor over its
 * records. Views are reused: valid only until the call that handed it out returns or the next batch
 * is read.
 */
@ProviderType
public interface WalBatch {
  /**
   * Returns the shard the batch belongs to.
   *
   * @return the shard index
   */
  int shard();

  /**
   * Returns the epoch of the leader that committed the batch.
   *
   * @return the epoch
   */
  long epoch();

  /**
   * Returns the position of the batch's first record.
   *
   * @return the first position
   */
  long firstPosition();

  /**
   * Returns the number of records in the batch.
   *
   * @return the record count, at least 1
   */
  int recordCount();

  /**
   * Returns the smallest HLC stamp of the batch's records (0 if it holds none with a stamp).
   *
   * @return the smallest stamp
   */
  long hlcMin();

  /**
   * Returns the largest HLC stamp of the batch's records.
   *
   * @return the largest stamp
   */
  long hlcMax();

  /**
   * Returns the batch exactly as stored (header and payload), as a read-only buffer positioned at
   * the header's first byte. Replication ships these bytes as they are.
   *
   * @return the raw batch
   */
  ByteBuffer bytes();

  /**
   * Returns a cursor positioned before the batch's first record.
   *
   * @return the cursor (reused: one per view)
   */
  RecordCursor records();
}
