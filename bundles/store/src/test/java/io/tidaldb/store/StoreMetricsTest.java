package io.tidaldb.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.metrics.HistogramSnapshot;
import io.tidaldb.api.metrics.MetricsSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreMetricsTest {
  static final SignalType VIEW = SignalType.of("view");
  static final TenantId ACME = TenantId.of("acme");
  static final TenantId GLOBEX = TenantId.of("globex");

  @TempDir Path dir;
  StoreFixture db;

  @BeforeEach
  void open() {
    db = new StoreFixture(dir);
  }

  @AfterEach
  void close() {
    db.close();
  }

  /** Records samples as "name{labels}" → value. */
  static final class Samples implements MetricsSink {
    final Map<String, Double> values = new TreeMap<>();
    final List<String> names = new ArrayList<>();

    private void put(String name, double value, String... labels) {
      StringBuilder key = new StringBuilder(name).append('{');
      for (int i = 0; i < labels.length; i += 2) {
        key.append(labels[i])
            .append('=')
            .append(labels[i + 1])
            .append(i + 2 < labels.length ? "," : "");
      }
      values.put(key.append('}').toString(), value);
      names.add(name);
    }

    @Override
    public void counter(String name, String help, double value, String... labels) {
      put(name, value, labels);
    }

    @Override
    public void gauge(String name, String help, double value, String... labels) {
      put(name, value, labels);
    }

    @Override
    public void histogram(String name, String help, HistogramSnapshot h, String... labels) {
      put(name, h.count(), labels);
    }
  }

  @Test
  void countsAcceptedPerTenantAndRefusedByCauseWithoutMixingTenants() {
    Timestamp now = Timestamp.ofMillis(System.currentTimeMillis());
    for (int i = 0; i < 3; i++) {
      db.store.signal(ACME, VIEW, EntityId.of(i), 1.0, now);
    }
    db.store.signal(GLOBEX, VIEW, EntityId.of(7), 1.0, now);
    assertThrows(
        InvalidArgumentException.class,
        () -> db.store.submit(ACME, VIEW, 1, Double.NaN, now.epochMillis()));
    assertThrows(
        UnknownTenantException.class,
        () -> db.store.signal(TenantId.of("nobody"), VIEW, EntityId.of(1), 1.0, now));
    assertThrows(
        InvalidArgumentException.class,
        () -> db.store.submit(ACME, VIEW, 1, Double.POSITIVE_INFINITY, now.epochMillis()));

    Samples s = new Samples();
    db.store.collectMetrics(s);
    Map<String, Double> v = s.values;
    assertEquals(4.0, v.get("tidaldb_signals_accepted_total{region=0}"), v.toString());
    assertEquals(3.0, v.get("tidaldb_tenant_signals_accepted_total{region=0,tenant=acme}"));
    assertEquals(1.0, v.get("tidaldb_tenant_signals_accepted_total{region=0,tenant=globex}"));
    assertEquals(3.0, v.get("tidaldb_tenant_entities{region=0,tenant=acme}"));
    assertEquals(1.0, v.get("tidaldb_tenant_entities{region=0,tenant=globex}"));
    assertEquals(
        2.0, v.get("tidaldb_signals_refused_total{region=0,cause=invalid,argument=weight}"));
    assertEquals(
        1.0, v.get("tidaldb_signals_refused_total{region=0,cause=unknown_tenant,argument=}"));
    assertTrue(v.keySet().stream().noneMatch(k -> k.contains("nobody")), v.toString());
    assertEquals(1.0, v.get("tidaldb_store_open{region=0}"));
    double entities = 0;
    for (int shard = 0; shard < StoreFixture.SHARDS; shard++) {
      entities += v.get("tidaldb_shard_entities{region=0,shard=" + shard + "}");
    }
    assertEquals(4.0, entities);
  }
}
