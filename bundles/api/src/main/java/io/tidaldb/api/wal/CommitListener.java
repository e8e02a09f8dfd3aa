package io.tidaldb.api.wal;

import org.osgi.annotation.versioning.ConsumerType;

/** Receives each batch once it is durable, on the shard's commit thread, in position order. */
@ConsumerType
@FunctionalInterface
public interface CommitListener {
  /**
   * Called once per durable batch. The batch view is valid only during the call. An exception
   * thrown here stops the shard's log like an I/O failure.
   *
   * @param batch the durable batch
   */
  void onCommit(WalBatch batch);
}
