package io.tidaldb.http;

import io.tidaldb.api.SignalStore;
import io.tidaldb.api.metrics.MetricsExposition;
import io.tidaldb.api.replication.Replication;
import io.tidaldb.api.tenancy.TenantAdmin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of a node without a servlet container: routes a {@link Request} to its handler and
 * renders every refusal as the JSON error {@code {"code", "message", "stored"}} with its status.
 * With a bearer token configured, every route but {@code /health/*} needs {@code Authorization:
 * Bearer <token>} (401 otherwise; compared in constant time). Thread-safe.
 *
 * <p>Routes: {@code POST /v1/tenants/{t}/signals}, {@code GET
 * /v1/tenants/{t}/entities/{type}/{id}}, {@code GET /v1/tenants/{t}/top/{type}}, {@code GET
 * /v1/status}, {@code GET /health/live}, {@code GET /health/ready}, tenant administration ({@code
 * /v1/tenants}, see {@link TenantHandlers}), {@code GET /metrics} (the Prometheus text format of
 * the node's {@code MetricsExposition}; 503 {@code metrics_unavailable} while the metrics bundle is
 * not running). Add one with a line in {@link #routes}.
 */
public final class HttpApi {
  private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);

  private final HttpApiConfig config;
  private final Router router;
  private final byte[] tokenDigest;

  /**
   * Creates the API.
   *
   * @param config the configuration
   * @param stores the stores registered now (one per region of this framework)
   * @param replications the replications registered now
   * @param clock the wall clock, ms since the epoch
   */
  public HttpApi(
      HttpApiConfig config,
      Supplier<List<SignalStore>> stores,
      Supplier<List<Replication>> replications,
      LongSupplier clock) {
    this(config, stores, replications, () -> null, clock);
  }

  /**
   * Creates the API with {@code /metrics}.
   *
   * @param config the configuration
   * @param stores the stores registered now (one per region of this framework)
   * @param replications the replications registered now
   * @param metrics the metrics exposition registered now, or null
   * @param clock the wall clock, ms since the epoch
   */
  public HttpApi(
      HttpApiConfig config,
      Supplier<List<SignalStore>> stores,
      Supplier<List<Replication>> replications,
      Supplier<MetricsExposition> metrics,
      LongSupplier clock) {
    this(config, stores, replications, metrics, List::of, clock);
  }

  /**
   * Creates the API with {@code /metrics} and tenant administration.
   *
   * @param config the configuration
   * @param stores the stores registered now (one per region of this framework)
   * @param replications the replications registered now
   * @param metrics the metrics exposition registered now, or null
   * @param admins the tenant registries registered now (one per region)
   * @param clock the wall clock, ms since the epoch
   */
  public HttpApi(
      HttpApiConfig config,
      Supplier<List<SignalStore>> stores,
      Supplier<List<Replication>> replications,
      Supplier<MetricsExposition> metrics,
      Supplier<List<TenantAdmin>> admins,
      LongSupplier clock) {
    this.config = config;
    this.tokenDigest = config.bearerToken().isEmpty() ? null : sha256(config.bearerToken());
    StoreSelector selector = new StoreSelector(stores, replications, config.region());
    this.router =
        routes(
            config,
            selector,
            metrics,
            new TenantHandlers(
                admins,
                config.region(),
                (region, tenant) ->
                    selector.select(Integer.toString(region)).store().usage(tenant)),
            clock);
  }

  private static Response metrics(Supplier<MetricsExposition> metrics) {
    MetricsExposition exposition = metrics.get();
    if (exposition == null) {
      throw new ApiException(
          503,
          "metrics_unavailable",
          "no metrics exposition is registered (is the tidal-metrics bundle running?)",
          Stored.NOT_STORED);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(32 * 1024);
    try {
      exposition.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Response(200, out.toByteArray(), exposition.contentType());
  }

  private static Router routes(
      HttpApiConfig config,
      StoreSelector selector,
      Supplier<MetricsExposition> metrics,
      TenantHandlers tenants,
      LongSupplier clock) {
    IngestHandler ingest = new IngestHandler(selector, new SignalCodec(clock), config);
    ReadHandlers reads = new ReadHandlers(selector, clock);
    StatusHandlers status = new StatusHandlers(selector, config.readyLagMillis());
    return new Router()
        .add("POST", "/v1/tenants/{t}/signals", ingest)
        .add("GET", "/v1/tenants/{t}/entities/{type}/{id}", reads::entity)
        .add("GET", "/v1/tenants/{t}/top/{type}", reads::top)
        .add("GET", "/v1/status", status::status)
        .add("GET", "/health/live", status::live)
        .add("GET", "/health/ready", status::ready)
        .add("GET", "/metrics", (request, params) -> metrics(metrics))
        .add("GET", "/v1/tenants", tenants::list)
        .add("POST", "/v1/tenants", tenants::create)
        .add("GET", "/v1/tenants/{t}", tenants::describe)
        .add("DELETE", "/v1/tenants/{t}", tenants::delete)
        .add("PUT", "/v1/tenants/{t}/quotas", tenants::setQuotas);
  }

  /**
   * Returns the configuration.
   *
   * @return the configuration
   */
  public HttpApiConfig config() {
    return config;
  }

  /**
   * Serves a request.
   *
   * @param request the request
   * @return the answer; never throws
   */
  public Response handle(Request request) {
    try {
      if (!request.path().startsWith("/health/")) {
        authorize(request.authorization());
      }
      return router.route(request);
    } catch (ApiException e) {
      return error(e);
    } catch (IngestHandler.BatchFailure e) {
      return e.response();
    } catch (RuntimeException e) {
      LOG.warn("{} {} failed", request.method(), request.path(), e);
      return error(Errors.map(e, ""));
    }
  }

  /**
   * The answer to a body larger than the configured limit (413), nothing stored.
   *
   * @param length the body's length as announced, or -1 if it was only found while reading
   * @return the answer
   */
  public Response tooLarge(long length) {
    return error(
        new ApiException(
            413,
            "body_too_large",
            "request body of "
                + (length < 0 ? "more than " + config.maxBodyBytes() : Long.toString(length))
                + " bytes is over the limit of "
                + config.maxBodyBytes()
                + " bytes (max.body.bytes)",
            Stored.NOT_STORED));
  }

  /**
   * Renders an error.
   *
   * @param e the refusal
   * @return the answer
   */
  public static Response error(ApiException e) {
    return new Response(
        e.status(),
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("code", e.code());
              g.writeStringField("message", e.getMessage());
              g.writeStringField("stored", e.stored().json());
              g.writeEndObject();
            }));
  }

  private void authorize(String header) {
    if (tokenDigest == null) {
      return;
    }
    String given = "";
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      given = header.substring(7).strip();
    }
    // digests of equal length compared in constant time: neither the token nor its length leaks
    if (given.isEmpty() || !MessageDigest.isEqual(tokenDigest, sha256(given))) {
      throw new ApiException(
          401,
          "unauthorized",
          header == null ? "missing bearer token" : "wrong bearer token",
          Stored.NOT_STORED);
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256", e);
    }
  }
}
