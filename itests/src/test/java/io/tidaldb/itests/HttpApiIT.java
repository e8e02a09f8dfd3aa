package io.tidaldb.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import io.tidaldb.api.SignalStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.Before;
import org.junit.FixMethodOrder;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.MethodSorters;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.ops4j.pax.exam.util.Filter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * The HTTP API inside Felix with the node feature (Felix HTTP on Jetty 12, the whiteboard servlet
 * of tidal-http), over real HTTP on loopback with {@link HttpClient}: a batch posted and read back,
 * a session batch under the session headers stored once through a retry, top, status, health, every
 * error class, and the bearer token.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
@FixMethodOrder(MethodSorters.NAME_ASCENDING)
public class HttpApiIT {
  private static final String TOKEN = "it-token-7f3a";
  private static final long MAX_BODY = 128 * 1024;
  private static final int MAX_IN_FLIGHT = 1_500;

  @Inject private BundleContext context;

  @Inject
  @Filter(timeout = 20_000)
  private SignalStore store;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private String base;

  /**
   * Provisions the node with a bearer token and a small body limit.
   *
   * @return the options
   */
  @Configuration
  public Option[] config() {
    return options(
        composite(ItOptions.node(HttpApiIT.class)),
        newConfiguration("io.tidaldb.http")
            .put("bearer.token", TOKEN)
            .put("max.body.bytes", Long.toString(MAX_BODY))
            .put("max.inflight.signals", Integer.toString(MAX_IN_FLIGHT))
            .asOption());
  }

  /** Finds the port Felix HTTP took and waits until the API answers. */
  @Before
  public void findEndpoint() {
    AtomicReference<String> found = new AtomicReference<>();
    Awaitility.await("the HTTP API answers")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(
            () -> {
              String endpoint = endpoint();
              if (endpoint == null) {
                return false;
              }
              found.set(
                  endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint);
              base = found.get();
              return get("/health/live", null).statusCode() == 200;
            });
    base = found.get();
  }

  private String endpoint() throws Exception {
    ServiceReference<?>[] refs =
        context.getAllServiceReferences(
            "org.osgi.service.servlet.runtime.HttpServiceRuntime", null);
    if (refs == null) {
      return null;
    }
    Object e = refs[0].getProperty("osgi.http.endpoint");
    String s = e instanceof String[] a ? (a.length == 0 ? null : a[0]) : (String) e;
    return s == null || s.contains(":0/") ? null : s;
  }

