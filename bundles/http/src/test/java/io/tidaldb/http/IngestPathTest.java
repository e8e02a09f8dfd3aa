package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tidaldb.api.Durability;
import io.tidaldb.api.HlcStamp;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.RegionId;
import io.tidaldb.api.ShardId;
import io.tidaldb.api.Signal;
import io.tidaldb.api.SignalAck;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalTickets;
import io.tidaldb.api.StoreStatus;
import io.tidaldb.api.Timestamp;
import io.tidaldb.api.UnavailableException;
import io.tidaldb.api.replication.NotLeaderException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Which path a write takes: LOCAL without a session through submit (one awaitDurable per shard), a
 * region that does not lead a shard through signalAsync; and what a failure part way reports.
 */
class IngestPathTest {
  private final AtomicInteger submits = new AtomicInteger();
  private final AtomicInteger asyncs = new AtomicInteger();
  private final AtomicInteger awaits = new AtomicInteger();

  /** A store that does not lead entity 1's shard, whose shard 3 fails its durability wait. */
  private SignalStore store() {
    return (SignalStore)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {SignalStore.class},
            (p, m, args) ->
                switch (m.getName()) {
                  case "status" ->
                      new StoreStatus(RegionId.of(0), 0, Timestamp.ofMillis(1), 0, List.of());
                  case "check" -> null;
                  case "submit" -> {
                    submits.incrementAndGet();
                    long entity = (Long) args[2];
                    if (entity == 1) {
                      throw new NotLeaderException(
                          RegionId.of(0), 1, 3, Optional.of(RegionId.of(2)), "");
                    }
                    yield SignalTickets.ticket((int) (entity % 4), 10 + entity);
                  }
                  case "awaitDurable" -> {
                    awaits.incrementAndGet();
                    if (SignalTickets.shard((Long) args[0]) == 3) {
                      throw new UnavailableException("shard fsync failed");
                    }
                    yield null;
                  }
                  case "signalAsync" -> {
                    asyncs.incrementAndGet();
                    Signal s = (Signal) args[0];
                    if (s.entity().value() == 99) {
                      yield CompletableFuture.failedFuture(
                          new InvalidArgumentException("weight", s.weight(), "refused late"));
                    }
                    yield CompletableFuture.completedFuture(
                        new SignalAck(ShardId.of(1), 7, new HlcStamp(1), (Durability) args[1]));
                  }
                  case "hashCode" -> System.identityHashCode(p);
                  case "equals" -> p == args[0];
                  default -> throw new UnsupportedOperationException(m.getName());
                });
  }

  private static Response post(SignalStore store, String query, String... entities) {
    StringBuilder b = new StringBuilder();
    for (String e : entities) {
      b.append("{\"type\":\"view\",\"entity\":").append(e).append(",\"weight\":1}\n");
    }
    HttpApi api = new HttpApi(HttpApiConfig.DEFAULTS, () -> List.of(store), List::of, () -> 5L);
    return api.handle(
        new Request(
            "POST",
            "/v1/tenants/default/signals",
            query == null ? Map.of() : Map.of("durability", query),
            SignalCodec.NDJSON,
            null,
            b.toString().getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void shouldSubmitLocalWritesAndAwaitOncePerShard() {
    Response r = post(store(), null, "0", "4", "8", "2", "6");
    assertEquals(200, r.status(), r.text());
    assertEquals(5, submits.get());
    assertEquals(0, asyncs.get());
    assertEquals(2, awaits.get(), "shards 0 and 2, once each");
  }

  @Test
  void shouldTakeSignalAsyncOnceASubmitIsRefusedAsNotLeader() {
    Response r = post(store(), null, "0", "1", "2", "4");
    assertEquals(200, r.status(), r.text());
    assertEquals(2, submits.get(), "0 submitted, 1 refused, then no more submits");
    assertEquals(3, asyncs.get());
    assertEquals(1, awaits.get());
  }

  @Test
  void shouldTakeSignalAsyncForQuorum() {
    assertEquals(200, post(store(), "QUORUM", "0", "1").status());
    assertEquals(0, submits.get());
    assertEquals(2, asyncs.get());
  }

  @Test
  void shouldReportPerItemWhatWasNotStoredWhenStoringFailsPartWay() {
    // entity 3 -> shard 3 fails its durability wait (unknown); 99 -> refused late (not stored)
    Response r = post(store(), null, "0", "3", "2", "1", "99");
    assertEquals(503, r.status(), r.text());
    assertTrue(r.text().contains("\"acknowledged\":3"), r.text());
    assertTrue(
        r.text().contains("{\"item\":1,\"stored\":\"unknown\",\"code\":\"unavailable\""), r.text());
    assertTrue(
        r.text().contains("{\"item\":4,\"stored\":\"not_stored\",\"code\":\"invalid_argument\""),
        r.text());
    assertTrue(r.text().contains("\"stored\":\"unknown\",\"count\":5"), r.text());
  }
}
