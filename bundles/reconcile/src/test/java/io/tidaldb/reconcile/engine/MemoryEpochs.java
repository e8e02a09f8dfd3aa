package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.ShardEpochs;
import io.tidaldb.api.replication.NotLeaderException;
import io.tidaldb.crdt.CrdtSignalState;
import io.tidaldb.crdt.ReplicaIds;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The epochs of a {@link MemoryReconcileState}'s shards, a model of the store's: per shard the
 * applied epoch, the epoch this region leads in and the folded-through epoch; the closed digest
 * computed from the real states' {@code log(e)} entries (read from their canonical encoding), with
 * the entries at or below the folded-through epoch summed into one base as a COMPACT would; and the
 * COMPACT records this region appended (handed to {@link #replicate}, as the shard's log would) and
 * applied. Guarded by the owning state's lock.
 */
final class MemoryEpochs {
  /** A COMPACT record: the shard and cut-off. */
  record Compact(int shard, long cutoff) {}

  private final RegionId region;
  private final long[] applied;
  private final long[] leader;
  private final long[] folded;
  final List<Compact> appended = new ArrayList<>();
  final List<Compact> applies = new ArrayList<>();
  int digestCalls;
  Consumer<Compact> replicate = c -> {};

  MemoryEpochs(int region, int shards) {
    this.region = RegionId.of(region);
    this.applied = filled(shards);
    this.leader = filled(shards);
    this.folded = filled(shards);
  }

  private static long[] filled(int n) {
    long[] a = new long[n];
    java.util.Arrays.fill(a, -1);
    return a;
  }

  void applied(int shard, long epoch) {
    applied[shard] = Math.max(applied[shard], epoch);
  }

  void lead(int shard, long epoch) {
    leader[shard] = epoch;
  }

  ShardEpochs epochs(int shard) {
    return new ShardEpochs(shard, applied[shard], leader[shard], folded[shard]);
  }

  /** Applies a COMPACT record: the shard's closed entries through the cut-off now form the base. */
  void apply(Compact c) {
    applies.add(c);
    folded[c.shard()] = Math.max(folded[c.shard()], c.cutoff());
  }

  CompletableFuture<Long> compact(int shard, long cutoff) {
    if (leader[shard] <= cutoff) {
      return CompletableFuture.failedFuture(
          new NotLeaderException(region, shard, leader[shard], Optional.empty()));
    }
    Compact c = new Compact(shard, cutoff);
    appended.add(c);
    apply(c);
    replicate.accept(c);
    return CompletableFuture.completedFuture((long) appended.size());
  }

  /**
   * The digest over the shard's states of (key, base of the entries folded, every {@code log(e)}
   * entry with folded-through &lt; e &lt;= cut-off), and how many such entries there are.
   */
  ClosedDigest closedDigest(
      int shard, long cutoff, Map<MemoryReconcileState.Key, CrdtSignalState> states) {
    digestCalls++;
    long digest = 0;
    long entries = 0;
    for (Map.Entry<MemoryReconcileState.Key, CrdtSignalState> e : states.entrySet()) {
      if (e.getKey().shard() != shard) {
        continue;
      }
      ByteBuffer b =
          ByteBuffer.allocate(e.getValue().encodedLength()).order(ByteOrder.LITTLE_ENDIAN);
      e.getValue().writeTo(b);
      int count = b.getInt(4);
      long hash = 0;
      long[] baseCounts = new long[2];
      double[] baseSums = new double[4];
      for (int i = 0; i < count; i++) {
        int at = 48 + i * 64;
        long replica = b.getLong(at);
        if (!ReplicaIds.isLog(replica) || ReplicaIds.epoch(replica) > cutoff) {
          continue;
        }
        if (ReplicaIds.epoch(replica) <= folded[shard]) {
          baseCounts[0] += b.getLong(at + 16);
          baseCounts[1] += b.getLong(at + 24);
          for (int col = 0; col < 4; col++) {
            baseSums[col] += b.getDouble(at + 32 + col * 8);
          }
          continue;
        }
        entries++;
        for (int col = 0; col < 8; col++) {
          hash = MemoryReconcileState.mix(hash * 31 + b.getLong(at + col * 8));
        }
      }
      for (long column : baseCounts) {
        hash = MemoryReconcileState.mix(hash * 37 + column);
      }
      for (double column : baseSums) {
        hash = MemoryReconcileState.mix(hash * 37 + Double.doubleToLongBits(column));
      }
      if (hash != 0) {
        MemoryReconcileState.Key k = e.getKey();
        long key = k.tenant().name().hashCode() * 31L + k.type().hashCode();
        digest += MemoryReconcileState.mix(key * 0x9E3779B97F4A7C15L + k.entity() + hash);
      }
    }
    return new ClosedDigest(shard, cutoff, digest, entries);
  }
}
