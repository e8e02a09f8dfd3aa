package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.ShardStatus;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.replication.ShardReplicationStatus;
import io.tidaldb.api.replication.ShardReplicationStatus.RegionProgress;
import io.tidaldb.api.replication.ShardReplicationStatus.Role;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@code /health/ready} and {@code /v1/status} with a replicated region: ready only when every
 * shard has a leader, no problem and a lag within {@code ready.lag.ms}; else 503 naming each shard.
 */
class ReadinessTest {
  private static final RegionId R1 = RegionId.of(1);
  private final AtomicReference<List<ShardReplicationStatus>> shards = new AtomicReference<>();

  private static <T> T proxy(Class<T> type, Map<String, Object> answers) {
    return type.cast(
        Proxy.newProxyInstance(
            ReadinessTest.class.getClassLoader(),
            new Class<?>[] {type},
            (p, m, args) -> {
              if (m.getName().equals("status")
                  && answers.get("status") instanceof java.util.function.Supplier<?> s) {
                return s.get();
              }
              if (answers.containsKey(m.getName())) {
                return answers.get(m.getName());
              }
              if (m.getName().equals("hashCode")) {
                return System.identityHashCode(p);
              }
              if (m.getName().equals("equals")) {
                return p == args[0];
              }
              throw new UnsupportedOperationException(m.getName());
            }));
  }

  private HttpApi api() {
    List<ShardStatus> st =
        List.of(
            new ShardStatus(ShardId.of(0), 0, 10, 10, 10, 0, 3),
            new ShardStatus(ShardId.of(1), 0, 20, 20, 20, 0, 4));
    SignalStore store =
        proxy(
            SignalStore.class,
            Map.of(
                "status",
                (java.util.function.Supplier<StoreStatus>)
                    () -> new StoreStatus(R1, 0, Timestamp.ofMillis(1), 30, st)));
    Replication repl =
        proxy(
            Replication.class,
            Map.of("region", R1, "status", (java.util.function.Supplier<Object>) shards::get));
    return new HttpApi(
        new HttpApiConfig("", 1 << 20, 1_000, -1, 1_000, 1_000),
        () -> List.of(store),
        () -> List.of(repl),
        () -> 5L);
  }

  private static ShardReplicationStatus follower(int shard, Optional<RegionId> leader, long lagMs) {
    return new ShardReplicationStatus(
        shard,
        3,
        Role.FOLLOWER,
        leader,
        List.of(new RegionProgress(RegionId.of(0), 10, 0, 0), new RegionProgress(R1, 8, 2, lagMs)),
        Optional.empty());
  }

  private Response ready(HttpApi api) {
    return api.handle(new Request("GET", "/health/ready", Map.of(), null, null, null));
  }

  @Test
  void shouldBeReadyWithLeadersWithinTheLag() {
    shards.set(
        List.of(follower(0, Optional.of(RegionId.of(0)), 900), follower(1, Optional.of(R1), 0)));
    HttpApi api = api();
    assertEquals(200, ready(api).status(), ready(api).text());
    Response status = api.handle(new Request("GET", "/v1/status", Map.of(), null, null, null));
    assertEquals(200, status.status(), status.text());
    assertTrue(
        status.text().contains("\"role\":\"FOLLOWER\",\"leader\":0,\"epoch\":3"), status.text());
    assertTrue(
        status.text().contains("{\"region\":1,\"hwm\":8,\"lagRecords\":2,\"lagMillis\":900}"),
        status.text());
  }

  @Test
  void shouldNotBeReadyWithoutALeaderOrBeyondTheLag() {
    shards.set(
        List.of(follower(0, Optional.empty(), 0), follower(1, Optional.of(RegionId.of(0)), 1_001)));
    Response r = ready(api());
    assertEquals(503, r.status(), r.text());
    assertTrue(r.text().contains("shard 0: no leader (epoch 3, FOLLOWER)"), r.text());
    assertTrue(r.text().contains("shard 1: lags its leader region-0 by 1001 ms"), r.text());
    assertTrue(r.text().contains("\"stored\":\"not_stored\""), r.text());
  }
}
