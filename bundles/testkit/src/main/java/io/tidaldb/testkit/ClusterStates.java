package io.tidaldb.testkit;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.reconcile.EntityKey;
import io.tidaldb.api.reconcile.EntityState;
import io.tidaldb.api.reconcile.ReconcileState;
import io.tidaldb.reconcile.ReconcileReport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The regions' stored state, compared and reconciled: {@link #reconcileAll} runs every running
 * region's sessions in turn; {@link #stateProblem} compares, per shard and tenant, every running
 * region's bucket digests and then every entity's canonical state bytes with the first running
 * region's, and names the first difference.
 */
final class ClusterStates {
  private final List<RegionProcess> nodes;
  private final ClusterProbe probe;
  private final int shards;

  ClusterStates(List<RegionProcess> nodes, ClusterProbe probe, int shards) {
    this.nodes = List.copyOf(nodes);
    this.probe = probe;
    this.shards = shards;
  }

  /**
   * Reconciles every running region with every other, in rounds one after another (each round one
   * region's sessions with all others, in parallel; a session is both ways): the first running
   * region twice (the first round gathers every region's states there and hands its own out, the
   * second hands out what it gathered), then every other running region that the first one could
   * not reach (or all of them, if it has no reconciliation), which reaches it by another way. So no
   * state crosses twice to the same region, as it would if a region's parallel sessions each
   * delivered what it lacks, and no round runs that can find nothing.
   */
  ClusterReconcileReport reconcileAll(Deadline deadline) {
    long start = System.nanoTime();
    List<ClusterReconcileReport.Round> rounds = new ArrayList<>();
    List<RegionId> skipped = new ArrayList<>();
    RegionProcess hub = nodes.stream().filter(RegionProcess::isRunning).findFirst().orElse(null);
    Set<RegionId> reached = new HashSet<>();
    if (hub != null) {
      for (int i = 0; i < 2; i++) {
        ReconcileReport report = round(hub, deadline);
        if (report == null) {
          reached.clear();
          break;
        }
        rounds.add(new ClusterReconcileReport.Round(hub.region(), report));
        if (i == 0) {
          reached.addAll(report.peers());
        } else {
          reached.retainAll(report.peers());
        }
      }
    }
    for (RegionProcess n : nodes) {
      if (n == hub && !rounds.isEmpty() || reached.contains(n.region())) {
        continue;
      }
      ReconcileReport report = round(n, deadline);
      if (report != null) {
        rounds.add(new ClusterReconcileReport.Round(n.region(), report));
      } else {
        skipped.add(n.region());
      }
    }
    return new ClusterReconcileReport(Duration.ofNanos(System.nanoTime() - start), rounds, skipped);
  }

