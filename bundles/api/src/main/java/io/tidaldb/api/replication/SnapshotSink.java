package io.tidaldb.api.replication;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a follower's store receives a snapshot its leader ships ({@link
 * ReplicaState#receiveSnapshot}): bytes are written in order, then {@link #install()} verifies the
 * whole snapshot and makes it the shard's state. Not thread-safe; replication writes from its
 * replication thread and installs on its cut thread, never both at once.
 *
 * @since 1.4.0
 */
@ProviderType
public interface SnapshotSink extends AutoCloseable {
  /**
   * Returns the shard.
   *
   * @return the shard
   */
  int shard();

  /**
   * Returns the log position the snapshot being received covers.
   *
   * @return the position
   */
  long position();

  /**
   * Returns the epoch of the record below {@link #position()} in the leader's log.
   *
   * @return the epoch
   */
  long lastEpoch();

  /**
   * Returns the snapshot's announced length in bytes.
   *
   * @return the length
   */
  long size();

  /**
   * Returns how many bytes were written so far: where the next {@link #write} continues (a transfer
   * cut halfway resumes from here).
   *
   * @return the bytes written
   */
  long written();

  /**
   * Appends bytes at {@code offset}, which must be {@link #written()}. Does not fsync.
   *
   * @param offset where the bytes belong
   * @param src the bytes (all remaining are written)
   * @throws io.tidaldb.api.InvalidArgumentException if {@code offset} is not {@link #written()} or
   *     the bytes would exceed {@link #size()}
   * @throws io.tidaldb.api.StorageException if the bytes cannot be written (naming the file)
   */
  void write(long offset, ByteBuffer src);

  /**
   * Verifies the complete snapshot (length, checksums, shard, position) and makes it the shard's
   * state: the shard's former state and log are replaced, the log continues empty at {@link
   * #position()} with {@link #lastEpoch()} as its last epoch ({@link
   * io.tidaldb.api.wal.ShardLog#resetTo}). Crash-safe: a crash at any step recovers either the
   * former state and log or the installed ones. Blocks (reads, fsyncs and loads the whole
   * snapshot): never call it on a transport or replication thread. The sink is closed afterwards,
   * also when it fails.
   *
   * @return how many records of the former log were discarded
   * @throws io.tidaldb.api.InvalidArgumentException if the bytes are incomplete or do not verify
   *     (naming what does not match); the former state and log are untouched
   * @throws io.tidaldb.api.StorageException if a file cannot be written; the shard then recovers as
   *     stated above
   */
  long install();

  /** Abandons the transfer: deletes what was received. Idempotent; no effect after install. */
  @Override
  void close();
}
