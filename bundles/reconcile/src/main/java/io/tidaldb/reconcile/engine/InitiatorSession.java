package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.reconcile.engine.Assembly.ShardTenant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One session this region started with a peer, as a state machine: SUMMARY sent → LEAVES received,
 * HASHES sent → STATES received (merged), FINAL sent → DONE received. Ends early when a step finds
 * nothing to exchange. Owned by the engine's thread.
 */
final class InitiatorSession {
  enum Phase {
    AWAIT_LEAVES,
    AWAIT_STATES,
    AWAIT_DONE,
    DONE,
    FAILED
  }

  final RegionId peer;
  final long id;
  final long startedNanos;
  final long deadlineNanos;
  final List<Demand> demands = new ArrayList<>();
  Phase phase = Phase.AWAIT_LEAVES;
  String failure;
  long bytesSent;
  long bytesReceived;
  int roundTrips;
  long statesSent;
  long statesReceived;
  long merged;
  long rejected;

  InitiatorSession(RegionId peer, long id, long nowNanos, long timeoutNanos) {
    this.peer = peer;
    this.id = id;
    this.startedNanos = nowNanos;
    this.deadlineNanos = nowNanos + timeoutNanos;
  }

  /** Writes the SUMMARY: per (shard, tenant) held here, the 32 group digests. */
  void start(ReconcileState state, FrameEncoder out) {
    long[] buckets = new long[ReconcileState.BUCKETS];
    for (int shard = 0; shard < state.shardCount(); shard++) {
      for (TenantId tenant : state.tenants(shard)) {
        state.bucketDigests(shard, tenant, buckets);
        long[] groups = Digests.groups(buckets);
        if (!Digests.allZero(groups)) {
          out.groups(shard, tenant.name(), groups);
        }
      }
    }
    out.finish();
    bytesSent += out.bytes();
  }

  /**
   * LEAVES → HASHES: the buckets whose digests differ, and this region's entity hashes in them.
   *
   * @param hashes the encoder of the HASHES, made on demand (null-free)
   */
  void onLeaves(Assembly in, ReconcileState state, Function<Byte, FrameEncoder> encoder) {
    bytesReceived += in.bytes;
    roundTrips = 1;
    long[] own = new long[ReconcileState.BUCKETS];
    FrameEncoder out = null;
    for (Map.Entry<ShardTenant, long[]> e : in.leaves.entrySet()) {
      int shard = e.getKey().shard();
      TenantId tenant = e.getKey().tenant();
      state.bucketDigests(shard, tenant, own);
      int mask = in.leafMasks.get(e.getKey());
      long[] theirs = e.getValue();
      BitSet differing = new BitSet(ReconcileState.BUCKETS);
      for (int b = 0; b < own.length; b++) {
        if ((mask & (1 << (b / ReconcileFrameDescriptor.GROUP_BUCKETS))) != 0
            && own[b] != theirs[b]) {
          differing.set(b);
        }
      }
      if (differing.isEmpty()) {
        continue;
      }
      if (out == null) {
        out = encoder.apply(ReconcileFrameDescriptor.HASHES);
      }
      FrameEncoder hashes = out;
      hashes.range(shard, tenant.name(), differing);
      state.forEachInBuckets(
          shard,
          tenant,
          differing,
          (type, entity, hash) -> hashes.hash(shard, tenant.name(), type, entity, hash));
    }
    if (out == null) {
      phase = Phase.DONE;
      return;
    }
    out.finish();
    bytesSent += out.bytes();
    phase = Phase.AWAIT_STATES;
  }

  /** STATES → FINAL: merges the peer's states, then sends this region's states it wants. */
  void onStates(
      Assembly in,
      ReconcileState state,
      Function<Byte, FrameEncoder> encoder,
      Consumer<String> rejections) {
    bytesReceived += in.bytes;
    roundTrips = 2;
    int[] counts = Responder.merge(state, in, rejections);
    for (Assembly.States s : in.states.values()) {
      statesReceived += s.states.size();
    }
    merged += counts[0];
    rejected += counts[2];
    FrameEncoder out = null;
    for (Map.Entry<ShardTenant, Assembly.States> e : in.states.entrySet()) {
      List<EntityKey> wants = e.getValue().wants;
      if (wants.isEmpty()) {
        continue;
      }
      int shard = e.getKey().shard();
      TenantId tenant = e.getKey().tenant();
      if (out == null) {
        out = encoder.apply(ReconcileFrameDescriptor.FINAL);
      }
      for (EntityState s : state.states(shard, tenant, wants)) {
        out.state(shard, tenant.name(), s.type().name(), s.entity(), s.state());
        statesSent++;
      }
    }
    if (out == null) {
      phase = Phase.DONE;
      return;
    }
    out.finish();
    bytesSent += out.bytes();
    phase = Phase.AWAIT_DONE;
  }

  /** DONE: the peer merged this region's states. */
  void onDone(Assembly in) {
    bytesReceived += in.bytes;
    roundTrips = 3;
    merged += in.done[0];
    rejected += in.done[2];
    phase = Phase.DONE;
  }

  void fail(String why) {
    failure = why;
    phase = Phase.FAILED;
  }

  boolean ended() {
    return phase == Phase.DONE || phase == Phase.FAILED;
  }

  /** The frame type this session waits for, or 0. */
  byte awaiting() {
    return switch (phase) {
      case AWAIT_LEAVES -> ReconcileFrameDescriptor.LEAVES;
      case AWAIT_STATES -> ReconcileFrameDescriptor.STATES;
      case AWAIT_DONE -> ReconcileFrameDescriptor.DONE;
      default -> 0;
    };
  }
}
