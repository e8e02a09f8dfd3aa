package io.tidaldb.http;

import io.tidaldb.api.EntityId;
import io.tidaldb.api.RankedEntity;
import io.tidaldb.api.SignalAggregate;
import io.tidaldb.api.SignalStore;
import io.tidaldb.api.SignalType;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code GET /v1/tenants/{t}/entities/{type}/{id}} (an entity's aggregate) and {@code GET
 * /v1/tenants/{t}/top/{type}} (the top k). Both take {@code at} (ms since the epoch; default now)
 * and {@code maxLagMs} (bounded staleness: answer only if this region leads the shard or heard from
 * its leader within it, else 503 {@code stale_read}); top takes {@code k} (default 10, 1 to {@link
 * SignalStore#MAX_TOP_K}) and {@code offset} (default 0).
 */
final class ReadHandlers {
  private final StoreSelector selector;
  private final LongSupplier clock;

  ReadHandlers(StoreSelector selector, LongSupplier clock) {
    this.selector = selector;
    this.clock = clock;
  }

  Response entity(Request request, Map<String, String> params) {
    TenantId tenant = Params.tenant(params.get("t"));
    SignalType type = Params.type(params.get("type"));
    EntityId entity = EntityId.of(Params.longParam("entity", params.get("id")));
    Timestamp at = at(request);
    Duration maxLag = maxLag(request);
    SignalStore store = selector.select(request.param("region")).store();
    SignalAggregate a;
    try {
      a =
          maxLag == null
              ? store.read(tenant, type, entity, at)
              : store.read(tenant, type, entity, at, maxLag);
    } catch (RuntimeException e) {
      throw Errors.map(e, "");
    }
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("tenant", tenant.name());
              g.writeStringField("type", type.name());
              g.writeNumberField("entity", entity.value());
              g.writeNumberField("count", a.count());
              g.writeNumberField("weightSum", a.weightSum());
              g.writeNumberField("score", a.decayedScore());
              if (a.lastSeen().isPresent()) {
                g.writeNumberField("lastSeen", a.lastSeen().get().epochMillis());
              } else {
                g.writeNullField("lastSeen");
              }
              g.writeNumberField("at", a.at().epochMillis());
              g.writeEndObject();
            }));
  }

  Response top(Request request, Map<String, String> params) {
    TenantId tenant = Params.tenant(params.get("t"));
    SignalType type = Params.type(params.get("type"));
    String kParam = request.param("k");
    int k = kParam == null ? 10 : Params.intParam("k", kParam, 1, SignalStore.MAX_TOP_K);
    String offsetParam = request.param("offset");
    int offset =
        offsetParam == null
            ? 0
            : Params.intParam("offset", offsetParam, 0, SignalStore.MAX_TOP_K - 1);
    Timestamp at = at(request);
    Duration maxLag = maxLag(request);
    SignalStore store = selector.select(request.param("region")).store();
    List<RankedEntity> top;
    try {
      if (maxLag != null) {
        if (offset != 0) {
          throw ApiException.badRequest(
              "invalid_argument", "offset " + offset + " cannot be combined with maxLagMs");
        }
        top = store.top(tenant, type, k, at, maxLag);
      } else {
        top =
            offset == 0
                ? store.top(tenant, type, k, at)
                : store.topPage(tenant, type, offset, k, at);
      }
    } catch (RuntimeException e) {
      throw Errors.map(e, "");
    }
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeStringField("tenant", tenant.name());
              g.writeStringField("type", type.name());
              g.writeNumberField("k", k);
              g.writeNumberField("offset", offset);
              g.writeNumberField("at", at.epochMillis());
              g.writeArrayFieldStart("entities");
              for (RankedEntity e : top) {
                g.writeStartObject();
                g.writeNumberField("entity", e.entity().value());
                g.writeNumberField("score", e.score());
                g.writeEndObject();
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  private Timestamp at(Request request) {
    String at = request.param("at");
    if (at == null) {
      return Timestamp.ofMillis(clock.getAsLong());
    }
    long ms = Params.longParam("at", at);
    if (ms < 0) {
      throw ApiException.badRequest(
          "invalid_argument", "invalid at: " + ms + " (must be >= 0 ms since the epoch)");
    }
    return Timestamp.ofMillis(ms);
  }

  private static Duration maxLag(Request request) {
    String lag = request.param("maxLagMs");
    if (lag == null) {
      return null;
    }
    long ms = Params.longParam("maxLagMs", lag);
    if (ms < 0) {
      throw ApiException.badRequest(
          "invalid_argument", "invalid maxLagMs: " + ms + " (must be >= 0)");
    }
    return Duration.ofMillis(ms);
  }
}
