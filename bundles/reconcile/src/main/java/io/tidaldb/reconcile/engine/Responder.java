package io.tidaldb.reconcile.engine;

import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.MergeReport;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.reconcile.engine.Assembly.EntityRef;
import io.tidaldb.reconcile.engine.Assembly.ShardTenant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The responder's side of a session: each answer is a function of the message and this region's
 * state only, so a responder keeps no session state between steps.
 */
final class Responder {
  private final ReconcileState state;

  /** Signal types by name: validating a name per entity would cost more than the rest. */
  private final Map<String, SignalType> types = new java.util.HashMap<>();

  Responder(ReconcileState state) {
    this.state = state;
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

  /**
   * SUMMARY → LEAVES: for every (shard, tenant) either side holds, this region's bucket digests of
   * the groups whose digests differ.
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
  }

  /**
   * HASHES → STATES: this region's states of the entities in the compared buckets whose hashes
   * differ or that the initiator lacks, and the keys it wants (hash differs, or it lacks them).
   *
   * @return the number of states written
   */
  int answerHashes(Assembly in, FrameEncoder out) {
    int sent = 0;
    for (Map.Entry<ShardTenant, Assembly.Range> e : in.ranges.entrySet()) {
      int shard = e.getKey().shard();
      TenantId tenant = e.getKey().tenant();
      Map<EntityRef, Long> theirs = e.getValue().hashes;
      List<EntityKey> send = new ArrayList<>();
      List<EntityKey> wants = new ArrayList<>();
      state.forEachInBuckets(
          shard,
          tenant,
          e.getValue().buckets,
          (type, entity, hash) -> {
            Long h = theirs.remove(new EntityRef(type, entity));
            if (h == null || h != hash) {
              EntityKey key = new EntityKey(type(type), entity);
              send.add(key);
              if (h != null) {
                wants.add(key);
              }
            }
          });
      for (EntityRef missing : theirs.keySet()) {
        wants.add(new EntityKey(type(missing.type()), missing.entity()));
      }
      for (EntityState s : state.states(shard, tenant, send)) {
        out.state(shard, tenant.name(), s.type().name(), s.entity(), s.state());
        sent++;
      }
      for (EntityKey key : wants) {
        out.want(shard, tenant.name(), key.type().name(), key.entity());
      }
    }
    return sent;
  }

  /** FINAL → DONE: merges the initiator's states and says how many changed. */
  void answerFinal(Assembly in, FrameEncoder out, Consumer<String> rejected) {
    int[] counts = merge(state, in, rejected);
    out.done(counts[0], counts[1], counts[2]);
  }

  /**
   * Merges every state of a STATES or FINAL message.
   *
   * @return changed, unchanged, rejected
   */
  static int[] merge(ReconcileState state, Assembly in, Consumer<String> rejected) {
    int[] counts = new int[3];
    for (Map.Entry<ShardTenant, Assembly.States> e : in.states.entrySet()) {
      List<EntityState> states = e.getValue().states;
      if (states.isEmpty()) {
        continue;
      }
      MergeReport report = state.merge(e.getKey().shard(), e.getKey().tenant(), states);
      counts[0] += report.changed();
      counts[1] += report.unchanged();
      counts[2] += report.rejected().size();
      report.rejected().forEach(rejected);
    }
    return counts;
  }
}
