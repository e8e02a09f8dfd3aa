package io.tidaldb.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.metrics.MetricsExposition;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantDirectory;
import io.tidaldb.api.tenancy.TenantListener;
import io.tidaldb.api.tenancy.TenantQuotas;
import io.tidaldb.api.tenancy.TenantState;
import io.tidaldb.router.HashShardRouter;
import io.tidaldb.store.SignalStoreEngine;
import io.tidaldb.store.StoreConfig;
import io.tidaldb.wal.WalConfig;
import io.tidaldb.wal.WalEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's handlers against a real single-region store (WAL, router, store in a temporary
 * directory): writes read back, batches refused whole, every error class with its code and what it
 * means for the write, and nothing stored by a refusal.
 */
class HttpApiStoreTest {
  @TempDir Path dir;

  private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
  private WalEngine wal;
  private SignalStoreEngine store;
  private HttpApi api;

  @BeforeEach
  void open() {
    wal = WalEngine.open(WalConfig.builder(dir.resolve("wal")).shardCount(4).build());
    store =
        SignalStoreEngine.open(
            StoreConfig.builder(dir.resolve("store"))
                .tenants("acme")
                .maxAbsWeight(1e6)
                .clock(clock::get)
                .build(),
            wal,
            new HashShardRouter(4));
    api = api(HttpApiConfig.DEFAULTS);
  }

  private HttpApi api(HttpApiConfig config) {
    return new HttpApi(config, () -> List.<SignalStore>of(store), List::of, clock::get);
  }

  @AfterEach
  void close() {
    store.close();
    wal.close();
  }

  private static Response call(
      HttpApi api, String method, String pathAndQuery, String type, String body) {
    int q = pathAndQuery.indexOf('?');
    String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : ApiServlet.query(pathAndQuery.substring(q + 1));
    return api.handle(
        new Request(
            method,
            path,
            query,
            type,
            null,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
  }

  private Response get(String path) {
    return call(api, "GET", path, null, null);
  }

  private Response post(String path, String type, String body) {
    return call(api, "POST", path, type, body);
  }

  private static String batch(int n, int badAt, String badWeight) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("{\"type\":\"view\",\"entity\":")
          .append(i % 10)
          .append(",\"weight\":")
          .append(i == badAt ? badWeight : "1")
          .append(",\"time\":1700000000000}\n");
    }
    return b.toString();
  }

