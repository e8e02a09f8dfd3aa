package io.tidaldb.store;

import io.tidaldb.api.replication.ShardSnapshot;
import io.tidaldb.api.replication.SnapshotSink;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A store's ends of snapshot catch-up ({@link io.tidaldb.api.replication.ReplicaState#openSnapshot}
 * and {@link io.tidaldb.api.replication.ReplicaState#receiveSnapshot}): ships a kept snapshot
 * ({@link SnapshotSource}) and receives one into at most one {@link SnapshotReceiver} per shard,
 * installed by {@link SnapshotInstall}. Thread-safe.
 */
final class SnapshotTransfers {
  private final ShardState[] shards;
  private final SnapshotInstall installer;
  private final long timeoutNanos;

  /** Transfers in progress, at most one per shard. */
  private final Map<Integer, SnapshotReceiver> receivers = new ConcurrentHashMap<>();

  /**
   * @param timeoutNanos how long opening a snapshot waits for a pending background one
   */
  SnapshotTransfers(ShardState[] shards, long timeoutNanos) {
    this.shards = shards;
    this.installer = new SnapshotInstall();
    this.timeoutNanos = timeoutNanos;
  }

  Optional<ShardSnapshot> open(int shard) {
    return Optional.of(SnapshotSource.open(shards[shard], timeoutNanos));
  }

  SnapshotSink receive(int shard, long position, long lastEpoch, long size) {
    synchronized (receivers) {
      SnapshotReceiver previous = receivers.remove(shard);
      if (previous != null) {
        previous.close();
      }
      SnapshotReceiver sink =
          SnapshotReceiver.create(
              shards[shard],
              position,
              lastEpoch,
              size,
              installer,
              closed -> receivers.remove(shard, closed));
      receivers.put(shard, sink);
      return sink;
    }
  }

  /** Sets what runs after each step of an install (tests simulate crashes with it). */
  void installHook(SnapshotInstall.Hook hook) {
    installer.hook(hook);
  }

  /** Abandons every transfer in progress and deletes its file (the store closes). */
  void closeAll() {
    synchronized (receivers) {
      for (SnapshotReceiver r : List.copyOf(receivers.values())) {
        r.close();
      }
    }
  }

  /** Closes every transfer's file but leaves it, as a crash would (the store halts). */
  void abandonAll() {
    synchronized (receivers) {
      for (SnapshotReceiver r : List.copyOf(receivers.values())) {
        r.abandon();
      }
    }
  }
}
