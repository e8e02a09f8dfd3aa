package io.tidaldb.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's curl walk-through ("Over HTTP") against the started distribution: ready, a batch of
 * three, the entity read back, top 2, a refused body, status; then SIGTERM. The port is moved off
 * 7070 (in conf/org.apache.felix.http.cfg) so a node already running on this machine does not
 * interfere.
 */
class HttpWalkthroughIT {
  private static final Path DIST = Path.of(System.getProperty("tidaldb.dist", "missing"));

  @TempDir Path tmp;
  private Path home;
  private String base;
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void copyDistribution() throws IOException {
    assertTrue(Files.isDirectory(DIST), "no distribution at " + DIST + " (run mvn package)");
    home = RunningNode.copyDistribution(DIST, tmp);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path cfg = home.resolve("conf/org.apache.felix.http.cfg");
    String text = Files.readString(cfg, StandardCharsets.UTF_8);
    assertTrue(text.contains("\"7070\""), text);
    Files.writeString(cfg, text.replace("\"7070\"", "\"" + port + "\""), StandardCharsets.UTF_8);
    base = "http://127.0.0.1:" + port;
  }

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  private HttpResponse<String> post(String path, String type, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", type)
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  @Test
  void shouldServeTheReadmeWalkthrough() throws Exception {
    try (RunningNode node = RunningNode.start(home, "--service")) {
      Awaitility.await("ready")
          .atMost(RunningNode.DEADLINE)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> get("/health/ready").statusCode() == 200);
      assertEquals("{\"status\":\"ready\",\"region\":0,\"shards\":4}", get("/health/ready").body());

      HttpResponse<String> tenant =
          post(
              "/v1/tenants",
              "application/json",
              "{\"name\":\"acme\",\"quotas\":{\"signalsPerSecond\":100000}}");
      assertEquals(201, tenant.statusCode(), tenant.body());
      assertTrue(
          tenant
              .body()
              .startsWith(
                  "{\"name\":\"acme\",\"state\":\"active\",\"quotas\":{\"signalsPerSecond\":100000,"),
          tenant.body());
      // the store learns of the new tenant from the registry (a listener), at once or nearly
      Awaitility.await("acme known to the store")
          .atMost(RunningNode.DEADLINE)
          .pollInterval(Duration.ofMillis(50))
          .until(() -> get("/v1/tenants/acme/entities/view/42").statusCode() == 200);

      HttpResponse<String> batch =
          post(
              "/v1/tenants/acme/signals?durability=LOCAL",
              "application/x-ndjson",
              "{\"type\":\"view\",\"entity\":42,\"weight\":1.5}\n"
                  + "{\"type\":\"view\",\"entity\":7,\"weight\":3}\n"
                  + "{\"type\":\"like\",\"entity\":42,\"weight\":1}\n");
      assertEquals(200, batch.statusCode(), batch.body());
      assertEquals("{\"stored\":\"stored\",\"count\":3,\"durability\":\"LOCAL\"}", batch.body());

      String entity = get("/v1/tenants/acme/entities/view/42").body();
      assertTrue(
          entity.startsWith(
              "{\"tenant\":\"acme\",\"type\":\"view\",\"entity\":42,\"count\":1,\"weightSum\":1.5,"),
          entity);

      String top = get("/v1/tenants/acme/top/view?k=2").body();
      assertTrue(top.contains("\"entities\":[{\"entity\":7,"), top);
      assertTrue(top.contains("},{\"entity\":42,"), top);

      HttpResponse<String> bad =
          post(
              "/v1/tenants/acme/signals",
              "application/json",
              "{\"type\":\"view\",\"entity\":1,\"weight\":\"x\"}");
      assertEquals(400, bad.statusCode());
      assertEquals(
          "{\"code\":\"wrong_type\",\"message\":\"item 0 (line 1): field 'weight' must be a number,"
              + " got the string 'x'\",\"stored\":\"not_stored\"}",
          bad.body());

      HttpResponse<String> status = get("/v1/status");
      assertEquals(200, status.statusCode());
      assertTrue(status.body().contains("\"signalsAccepted\":3,"), status.body());
      HttpResponse<String> metrics = get("/metrics");
      assertEquals(200, metrics.statusCode(), metrics.body());
      assertTrue(
          metrics.body().contains("tidaldb_signals_accepted_total{region=\"0\"} 3.0"),
          metrics.body());
      assertTrue(
          metrics
              .body()
              .contains("tidaldb_tenant_signals_accepted_total{region=\"0\",tenant=\"acme\"} 3.0"),
          metrics.body());

      node.terminate();
      assertEquals(0, node.awaitExit(), node.output());
    }
  }
}
