package io.tidaldb.reconcile.engine;

import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.BUCKET_SEGMENTS;
import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.FPS_RECORD;
import static io.tidaldb.reconcile.engine.ReconcileFrameDescriptor.WANTED_RECORD;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.reconcile.engine.Assembly.ShardTenant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The segment path of a session, for a (shard, tenant) whose initiator holds at least {@link
 * ReconcileConfig#segmentMinEntities} entities: a differing bucket is resolved through its 64
 * segment digests ({@link ReconcileState#segmentDigests}) instead of a fingerprint of every entity
 * in it, still in three round trips (frames in {@link ReconcileFrameDescriptor}):
 *
 * <ol>
 *   <li>HASHES (initiator, {@link #hashes}): per differing bucket, its 64 segment digests salted to
 *       32 bits ({@link #salted}).
 *   <li>STATES (responder, {@link #answerHashes}): per bucket, the mask of segments whose salted
 *       digests differ from its own, then a fingerprint ({@link Fingerprints}) of each of its
 *       entities in those segments.
 *   <li>FINAL (initiator, {@link #plan}, {@link #writeFinal}): it fingerprints its own entities in
 *       those segments and matches both as a multiset ({@link FingerprintCounts}): its states of
 *       its own without a match, and WANTED (with the masks again) the responder's without one.
 *   <li>DONE (responder, {@link #wanted} before it merges the FINAL's states, whose merge would
 *       change the fingerprints): its (joined) states of the wanted entities, beside the counts.
 * </ol>
 *
 * <p>Salting: a segment digest {@code d} is sent as {@code (int) ((d * (fmix64(session) | 1)) >>>
 * 32)}. Two different digests then agree with odds of about 2^-32 (multiply-shift hashing: at most
 * 2^-31) per differing segment, and the salt changes with the session, so a difference a collision
 * hides in one session is found in the next with the same odds against. Owned by the engine's
 * thread (one scratch array of {@link ReconcileState#SEGMENTS} digests for both roles).
 */
final class SegmentExchange {
  /** The initiator's FINAL for one (shard, tenant) of the segment path. */
  static final class Plan {
    final ShardTenant key;
    final Map<Integer, Long> masks;
    final List<EntityKey> own = new ArrayList<>();
    final LongList wanted = new LongList();

    Plan(ShardTenant key, Map<Integer, Long> masks) {
      this.key = key;
      this.masks = masks;
    }

    boolean isEmpty() {
      return own.isEmpty() && wanted.isEmpty();
    }
  }

  private final int minEntities;
  private final long[] digests = new long[ReconcileState.SEGMENTS];
  private final int[] salted = new int[BUCKET_SEGMENTS];
  private final Map<String, SignalType> types = new HashMap<>();

  SegmentExchange(int minEntities) {
    this.minEntities = minEntities;
  }

  /** Whether the initiator takes the segment path for a (shard, tenant) of its state. */
  boolean takes(ReconcileState state, int shard, TenantId tenant) {
    return state.entityCount(shard, tenant) >= minEntities;
  }

  /** The odd multiplier of a session's salted digests. */
  static long salt(long session) {
    return Fingerprints.fmix64(session) | 1;
  }

  /** A segment digest as sent: the top 32 bits of its product with the session's salt. */
  static int salted(long digest, long salt) {
    return (int) ((digest * salt) >>> 32);
  }

  /** HASHES (initiator): a SEGMENTS record per differing bucket. */
  void hashes(
      ReconcileState state,
      long session,
      int shard,
      TenantId tenant,
      BitSet buckets,
      FrameEncoder out) {
    long salt = salt(session);
    state.segmentDigests(shard, tenant, buckets, digests);
    for (int b = buckets.nextSetBit(0); b >= 0; b = buckets.nextSetBit(b + 1)) {
      for (int i = 0; i < BUCKET_SEGMENTS; i++) {
        salted[i] = salted(digests[b * BUCKET_SEGMENTS + i], salt);
      }
      out.segments(shard, tenant.name(), b, salted);
    }
  }

  /**
   * HASHES → STATES (responder): a SEGMENT_MASK per bucket with segments whose digests differ, then
   * its fingerprints of its entities in them.
   */
  void answerHashes(
      ReconcileState state, long session, ShardTenant key, Assembly.Segments in, FrameEncoder out) {
    int shard = key.shard();
    String name = key.tenant().name();
    BitSet buckets = new BitSet(ReconcileState.BUCKETS);
    in.digests.keySet().forEach(buckets::set);
    state.segmentDigests(shard, key.tenant(), buckets, digests);
    long salt = salt(session);
    BitSet differing = new BitSet(ReconcileState.SEGMENTS);
    for (Map.Entry<Integer, int[]> e : in.digests.entrySet()) {
      int first = e.getKey() * BUCKET_SEGMENTS;
      long mask = 0;
      for (int i = 0; i < BUCKET_SEGMENTS; i++) {
        if (salted(digests[first + i], salt) != e.getValue()[i]) {
          mask |= 1L << i;
          differing.set(first + i);
        }
      }
      if (mask != 0) {
        out.segmentMask(shard, name, e.getKey(), mask);
      }
    }
    if (!differing.isEmpty()) {
      state.forEachInSegments(
          shard,
          key.tenant(),
          differing,
          (type, entity, hash) ->
              out.fingerprint(
                  FPS_RECORD, shard, name, Fingerprints.of(session, type, entity, hash)));
    }
  }

  /**
   * STATES → FINAL (initiator, before it merges anything): matches its entities in the segments the
   * responder found differing (only in the buckets it asked about) against the responder's
   * fingerprints.
   *
   * @return the plan, or null if the responder found no segment differing
   */
  Plan plan(
      ReconcileState state, long session, ShardTenant key, BitSet asked, Assembly.Segments in) {
    Map<Integer, Long> masks = new LinkedHashMap<>();
    in.masks.forEach(
        (bucket, mask) -> {
          if (asked.get(bucket)) {
            masks.put(bucket, mask);
          }
        });
    if (masks.isEmpty()) {
      return null;
    }
    Plan plan = new Plan(key, masks);
    FingerprintCounts theirs = FingerprintCounts.of(in.fingerprints);
    state.forEachInSegments(
        key.shard(),
        key.tenant(),
        segments(masks),
        (type, entity, hash) -> {
          if (!theirs.take(Fingerprints.of(session, type, entity, hash))) {
            plan.own.add(new EntityKey(type(type), entity));
          }
        });
    theirs.forEachLeft(plan.wanted::add);
    return plan;
  }

  /**
   * Writes a plan into the FINAL: this region's states of its unmatched entities (read now, after
   * the STATES' merge), then, if it wants any, the masks and the WANTED fingerprints.
   *
   * @return the states written
   */
  int writeFinal(ReconcileState state, Plan plan, FrameEncoder out) {
    int shard = plan.key.shard();
    String name = plan.key.tenant().name();
    int sent = 0;
    if (!plan.own.isEmpty()) {
      for (EntityState s : state.states(shard, plan.key.tenant(), plan.own)) {
        out.state(shard, name, s.type().name(), s.entity(), s.state());
        sent++;
      }
    }
    if (!plan.wanted.isEmpty()) {
      plan.masks.forEach((bucket, mask) -> out.segmentMask(shard, name, bucket, mask));
      for (int i = 0; i < plan.wanted.size(); i++) {
        out.fingerprint(WANTED_RECORD, shard, name, plan.wanted.get(i));
      }
    }
    return sent;
  }

  /**
   * FINAL → DONE (responder, before it merges the FINAL's states): its entities of the WANTED
   * fingerprints, found among its entities in the masks' segments.
   */
  List<EntityKey> wanted(
      ReconcileState state, long session, ShardTenant key, Assembly.Segments in) {
    List<EntityKey> keys = new ArrayList<>();
    if (in.fingerprints.isEmpty()) {
      return keys;
    }
    FingerprintCounts wanted = FingerprintCounts.of(in.fingerprints);
    state.forEachInSegments(
        key.shard(),
        key.tenant(),
        in.segments(),
        (type, entity, hash) -> {
          if (wanted.take(Fingerprints.of(session, type, entity, hash))) {
            keys.add(new EntityKey(type(type), entity));
          }
        });
    return keys;
  }

  private static BitSet segments(Map<Integer, Long> masks) {
    Assembly.Segments s = new Assembly.Segments();
    s.masks.putAll(masks);
    return s.segments();
  }

  private SignalType type(String name) {
    SignalType t = types.get(name);
    if (t == null) {
      t = SignalType.of(name);
      if (types.size() < 4096) {
        types.put(name, t);
      }
    }
    return t;
  }
}
