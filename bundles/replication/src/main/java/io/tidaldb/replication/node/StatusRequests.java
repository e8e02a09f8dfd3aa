package io.tidaldb.replication.node;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.ShardReplicationStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * A region's replication status, read by the thread that owns its shards: {@link #ask} hands a
 * request to the replication thread and waits up to {@link #WAIT_MILLIS} for {@link #answer}, which
 * that thread runs every round. Once the thread has ended (closed, or died: then every shard's
 * problem says so) the asking thread reads the shards itself; if the thread is alive but does not
 * answer in time (a long epoch-file fsync, or starved of CPU), {@link #ask} throws {@link
 * UnavailableException} naming it and its state, which is itself what an operator needs to know.
 *
 * <p>Thread-safety: {@link #ask} from any thread; {@link #answer} from the replication thread.
 */
final class StatusRequests {
  /** How long {@link #ask} waits for the replication thread to answer. */
  static final long WAIT_MILLIS = 1_000;

  private static final int QUEUE = 64;

  private final RegionId self;
  private final ShardReplica[] shards;
  private final LongSupplier clock;
  private final Runnable wake;
  private final Inbox<CompletableFuture<List<ShardReplicationStatus>>> requests =
      new Inbox<>(QUEUE);

  StatusRequests(RegionId self, ShardReplica[] shards, LongSupplier clock, Runnable wake) {
    this.self = self;
    this.shards = shards;
    this.clock = clock;
    this.wake = wake;
  }

  /**
   * Returns every shard's status as {@code owner}, the replication thread, sees it.
   *
   * @param owner the region's replication thread
   * @return one status per shard
   * @throws UnavailableException if the thread is alive and does not answer in time
   */
  List<ShardReplicationStatus> ask(Thread owner) {
    if (!owner.isAlive()) {
      return ownerEnded(); // its termination, seen by isAlive, makes its writes visible here
    }
    CompletableFuture<List<ShardReplicationStatus>> answer = new CompletableFuture<>();
    if (!requests.offer(answer)) {
      throw new UnavailableException(
          "too many status requests wait for " + owner.getName(), false, self);
    }
    wake.run();
    try {
      return answer.get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      if (!owner.isAlive()) {
        return ownerEnded();
      }
      throw new UnavailableException(
          "replication thread "
              + owner.getName()
              + " did not answer a status request within "
              + WAIT_MILLIS
              + " ms (state "
              + owner.getState()
              + ")",
          false,
          self);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UnavailableException("interrupted waiting for the replication status", false, null);
    } catch (ExecutionException e) {
      throw new IllegalStateException("status of region " + self, e.getCause());
    }
  }

  /**
   * Answers the requests handed over (replication thread, every round).
   *
   * @return how many
   */
  int answer() {
    return requests.drain(
        answer -> {
          try {
            answer.complete(read());
          } catch (RuntimeException e) {
            answer.completeExceptionally(e);
          }
        },
        QUEUE);
  }

  /**
   * Hands the shards to any thread once the replication thread has ended, and reads them.
   *
   * @return one status per shard
   */
  List<ShardReplicationStatus> ownerEnded() {
    for (ShardReplica s : shards) {
      s.ownerEnded();
    }
    return read();
  }

  private List<ShardReplicationStatus> read() {
    long now = clock.getAsLong();
    List<ShardReplicationStatus> list = new ArrayList<>(shards.length);
    for (ShardReplica s : shards) {
      list.add(s.status(now));
    }
    return list;
  }
}