  /** The top-level fields of a JSON object body, as text. */
  static Map<String, String> fields(Response r) {
    Map<String, String> out = new HashMap<>();
    try (JsonParser p = Json.parser(r.body())) {
      p.nextToken();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.START_ARRAY || v == JsonToken.START_OBJECT) {
          p.skipChildren();
          out.put(name, "<nested>");
        } else {
          out.put(name, p.getText());
        }
      }
    } catch (IOException e) {
      throw new AssertionError(r.text(), e);
    }
    return out;
  }

  private void assertError(Response r, int status, String code, String stored, String names) {
    Map<String, String> f = fields(r);
    assertEquals(status, r.status(), r.text());
    assertEquals(code, f.get("code"), r.text());
    assertEquals(stored, f.get("stored"), r.text());
    assertTrue(f.get("message").contains(names), r.text());
  }

  private long accepted() {
    return store.status().signalsAccepted();
  }

  @Test
  void shouldStoreASignalAndReadItBack() {
    Response r =
        post(
            "/v1/tenants/acme/signals",
            "application/json",
            "{\"type\":\"view\",\"entity\":42,\"weight\":2.5}");
    assertEquals(200, r.status(), r.text());
    assertEquals("stored", fields(r).get("stored"));
    assertEquals("LOCAL", fields(r).get("durability"));
    Map<String, String> a = fields(get("/v1/tenants/acme/entities/view/42"));
    assertEquals("1", a.get("count"));
    assertEquals("2.5", a.get("weightSum"));
    assertEquals(Long.toString(clock.get()), a.get("lastSeen"));
  }

  @Test
  void shouldStoreAnNdjsonBatchAndRankIt() {
    Response r =
        post(
            "/v1/tenants/acme/signals?durability=quorum", SignalCodec.NDJSON, batch(1_000, -1, ""));
    assertEquals(200, r.status(), r.text());
    assertEquals("1000", fields(r).get("count"));
    assertEquals("QUORUM", fields(r).get("durability"));
    assertEquals(1_000, accepted());
    assertEquals("100", fields(get("/v1/tenants/acme/entities/view/3")).get("count"));
    Response top = get("/v1/tenants/acme/top/view?k=3");
    assertEquals(200, top.status(), top.text());
    assertTrue(top.text().contains("\"entities\":[{\"entity\":0,"), top.text());
    assertEquals(3, top.text().split("\"entity\"").length - 1, top.text());
  }

  @Test
  void shouldRefuseAWholeBatchWhoseItemTheStoreWouldRefuseStoringNothing() {
    Response r = post("/v1/tenants/acme/signals", SignalCodec.NDJSON, batch(10, 5, "1e9"));
    assertError(r, 400, "invalid_argument", "not_stored", "item 5");
    assertTrue(r.text().contains("1.0E9"), r.text());
    assertEquals(0, accepted());
  }

  @Test
  void shouldRefuseMalformedBodiesStoringNothingAndKeepServing() {
    assertError(
        post("/v1/tenants/acme/signals", SignalCodec.NDJSON, batch(10, 7, "\"x\"")),
        400,
        "wrong_type",
        "not_stored",
        "item 7");
    assertError(
        post("/v1/tenants/acme/signals", null, "{\"type\":\"view\",\"entity\":1,"),
        400,
        "malformed_json",
        "not_stored",
        "item 0");
    assertEquals(0, accepted());
    assertEquals(200, post("/v1/tenants/acme/signals", null, batch(1, -1, "")).status());
  }

  @Test
  void shouldAnswer404ForAnUnknownTenantAndRoute() {
    assertError(
        post("/v1/tenants/globex/signals", null, batch(1, -1, "")),
        404,
        "unknown_tenant",
        "not_stored",
        "'globex'");
    assertError(
        get("/v1/tenants/globex/entities/view/1"), 404, "unknown_tenant", "not_stored", "globex");
    assertError(get("/v1/nothing"), 404, "unknown_route", "not_stored", "/v1/nothing");
    assertError(get("/v1/tenants/acme/signals"), 405, "method_not_allowed", "not_stored", "POST");
    assertEquals(0, accepted());
  }

  @Test
  void shouldRefuseBadQueryValuesNamingThem() {
    assertError(
        post("/v1/tenants/acme/signals?durability=forever", null, batch(1, -1, "")),
        400,
        "invalid_argument",
        "not_stored",
        "'forever'");
    assertError(
        get("/v1/tenants/acme/top/view?k=1001"), 400, "invalid_argument", "not_stored", "1001");
    assertError(
        get("/v1/tenants/acme/entities/view/abc"), 400, "invalid_argument", "not_stored", "'abc'");
    assertError(
        get("/v1/tenants/Bad!/entities/view/1"), 400, "invalid_argument", "not_stored", "Bad!");
    assertError(get("/v1/status?region=3"), 404, "unknown_region", "not_stored", "region 3");
    assertEquals(0, accepted());
  }

  @Test
  void shouldAnswer429WhenTheInFlightLimitWouldBeExceeded() {
    HttpApi small = api(HttpApiConfig.DEFAULTS.withMaxInFlightSignals(100));
    Response r =
        call(small, "POST", "/v1/tenants/acme/signals", SignalCodec.NDJSON, batch(101, -1, ""));
    assertError(r, 429, "too_many_in_flight", "not_stored", "101");
    assertEquals(0, accepted());
    assertEquals(
        200,
        call(small, "POST", "/v1/tenants/acme/signals", SignalCodec.NDJSON, batch(100, -1, ""))
            .status());
  }

  @Test
  void shouldAnswer409ForASessionConflict() {
    String first =
        "{\"type\":\"view\",\"entity\":1,\"weight\":1,\"time\":1700000000000,\"session\":\"5e55\",\"seq\":1}";
    assertEquals(200, post("/v1/tenants/acme/signals", null, first).status());
    assertEquals(200, post("/v1/tenants/acme/signals", null, first).status());
    assertEquals("1", fields(get("/v1/tenants/acme/entities/view/1")).get("count"));
    Response other =
        post("/v1/tenants/acme/signals", null, first.replace("\"weight\":1", "\"weight\":2"));
    assertError(other, 409, "session_conflict", "not_stored", "seq");
    Response untimed =
        post("/v1/tenants/acme/signals", null, first.replace(",\"time\":1700000000000", ""));
    assertError(untimed, 400, "missing_field", "not_stored", "'time'");
  }

  private Response postSession(String body, Map<String, String> headers) {
    return api.handle(
        new Request(
            "POST",
            "/v1/tenants/acme/signals",
            Map.of("durability", "QUORUM"),
            SignalCodec.NDJSON,
            null,
            body.getBytes(StandardCharsets.UTF_8),
            headers));
  }

  @Test
  void shouldStoreAnNdjsonBodyUnderSessionHeadersAsOneSessionBatchOnce() {
    Map<String, String> headers = Map.of("tidal-session", "5E55", "Tidal-Seq", "1");
    Response first = postSession(batch(40, -1, ""), headers);
    assertEquals(200, first.status(), first.text());
    Map<String, String> f = fields(first);
    assertEquals("stored", f.get("stored"));
    assertEquals("40", f.get("count"));
    assertEquals("0000000000005e55", f.get("session"));
    assertEquals("1", f.get("seq"));
    assertTrue(first.text().contains("\"parts\":[{\"shard\""), first.text());
    assertEquals(40, accepted());

    Response retry = postSession(batch(40, -1, ""), headers);
    assertEquals(first.text(), retry.text(), "the retry answers the same parts");
    assertEquals(40, accepted(), "stored once");
    assertEquals("4", fields(get("/v1/tenants/acme/entities/view/3")).get("count"));

    // one part differs, the others are the first attempt's: a conflict, and the batch is stored
    // in part (its other parts), so "unknown"
    Response other = postSession(batch(40, 3, "2"), headers);
    assertError(other, 409, "session_conflict", "unknown", "payload");
    assertEquals(40, accepted());
  }

  @Test
  void shouldRefuseBadSessionHeadersNamingThemAndStoreNothing() {
    String body = batch(3, -1, "");
    assertError(
        postSession(body, Map.of("Tidal-Seq", "1")),
        400,
        "invalid_argument",
        "not_stored",
        "Tidal-Session");
    assertError(
        postSession(body, Map.of("Tidal-Session", "xyz", "Tidal-Seq", "1")),
        400,
        "invalid_argument",
        "not_stored",
        "'xyz'");
    assertError(
        postSession(body, Map.of("Tidal-Session", "5e55")),
        400,
        "missing_field",
        "not_stored",
        "Tidal-Seq");
    assertError(
        postSession(body, Map.of("Tidal-Session", "5e55", "Tidal-Seq", "0")),
        400,
        "invalid_argument",
        "not_stored",
        "seq");
    assertError(
        postSession(
            body.replace(",\"time\":1700000000000", ""),
            Map.of("Tidal-Session", "5e55", "Tidal-Seq", "1")),
        400,
        "missing_field",
        "not_stored",
        "'time'");
    String own =
        "{\"type\":\"view\",\"entity\":1,\"weight\":1,\"time\":1,\"session\":\"77\",\"seq\":1}";
    assertError(
        postSession(own, Map.of("Tidal-Session", "5e55", "Tidal-Seq", "1")),
        400,
        "invalid_argument",
        "not_stored",
        "item 0");
    assertEquals(0, accepted());
  }

  @Test
  void shouldAnswer503NotStoredOnceTheStoreIsClosed() {
    store.close();
    assertError(
        post("/v1/tenants/acme/signals", null, batch(1, -1, "")),
        503,
        "store_unavailable",
        "not_stored",
        "closed");
    Response ready = get("/health/ready");
    assertEquals(503, ready.status(), ready.text());
    assertEquals(200, get("/health/live").status());
  }

  @Test
  void shouldAnswer503WithoutAStore() {
    HttpApi none = new HttpApi(HttpApiConfig.DEFAULTS, List::of, List::of, clock::get);
    assertError(
        call(none, "GET", "/v1/status", null, null),
        503,
        "store_unavailable",
        "not_stored",
        "no store");
    assertEquals(503, call(none, "GET", "/health/ready", null, null).status());
  }

  @Test
  void shouldReportStatusAndReadiness() {
    post("/v1/tenants/acme/signals", SignalCodec.NDJSON, batch(8, -1, ""));
    Response st = get("/v1/status");
    assertEquals(200, st.status(), st.text());
    assertEquals("0", fields(st).get("region"));
    assertEquals("8", fields(st).get("signalsAccepted"));
    assertEquals(4, st.text().split("\"durablePosition\"").length - 1, st.text());
    Response ready = get("/health/ready");
    assertEquals(200, ready.status(), ready.text());
    assertEquals("ready", fields(ready).get("status"));
  }

  @Test
  void shouldServeTheMetricsExpositionBehindTheTokenAnd503WithoutIt() {
    MetricsExposition exposition =
        new MetricsExposition() {
          @Override
          public String contentType() {
            return "text/plain; version=0.0.4; charset=utf-8";
          }

          @Override
          public void write(java.io.OutputStream out) throws java.io.IOException {
            out.write("tidaldb_up 1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
          }
        };
    HttpApi api =
        new HttpApi(
            HttpApiConfig.DEFAULTS.withBearerToken("s3cret"),
            () -> List.<SignalStore>of(store),
            List::of,
            () -> exposition,
            clock::get);
    Request scrape = new Request("GET", "/metrics", Map.of(), null, "Bearer s3cret", null);
    Response r = api.handle(scrape);
    assertEquals(200, r.status(), r.text());
    assertEquals("tidaldb_up 1\n", r.text());
    assertEquals(exposition.contentType(), r.contentType());
    assertError(
        api.handle(new Request("GET", "/metrics", Map.of(), null, null, null)),
        401,
        "unauthorized",
        "not_stored",
        "missing");
    assertError(
        call(api(HttpApiConfig.DEFAULTS), "GET", "/metrics", null, null),
        503,
        "metrics_unavailable",
        "not_stored",
        "tidal-metrics");
  }

  @Test
  void shouldRequireTheBearerTokenOnV1ButNotOnHealth() {
    HttpApi locked = api(HttpApiConfig.DEFAULTS.withBearerToken("s3cret"));
    Request anonymous = new Request("GET", "/v1/status", Map.of(), null, null, null);
    assertError(locked.handle(anonymous), 401, "unauthorized", "not_stored", "missing");
    Request wrong = new Request("GET", "/v1/status", Map.of(), null, "Bearer s3cre", null);
    assertError(locked.handle(wrong), 401, "unauthorized", "not_stored", "wrong");
    Request right = new Request("GET", "/v1/status", Map.of(), null, "Bearer s3cret", null);
    assertEquals(200, locked.handle(right).status());
    assertEquals(
        200,
        locked.handle(new Request("GET", "/health/live", Map.of(), null, null, null)).status());
  }

  @Test
  void shouldAnswer413ForABodyOverTheLimit() {
    HttpApi small = api(HttpApiConfig.DEFAULTS.withMaxBodyBytes(10));
    assertError(small.tooLarge(11), 413, "body_too_large", "not_stored", "11 bytes");
  }

  /** The registry's view of one active tenant with quotas, as the tenancy bundle gives it. */
  private static TenantDirectory directory(String name, TenantQuotas quotas) {
    TenantId tenant = TenantId.of(name);
    return new TenantDirectory() {
      @Override
      public int region() {
        return 0;
      }

      @Override
      public TenantState state(TenantId t) {
        return t.equals(tenant) ? TenantState.ACTIVE : TenantState.UNKNOWN;
      }

      @Override
      public TenantQuotas quotas(TenantId t) {
        return t.equals(tenant) ? quotas : TenantQuotas.UNLIMITED;
      }

      @Override
      public Set<TenantId> active() {
        return Set.of(tenant);
      }

      @Override
      public Set<TenantId> deleted() {
        return Set.of();
      }

      @Override
      public void protect(String owner, Set<TenantId> tenants) {}

      @Override
      public void addListener(TenantListener listener) {}

      @Override
      public void removeListener(TenantListener listener) {}
    };
  }

  @Test
  void shouldAnswer429AtTheByteQuotaAndDescribeTheTenantsUsage() {
    store.tenantsChanged(directory("acme", new TenantQuotas(0, 0, 1)));
    assertEquals(200, post("/v1/tenants/acme/signals", null, batch(1, -1, "")).status());
    long before = accepted();
    assertError(
        post("/v1/tenants/acme/signals", null, batch(1, -1, "")),
        429,
        "quota_exceeded",
        "not_stored",
        "tenant acme is at its quota maxBytes=1 (value 128): not stored");
    assertEquals(before, accepted());
    assertEquals("1", fields(get("/v1/tenants/acme/entities/view/0")).get("count"));

    TenantHandlersTest.Registry registry = new TenantHandlersTest.Registry();
    registry.create(TenantId.of("acme"), new TenantQuotas(0, 0, 1));
    HttpApi withTenants =
        new HttpApi(
            HttpApiConfig.DEFAULTS,
            () -> List.<SignalStore>of(store),
            List::of,
            () -> null,
            () -> List.<TenantAdmin>of(registry),
            clock::get);
    Response d = call(withTenants, "GET", "/v1/tenants/acme", null, null);
    assertEquals(200, d.status(), d.text());
    assertTrue(
        d.text().contains("\"usage\":{\"region\":0,\"entities\":1,\"bytes\":128}"), d.text());
  }
}
