package io.tidaldb.store;

import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.metrics.MetricsSink;
import io.tidaldb.api.reconcile.ReconcileState;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * The store's own counters beyond {@link StoreStatus}: signals accepted per tenant, writes refused
 * by cause, and per tenant with state its entities and state bytes ({@code tidaldb_tenant_bytes}).
 * An accepted signal is counted in the appending thread's own cell ({@link AcceptedCounts}); a
 * refusal is counted only on the refusal path.
 *
 * <p>Causes: {@code invalid} (an {@link InvalidArgumentException}; the {@code argument} label names
 * which, e.g. {@code weight}), {@code unknown_tenant}, {@code quota} (a {@code
 * QuotaExceededException}; the {@code argument} label names the quota, e.g. {@code
 * signalspersecond}), {@code unavailable} (a write, synchronous or asynchronous, or a durability
 * wait that failed with {@code UnavailableException}).
 */
final class StoreMetrics {
  private final AcceptedCounts accepted = new AcceptedCounts();
  private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();

  /** Counts {@code n} signals of {@code tenant} accepted (logged) by the calling thread. */
  void accepted(TenantId tenant, long n) {
    accepted.add(tenant, n);
  }

  /** Returns the signals accepted (logged) since the store opened. */
  long acceptedTotal() {
    return accepted.total();
  }

  void refused(RuntimeException e) {
    String key;
    if (e instanceof io.tidaldb.api.tenancy.QuotaExceededException q) {
      key = "quota\u0000" + label(q.quota());
    } else if (e instanceof UnknownTenantException) {
      key = "unknown_tenant\u0000";
    } else if (e instanceof InvalidArgumentException i) {
      key = "invalid\u0000" + label(i.argument());
    } else {
      key = "unavailable\u0000";
    }
    refused.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  private static String label(String argument) {
    return argument == null ? "" : argument.toLowerCase(Locale.ROOT).replace(' ', '_');
  }

  void collect(
      MetricsSink sink,
      StoreStatus status,
      ReconcileState reconcile,
      ToLongFunction<TenantId> bytes) {
    String region = Integer.toString(status.region().value());
    sink.gauge("tidaldb_store_open", "1 while the region's store is open.", 1, "region", region);
    sink.counter(
        "tidaldb_signals_accepted_total",
        "Signals the region's store accepted (logged) since it opened.",
        status.signalsAccepted(),
        "region",
        region);
    for (Map.Entry<String, LongAdder> e : new TreeMap<>(refused).entrySet()) {
      int cut = e.getKey().indexOf('\u0000');
      sink.counter(
          "tidaldb_signals_refused_total",
          "Writes the region's store refused, by cause (invalid: the argument label names the"
              + " value refused).",
          e.getValue().sum(),
          "region",
          region,
          "cause",
          e.getKey().substring(0, cut),
          "argument",
          e.getKey().substring(cut + 1));
    }
    Map<String, Long> entities = new TreeMap<>();
    for (ShardStatus s : status.shards()) {
      String shard = Integer.toString(s.shard().value());
      sink.gauge(
          "tidaldb_shard_entities",
          "(tenant, type, entity) states the shard holds.",
          s.entities(),
          "region",
          region,
          "shard",
          shard);
      position(sink, region, shard, "next", s.nextPosition());
      position(sink, region, shard, "durable", s.durablePosition());
      position(sink, region, shard, "applied", s.appliedPosition());
      position(sink, region, shard, "snapshot", s.snapshotPosition());
      position(sink, region, shard, "wal_start", s.walStartPosition());
      for (TenantId t : reconcile.tenants(s.shard().value())) {
        entities.merge(t.name(), (long) reconcile.entityCount(s.shard().value(), t), Long::sum);
      }
    }
    for (Map.Entry<String, Long> e : accepted.byTenant().entrySet()) {
      sink.counter(
          "tidaldb_tenant_signals_accepted_total",
          "Signals the region's store accepted per tenant since it opened.",
          e.getValue(),
          "region",
          region,
          "tenant",
          e.getKey());
    }
    for (Map.Entry<String, Long> e : entities.entrySet()) {
      sink.gauge(
          "tidaldb_tenant_entities",
          "Entities of a tenant with state in the region (summed over shards and types).",
          e.getValue(),
          "region",
          region,
          "tenant",
          e.getKey());
      sink.gauge(
          "tidaldb_tenant_bytes",
          "State bytes of a tenant in the region as snapshots encode them (the maxBytes quota).",
          Math.max(0, bytes.applyAsLong(TenantId.of(e.getKey()))),
          "region",
          region,
          "tenant",
          e.getKey());
    }
  }

  private static void position(MetricsSink sink, String region, String shard, String kind, long p) {
    sink.gauge(
        "tidaldb_shard_log_position",
        "Positions of a shard's log (next, durable, applied, snapshot, wal_start).",
        p,
        "region",
        region,
        "shard",
        shard,
        "kind",
        kind);
  }
}
