package io.tidaldb.api.replication;

import java.nio.ByteBuffer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A snapshot of one shard's state that a leader ships to a follower behind its log (snapshot
 * catch-up): the state after every record below {@link #position()}, as a sequence of {@link
 * #size()} bytes the follower's store can verify on its own (the format carries its checksums).
 * Open until {@link #close()}; the bytes stay readable while open even if the store deletes the
 * file meanwhile (a newer snapshot retires it).
 *
 * @since 1.4.0
 */
@ProviderType
public interface ShardSnapshot extends AutoCloseable {
  /**
   * Returns the shard.
   *
   * @return the shard
   */
  int shard();

  /**
   * Returns the log position the snapshot covers: it holds the effect of every record below it.
   *
   * @return the position
   */
  long position();

  /**
   * Returns the epoch of the record just below {@link #position()} in the log the snapshot was
   * taken from ({@code 0} if {@link #position()} is 0): the follower's log continues with it as its
   * last epoch.
   *
   * @return the epoch
   */
  long lastEpoch();

  /**
   * Returns the snapshot's length in bytes.
   *
   * @return the length
   */
  long size();

  /**
   * Reads bytes from {@code offset} into {@code dst} (up to its remaining bytes; fewer only at the
   * end). Any thread, one at a time.
   *
   * @param offset where to read from, {@code 0 <= offset <= size()}
   * @param dst the buffer to fill
   * @return how many bytes were read; {@code -1} at the end
   * @throws io.tidaldb.api.StorageException if the file cannot be read (naming it)
   */
  int read(long offset, ByteBuffer dst);

  /** Releases the file. */
  @Override
  void close();
}
