package io.tidaldb.reconcile.engine;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
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
import java.util.function.IntConsumer;

/**
 * One session this region started with a peer, as a state machine: SUMMARY sent → LEAVES received,
 * HASHES sent → STATES received (merged), FINAL sent → DONE received (its states merged). Ends
 * early when a step finds nothing to exchange. A (shard, tenant) with at least {@link
 * ReconcileConfig#segmentMinEntities} entities here takes the segment path ({@link
 * SegmentExchange}), the others the fingerprint path. Owned by the engine's thread.
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

  /** Per (shard, tenant), the entities fingerprinted in the HASHES (to find WANTED ones again). */
  private final Map<ShardTenant, ScannedEntities> scanned = new java.util.HashMap<>();

  /** Per (shard, tenant) of the segment path, the buckets its HASHES asked about. */
  private final Map<ShardTenant, BitSet> segmentParts = new java.util.LinkedHashMap<>();

  private final SegmentExchange segments;
  private final Map<String, SignalType> types = new java.util.HashMap<>();
  Phase phase = Phase.AWAIT_LEAVES;
  String failure;
  long bytesSent;
  long bytesReceived;
  int roundTrips;
  long statesSent;
  long statesReceived;
  long merged;
  long rejected;

  InitiatorSession(
      RegionId peer, long id, long nowNanos, long timeoutNanos, SegmentExchange segments) {
    this.peer = peer;
    this.segments = segments;
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
    SessionTableExchange.offer(state, out);
    out.finish();
    bytesSent += out.bytes();
  }

  /**
   * LEAVES → HASHES: per (shard, tenant), the buckets whose digests differ and either (fingerprint
   * path) a fingerprint of each of this region's entities in them or (segment path) their segment
   * digests; and the local session tables the peer wants ({@link SessionTableExchange#push}).
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
      if (segments.takes(state, shard, tenant)) {
        segmentParts.put(e.getKey(), differing);
        segments.hashes(state, id, shard, tenant, differing, hashes);
        continue;
      }
      String name = tenant.name();
      ScannedEntities entities = new ScannedEntities();
      scanned.put(e.getKey(), entities);
      hashes.range(shard, name, differing);
      state.forEachInBuckets(
          shard,
          tenant,
          differing,
          (type, entity, hash) -> {
            long fp = Fingerprints.of(id, type, entity, hash);
            entities.add(fp, type, entity);
            hashes.fingerprint(ReconcileFrameDescriptor.FPS_RECORD, shard, name, fp);
          });
    }
    FrameEncoder[] hashes = {out}; // the tables the peer wants ride on the HASHES (or make one)
    SessionTableExchange.push(
        state,
        in,
        () ->
            hashes[0] != null
                ? hashes[0]
                : (hashes[0] = encoder.apply(ReconcileFrameDescriptor.HASHES)));
    out = hashes[0];
    if (out == null) {
      phase = Phase.DONE;
      return;
    }
    out.finish();
    bytesSent += out.bytes();
    phase = Phase.AWAIT_STATES;
  }

  /**
   * STATES → FINAL: finds the entities of the fingerprints the peer wants among those fingerprinted
   * for the HASHES (no second scan) and matches the segment path's fingerprints ({@link
   * SegmentExchange#plan}), both before it merges the peer's states, then sends this region's
   * (joined) states of the wanted entities, its states the peer's fingerprints did not match, and
   * the fingerprints of the peer's it lacks.
   */
  void onStates(
      Assembly in,
      ReconcileState state,
      Function<Byte, FrameEncoder> encoder,
      Consumer<String> rejections,
      IntConsumer changedShards) {
    bytesReceived += in.bytes;
    roundTrips = 2;
    Map<ShardTenant, List<EntityKey>> wanted = wantedKeys(in);
    List<SegmentExchange.Plan> plans = new ArrayList<>();
    for (Map.Entry<ShardTenant, BitSet> e : segmentParts.entrySet()) {
      Assembly.Segments theirs = in.segments.get(e.getKey());
      SegmentExchange.Plan plan =
          theirs == null ? null : segments.plan(state, id, e.getKey(), e.getValue(), theirs);
      if (plan != null && !plan.isEmpty()) {
        plans.add(plan);
      }
    }
    segmentParts.clear();
    int[] counts = Responder.merge(state, in, rejections, changedShards);
    for (Assembly.States s : in.states.values()) {
      statesReceived += s.states.size();
    }
    merged += counts[0];
    rejected += counts[2];
    FrameEncoder out = null;
    for (Map.Entry<ShardTenant, List<EntityKey>> e : wanted.entrySet()) {
      int shard = e.getKey().shard();
      TenantId tenant = e.getKey().tenant();
      if (out == null) {
        out = encoder.apply(ReconcileFrameDescriptor.FINAL);
      }
      for (EntityState s : state.states(shard, tenant, e.getValue())) {
        out.state(shard, tenant.name(), s.type().name(), s.entity(), s.state());
        statesSent++;
      }
    }
    for (SegmentExchange.Plan plan : plans) {
      if (out == null) {
        out = encoder.apply(ReconcileFrameDescriptor.FINAL);
      }
      statesSent += segments.writeFinal(state, plan, out);
    }
    if (out == null) {
      phase = Phase.DONE;
      return;
    }
    out.finish();
    bytesSent += out.bytes();
    phase = Phase.AWAIT_DONE;
  }

  /**
   * The entities whose fingerprints the peer wants, per (shard, tenant): found among those
   * fingerprinted for the HASHES (their states then; sent as they are after the merge, joined).
   */
  private Map<ShardTenant, List<EntityKey>> wantedKeys(Assembly in) {
    Map<ShardTenant, List<EntityKey>> wanted = new java.util.LinkedHashMap<>();
    for (Map.Entry<ShardTenant, Assembly.States> e : in.states.entrySet()) {
      LongList fps = e.getValue().wanted;
      ScannedEntities entities = scanned.get(e.getKey());
      if (fps.isEmpty() || entities == null) {
        continue;
      }
      FingerprintCounts set = FingerprintCounts.of(fps);
      List<EntityKey> keys = new ArrayList<>();
      for (int i = 0; i < entities.size(); i++) {
        if (set.take(entities.fingerprint(i))) {
          keys.add(
              new EntityKey(
                  types.computeIfAbsent(entities.type(i), SignalType::of), entities.entity(i)));
        }
      }
      if (!keys.isEmpty()) {
        wanted.put(e.getKey(), keys);
      }
    }
    scanned.clear();
    return wanted;
  }

  /**
   * DONE: the peer merged this region's states; merges the peer's states of the entities the
   * segment path wanted.
   */
  void onDone(
      Assembly in, ReconcileState state, Consumer<String> rejections, IntConsumer changedShards) {
    bytesReceived += in.bytes;
    roundTrips = 3;
    merged += in.done[0];
    rejected += in.done[2];
    int[] counts = Responder.merge(state, in, rejections, changedShards);
    for (Assembly.States s : in.states.values()) {
      statesReceived += s.states.size();
    }
    merged += counts[0];
    rejected += counts[2];
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