  /** Runs one region's sessions; null if it is down or has no reconciliation. */
  private static ReconcileReport round(RegionProcess n, Deadline deadline) {
    try {
      RegionReconciler reconciler = n.reconciler();
      if (reconciler == null) {
        return null; // the transport does not carry the reconciliation channel
      }
      return reconciler.reconcileAll().get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
    } catch (UnavailableException | ExecutionException e) {
      return null; // down, or crashed meanwhile
    } catch (TimeoutException e) {
      throw new ClusterTimeoutException(
          n.region() + "'s reconciliation did not end within " + deadline.timeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClusterTimeoutException("interrupted while reconciling " + n.region());
    }
  }

  /** Returns null if every running region holds the same states, else the first difference. */
  String stateProblem() {
    List<RegionProcess> running = probe.running();
    if (running.size() < 2) {
      return null;
    }
    try {
      RegionProcess first = running.get(0);
      ReconcileState reference = first.reconcileState();
      for (int shard = 0; shard < shards; shard++) {
        Set<TenantId> tenants = new TreeSet<>((a, b) -> a.name().compareTo(b.name()));
        for (RegionProcess n : running) {
          tenants.addAll(n.reconcileState().tenants(shard));
        }
        for (TenantId tenant : tenants) {
          for (RegionProcess n : running.subList(1, running.size())) {
            String p = difference(first, reference, n, n.reconcileState(), shard, tenant);
            if (p != null) {
              return p;
            }
          }
        }
      }
      return null;
    } catch (UnavailableException e) {
      return "a region went down while states were compared: " + e.getMessage();
    }
  }

  private static String difference(
      RegionProcess a,
      ReconcileState sa,
      RegionProcess b,
      ReconcileState sb,
      int shard,
      TenantId t) {
    String where = "shard " + shard + " tenant " + t.name();
    long[] da = new long[ReconcileState.BUCKETS];
    long[] db = new long[ReconcileState.BUCKETS];
    sa.bucketDigests(shard, t, da);
    sb.bucketDigests(shard, t, db);
    BitSet all = new BitSet(ReconcileState.BUCKETS);
    all.set(0, ReconcileState.BUCKETS);
    Map<EntityKey, Long> ha = hashes(sa, shard, t, all);
    Map<EntityKey, Long> hb = hashes(sb, shard, t, all);
    for (Map.Entry<EntityKey, Long> e : ha.entrySet()) {
      Long other = hb.get(e.getKey());
      if (!e.getValue().equals(other)) {
        return entityLine(a, b, where, e.getKey(), e.getValue(), other);
      }
    }
    for (Map.Entry<EntityKey, Long> e : hb.entrySet()) {
      if (!ha.containsKey(e.getKey())) {
        return entityLine(a, b, where, e.getKey(), null, e.getValue());
      }
    }
    for (int bucket = 0; bucket < da.length; bucket++) {
      if (da[bucket] != db[bucket]) {
        return a.region()
            + " and "
            + b.region()
            + " differ in "
            + where
            + ": bucket "
            + bucket
            + " digest "
            + da[bucket]
            + " vs "
            + db[bucket]
            + " (same entity hashes)";
      }
    }
    List<EntityKey> keys = new ArrayList<>(ha.keySet());
    List<EntityState> xa = sa.states(shard, t, keys);
    List<EntityState> xb = sb.states(shard, t, keys);
    if (xa.size() != xb.size()) {
      return a.region()
          + " and "
          + b.region()
          + " differ in "
          + where
          + ": "
          + xa.size()
          + " vs "
          + xb.size()
          + " states of the same "
          + keys.size()
          + " entities";
    }
    for (int i = 0; i < xa.size(); i++) {
      EntityState x = xa.get(i);
      EntityState y = xb.get(i);
      if (x.entity() != y.entity()
          || !x.type().equals(y.type())
          || !Arrays.equals(x.state(), y.state())) {
        return a.region()
            + " and "
            + b.region()
            + " differ in "
            + where
            + ": entity "
            + x.type().name()
            + "/"
            + x.entity()
            + " state bytes ("
            + x.state().length
            + " vs "
            + y.state().length
            + " bytes, same hash)";
      }
    }
    return null;
  }

  private static Map<EntityKey, Long> hashes(
      ReconcileState s, int shard, TenantId t, BitSet buckets) {
    Map<EntityKey, Long> out = new LinkedHashMap<>();
    s.forEachInBuckets(
        shard,
        t,
        buckets,
        (type, entity, hash) -> out.put(new EntityKey(SignalType.of(type), entity), hash));
    return out;
  }

  private static String entityLine(
      RegionProcess a, RegionProcess b, String where, EntityKey key, Long ha, Long hb) {
    return a.region()
        + " and "
        + b.region()
        + " differ in "
        + where
        + ": entity "
        + key.type().name()
        + "/"
        + key.entity()
        + " state hash "
        + (ha == null ? "(absent)" : Long.toHexString(ha))
        + " at "
        + a.region()
        + " vs "
        + (hb == null ? "(absent)" : Long.toHexString(hb))
        + " at "
        + b.region();
  }
}