  private HttpResponse<String> get(String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String contentType, String body, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String batch(int n, int entities, String type) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append("{\"type\":\"")
          .append(type)
          .append("\",\"entity\":")
          .append(i % entities)
          .append(",\"weight\":1}\n");
    }
    return b.toString();
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String stored) {
    assertEquals(r.body(), status, r.statusCode());
    assertTrue(r.body(), r.body().contains("\"code\":\"" + code + "\""));
    assertTrue(r.body(), r.body().contains("\"stored\":\"" + stored + "\""));
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
  }

  /** A batch of 1,000 over NDJSON is stored, read back per entity and ranked. */
  @Test
  public void postsABatchAndReadsItBack() throws Exception {
    HttpResponse<String> r =
        post(
            "/v1/tenants/acme/signals", "application/x-ndjson", batch(1_000, 10, "it-view"), TOKEN);
    assertEquals(r.body(), 200, r.statusCode());
    assertTrue(r.body(), r.body().contains("\"count\":1000"));
    HttpResponse<String> e = get("/v1/tenants/acme/entities/it-view/3", TOKEN);
    assertEquals(e.body(), 200, e.statusCode());
    assertTrue(e.body(), e.body().contains("\"count\":100,"));
    HttpResponse<String> top = get("/v1/tenants/acme/top/it-view?k=3", TOKEN);
    assertEquals(top.body(), 200, top.statusCode());
    assertEquals(top.body(), 3, top.body().split("\"entity\"").length - 1);
    HttpResponse<String> one =
        post(
            "/v1/tenants/acme/signals?durability=ALL",
            "application/json",
            "{\"type\":\"it-one\",\"entity\":7,\"weight\":2.5,\"time\":"
                + System.currentTimeMillis()
                + "}",
            TOKEN);
    assertEquals(one.body(), 200, one.statusCode());
    assertTrue(one.body(), one.body().contains("\"durability\":\"ALL\""));
  }

  /**
   * A body under the session headers is one session batch: stored once through a retry with the
   * same headers (the same parts answered), refused as a conflict with another body under them.
   */
  @Test
  public void postsASessionBatchOnceThroughARetry() throws Exception {
    // every item carries its time: a retry must send the same payload (400 missing_field without)
    String body = batch(200, 10, "it-session").replace("}\n", ",\"time\":1}\n");
    HttpResponse<String> first = postSession(body, "5e55a1", "1");
    assertEquals(first.body(), 200, first.statusCode());
    assertTrue(first.body(), first.body().contains("\"count\":200"));
    assertTrue(first.body(), first.body().contains("\"seq\":1,\"parts\":[{\"shard\""));
    HttpResponse<String> retry = postSession(body, "5e55a1", "1");
    assertEquals(retry.body(), 200, retry.statusCode());
    assertEquals("the retry answers the same parts", first.body(), retry.body());
    HttpResponse<String> e = get("/v1/tenants/acme/entities/it-session/3", TOKEN);
    assertTrue(e.body(), e.body().contains("\"count\":20,"));
    assertError(
        postSession(body.replace("\"weight\":1,", "\"weight\":2,"), "5e55a1", "1"),
        409,
        "session_conflict",
        "not_stored");
    assertError(postSession(body, "not-hex", "1"), 400, "invalid_argument", "not_stored");
    assertError(
        postSession(batch(2, 2, "it-session"), "5e55a2", "1"), 400, "missing_field", "not_stored");
  }

  private HttpResponse<String> postSession(String body, String session, String seq)
      throws IOException, InterruptedException {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create(base + "/v1/tenants/acme/signals?durability=QUORUM"))
            .header("Content-Type", "application/x-ndjson")
            .header("Authorization", "Bearer " + TOKEN)
            .header("Tidal-Session", session)
            .header("Tidal-Seq", seq)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  /** Status lists the shards; live and ready answer 200 without a token. */
  @Test
  public void statusAndHealth() throws Exception {
    HttpResponse<String> st = get("/v1/status", TOKEN);
    assertEquals(st.body(), 200, st.statusCode());
    assertEquals(st.body(), ItOptions.SHARDS, st.body().split("\"durablePosition\"").length - 1);
    assertEquals(200, get("/health/live", null).statusCode());
    HttpResponse<String> ready = get("/health/ready", null);
    assertEquals(ready.body(), 200, ready.statusCode());
    assertTrue(ready.body(), ready.body().contains("\"status\":\"ready\""));
  }

  /** Each error class: JSON with its code and what it means for the write; nothing stored. */
  @Test
  public void errorsAreJsonAndStoreNothing() throws Exception {
    long before = store.status().signalsAccepted();
    assertError(
        post("/v1/tenants/acme/signals", "application/json", "{\"type\":\"v\",\"entity\":", TOKEN),
        400,
        "malformed_json",
        "not_stored");
    assertError(
        post(
            "/v1/tenants/acme/signals",
            "application/json",
            "{\"type\":\"v\",\"entity\":1,\"weight\":\"much\"}",
            TOKEN),
        400,
        "wrong_type",
        "not_stored");
    assertError(
        post(
            "/v1/tenants/acme/signals",
            "application/json",
            "{\"type\":\"v\",\"entity\":1,\"weight\":1e300}",
            TOKEN),
        400,
        "invalid_argument",
        "not_stored");
    assertError(
        post(
            "/v1/tenants/globex/signals",
            "application/json",
            "{\"type\":\"v\",\"entity\":1,\"weight\":1}",
            TOKEN),
        404,
        "unknown_tenant",
        "not_stored");
    assertError(get("/v1/no/such/route", TOKEN), 404, "unknown_route", "not_stored");
    assertError(
        post("/v1/tenants/acme/signals", "application/x-ndjson", batch(5_000, 10, "big"), TOKEN),
        413,
        "body_too_large",
        "not_stored");
    String session =
        "{\"type\":\"it-s\",\"entity\":1,\"weight\":1,\"time\":1,\"session\":\"5e55\",\"seq\":1}";
    assertEquals(
        200, post("/v1/tenants/acme/signals", "application/json", session, TOKEN).statusCode());
    long afterSession = store.status().signalsAccepted();
    assertError(
        post(
            "/v1/tenants/acme/signals",
            "application/json",
            session.replace("\"weight\":1", "\"weight\":3"),
            TOKEN),
        409,
        "session_conflict",
        "not_stored");
    assertEquals(before + 1, afterSession);
    assertEquals(afterSession, store.status().signalsAccepted());
    assertError(
        post(
            "/v1/tenants/acme/signals",
            "application/x-ndjson",
            batch(MAX_IN_FLIGHT + 1, 10, "v"),
            TOKEN),
        429,
        "too_many_in_flight",
        "not_stored");
    assertEquals(afterSession, store.status().signalsAccepted());
    // the server keeps serving
    assertEquals(200, get("/v1/status", TOKEN).statusCode());
  }

  /** Without the token, or with a wrong one: 401 and nothing stored. */
  @Test
  public void bearerTokenIsRequired() throws Exception {
    long before = store.status().signalsAccepted();
    String body = "{\"type\":\"v\",\"entity\":1,\"weight\":1}";
    HttpResponse<String> none = post("/v1/tenants/acme/signals", "application/json", body, null);
    assertError(none, 401, "unauthorized", "not_stored");
    assertNotNull(none.headers().firstValue("WWW-Authenticate").orElse(null));
    assertError(
        post("/v1/tenants/acme/signals", "application/json", body, TOKEN + "x"),
        401,
        "unauthorized",
        "not_stored");
    assertError(get("/v1/status", "wrong"), 401, "unauthorized", "not_stored");
    assertEquals(before, store.status().signalsAccepted());
  }

  /**
   * With the store bundle stopped: writes answer 503 not stored, readiness 503, liveness 200; once
   * it is back, ready again. Runs last (name order).
   */
  @Test
  public void zzStoreStoppedAnswers503() throws Exception {
    Bundle storeBundle = null;
    for (Bundle b : context.getBundles()) {
      if ("io.tidaldb.store".equals(b.getSymbolicName())) {
        storeBundle = b;
      }
    }
    assertNotNull(storeBundle);
    storeBundle.stop();
    try {
      assertError(
          post(
              "/v1/tenants/acme/signals",
              "application/json",
              "{\"type\":\"v\",\"entity\":1,\"weight\":1}",
              TOKEN),
          503,
          "store_unavailable",
          "not_stored");
      assertEquals(503, get("/health/ready", null).statusCode());
      assertEquals(200, get("/health/live", null).statusCode());
    } finally {
      storeBundle.start();
    }
    Awaitility.await("ready again")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> get("/health/ready", null).statusCode() == 200);
  }
}
