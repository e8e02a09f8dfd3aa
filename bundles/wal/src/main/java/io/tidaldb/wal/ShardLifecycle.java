package io.tidaldb.wal;

import io.tidaldb.api.StorageException;
import io.tidaldb.api.UnavailableException;

/**
 * A shard log's lifecycle: open, closing (draining what is pending), failed (the first write, fsync
 * or listener failure stopped it) or closed. Not thread-safe: every method is called holding the
 * {@link BatchHandoff}'s monitor.
 */
final class ShardLifecycle {
  private enum State {
    OPEN,
    CLOSING,
    FAILED,
    CLOSED
  }

  private State state = State.OPEN;
  private StorageException failure;

  boolean open() {
    return state == State.OPEN;
  }

  boolean failed() {
    return state == State.FAILED;
  }

  /** Throws, for an append, unless the log is open: naming the failure if it failed. */
  void checkOpen() {
    if (state == State.OPEN) {
      return;
    }
    if (state == State.FAILED) {
      throw new UnavailableException(failure.getMessage(), failure);
    }
    throw new UnavailableException("wal closed");
  }

  /**
   * Records a failure; an open or closing log becomes failed.
   *
   * @return true if this was the first failure
   */
  boolean fail(StorageException cause) {
    if (failure != null) {
      return false;
    }
    failure = cause;
    if (state == State.OPEN || state == State.CLOSING) {
      state = State.FAILED;
    }
    return true;
  }

  void beginClose() {
    if (state == State.OPEN) {
      state = State.CLOSING;
    }
  }

  void closed() {
    state = State.CLOSED;
  }
}
