package io.tidaldb.reconcile.engine;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.ClosedDigest;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.reconcile.engine.Assembly.ShardTenant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The responder's side of a session and of the compaction probe: each answer is a function of the
 * message and this region's state only, so a responder keeps no session state between steps.
 */
final class Responder {
  private final ReconcileState state;
  private final SegmentExchange segments;

  /** Signal types by name: validating a name per entity would cost more than the rest. */
  private final Map<String, SignalType> types = new java.util.HashMap<>();

  Responder(ReconcileState state, SegmentExchange segments) {
    this.state = state;
    this.segments = segments;
  }

  SignalType type(String name) {
    SignalType t = types.get(name);
    if (t == null) {
      t = SignalType.of(name);
      if (types.size() < 4096) {
        types.put(name, t);
      }
    }
    return t;
  }

  /**
   * SUMMARY → LEAVES: for every (shard, tenant) either side holds, this region's bucket digests of
   * the groups whose digests differ; and the local session tables ({@link
   * SessionTableExchange#answer}).
   */
  void answerSummary(Assembly in, FrameEncoder out) {
    long[] buckets = new long[ReconcileState.BUCKETS];
    for (int shard = 0; shard < state.shardCount(); shard++) {
      Set<TenantId> tenants = new LinkedHashSet<>(state.tenants(shard));
      for (ShardTenant st : in.groups.keySet()) {
        if (st.shard() == shard) {
          tenants.add(st.tenant());
        }
      }
      for (TenantId tenant : tenants) {
        state.bucketDigests(shard, tenant, buckets);
        long[] own = Digests.groups(buckets);
        long[] theirs = in.groups.get(new ShardTenant(shard, tenant));
        int mask = 0;
        for (int g = 0; g < own.length; g++) {
          if (own[g] != (theirs == null ? 0 : theirs[g])) {
            mask |= 1 << g;
          }
        }
        if (mask != 0) {
          out.leaves(shard, tenant.name(), mask, buckets);
        }
      }
    }
    SessionTableExchange.answer(state, in, out);
  }

  /**
   * HASHES → STATES: for the fingerprint path, this region's states of the entities in the compared
   * buckets whose fingerprints the initiator did not send (it lacks them or holds another state),
   * and the initiator's fingerprints without a match here (WANTED: it holds what this region
   * lacks); for the segment path, the masks of differing segments and this region's fingerprints in
   * them ({@link SegmentExchange#answerHashes}).
   *
   * @return the number of states written
   */
  int answerHashes(Assembly in, FrameEncoder out) {
    int sent = 0;
    for (Map.Entry<ShardTenant, Assembly.Range> e : in.ranges.entrySet()) {
      int shard = e.getKey().shard();
      TenantId tenant = e.getKey().tenant();
      // the initiator's fingerprints as a multiset; each own entity takes its match, if any
      FingerprintCounts theirs = FingerprintCounts.of(e.getValue().fingerprints);
      List<EntityKey> keys = new ArrayList<>();
      state.forEachInBuckets(
          shard,
          tenant,
          e.getValue().buckets,
          (type, entity, hash) -> {
            if (!theirs.take(Fingerprints.of(in.session, type, entity, hash))) {
              keys.add(new EntityKey(type(type), entity));
            }
          });
      for (EntityState s : state.states(shard, tenant, keys)) {
        out.state(shard, tenant.name(), s.type().name(), s.entity(), s.state());
        sent++;
      }
      String name = tenant.name();
      theirs.forEachLeft(
          fp -> out.fingerprint(ReconcileFrameDescriptor.WANTED_RECORD, shard, name, fp));
    }
    for (Map.Entry<ShardTenant, Assembly.Segments> e : in.segments.entrySet()) {
      segments.answerHashes(state, in.session, e.getKey(), e.getValue(), out);
    }
    return sent;
  }

  /**
   * FINAL → DONE: finds the entities of the segment path's WANTED fingerprints (before the merge,
   * which changes the fingerprints of the states it joins), merges the initiator's states, says how
   * many changed, and sends its (now joined) states of the wanted entities.
   */
  void answerFinal(
      Assembly in, FrameEncoder out, Consumer<String> rejected, IntConsumer changedShards) {
    Map<ShardTenant, List<EntityKey>> wanted = new java.util.LinkedHashMap<>();
    for (Map.Entry<ShardTenant, Assembly.Segments> e : in.segments.entrySet()) {
      List<EntityKey> keys = segments.wanted(state, in.session, e.getKey(), e.getValue());
      if (!keys.isEmpty()) {
        wanted.put(e.getKey(), keys);
      }
    }
    int[] counts = merge(state, in, rejected, changedShards);
    out.done(counts[0], counts[1], counts[2]);
    wanted.forEach(
        (key, keys) -> {
          for (EntityState s : state.states(key.shard(), key.tenant(), keys)) {
            out.state(key.shard(), key.tenant().name(), s.type().name(), s.entity(), s.state());
          }
        });
  }

  /**
   * COMPACT_PROBE → COMPACT_DIGEST: per probed shard, this region's applied epoch and, when it is
   * past the cut-off, its closed digest through it. A shard whose store side fails is left out of
   * the answer (the prober counts it as unanswered) and handed to {@code failed}.
   */
  void answerProbe(Assembly in, FrameEncoder out, BiConsumer<Integer, RuntimeException> failed) {
    for (Map.Entry<Integer, Long> e : in.probes.entrySet()) {
      int shard = e.getKey();
      long cutoff = e.getValue();
      try {
        long applied = state.epochs(shard).appliedEpoch();
        if (applied > cutoff) {
          ClosedDigest d = state.closedDigest(shard, cutoff);
          out.closed(shard, cutoff, applied, d.digest(), d.entries());
        } else {
          out.closed(shard, cutoff, applied, 0, 0);
        }
      } catch (RuntimeException ex) {
        failed.accept(shard, ex);
      }
    }
  }

  /**
   * Merges every state of a STATES or FINAL message.
   *
   * @param changedShards told each shard where a merge changed this region's state
   * @return changed, unchanged, rejected
   */
  static int[] merge(
      ReconcileState state, Assembly in, Consumer<String> rejected, IntConsumer changedShards) {
    int[] counts = new int[3];
    for (Map.Entry<ShardTenant, Assembly.States> e : in.states.entrySet()) {
      List<EntityState> states = e.getValue().states;
      if (states.isEmpty()) {
        continue;
      }
      MergeReport report = state.merge(e.getKey().shard(), e.getKey().tenant(), states);
      counts[0] += report.changed();
      if (report.changed() > 0) {
        changedShards.accept(e.getKey().shard());
      }
      counts[1] += report.unchanged();
      counts[2] += report.rejected().size();
      report.rejected().forEach(rejected);
    }
    return counts;
  }
}
