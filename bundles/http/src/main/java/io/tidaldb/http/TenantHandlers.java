package io.tidaldb.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tidaldb.api.InvalidArgumentException;
import io.tidaldb.api.TenantId;
import io.tidaldb.api.TenantUsage;
import io.tidaldb.api.UnknownTenantException;
import io.tidaldb.api.tenancy.TenantAdmin;
import io.tidaldb.api.tenancy.TenantInfo;
import io.tidaldb.api.tenancy.TenantQuotas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * Tenant administration over HTTP, through the region's {@link TenantAdmin} (the tenancy bundle's
 * registry; a change is replicated to every region by its gossip):
 *
 * <ul>
 *   <li>{@code GET /v1/tenants}: every tenant the registry knows, deleted ones included;
 *   <li>{@code POST /v1/tenants} with {@code {"name": "acme", "quotas": {"signalsPerSecond": 1000,
 *       "maxEntities": 0, "maxBytes": 0}}} (quotas optional, 0 = unlimited): 201 and the tenant;
 *       409 {@code tenant_conflict} if it exists or was deleted (names are not reused);
 *   <li>{@code GET /v1/tenants/{t}}: the tenant and its {@code usage} in the region's store
 *       (entities, state bytes: what {@code maxEntities} and {@code maxBytes} are checked against),
 *       404 {@code unknown_tenant} if never known;
 *   <li>{@code PUT /v1/tenants/{t}/quotas} with the quotas object: the tenant after the change;
 *   <li>{@code DELETE /v1/tenants/{t}}: the deleted tenant (its state is purged on every region).
 * </ul>
 *
 * The region is picked as for the data routes ({@code ?region=}, else the configured, else the
 * lowest); 503 {@code tenancy_unavailable} when no registry is running.
 */
final class TenantHandlers {
  private final Supplier<List<TenantAdmin>> admins;
  private final int configuredRegion;
  private final BiFunction<Integer, TenantId, Optional<TenantUsage>> usage;

  TenantHandlers(Supplier<List<TenantAdmin>> admins, int configuredRegion) {
    this(admins, configuredRegion, (region, tenant) -> Optional.empty());
  }

  /**
   * With {@code usage}: a tenant's usage in a region's store, empty if that region has no store
   * here; {@code GET /v1/tenants/{t}} adds it as {@code "usage": {"region", "entities", "bytes"}}.
   */
  TenantHandlers(
      Supplier<List<TenantAdmin>> admins,
      int configuredRegion,
      BiFunction<Integer, TenantId, Optional<TenantUsage>> usage) {
    this.admins = admins;
    this.configuredRegion = configuredRegion;
    this.usage = usage;
  }

  Response list(Request request, Map<String, String> params) {
    TenantAdmin admin = admin(request);
    List<TenantInfo> all;
    try {
      all = admin.list();
    } catch (RuntimeException e) {
      throw Errors.map(e, "");
    }
    return new Response(
        200,
        Json.render(
            g -> {
              g.writeStartObject();
              g.writeNumberField("region", admin.region());
              g.writeArrayFieldStart("tenants");
              for (TenantInfo t : all) {
                write(g, t);
              }
              g.writeEndArray();
              g.writeEndObject();
            }));
  }

  Response create(Request request, Map<String, String> params) {
    TenantAdmin admin = admin(request);
    String name = null;
    TenantQuotas quotas = TenantQuotas.UNLIMITED;
    byte[] body = request.body() == null ? new byte[0] : request.body();
    try (JsonParser p = Json.parser(body)) {
      expect(p, JsonToken.START_OBJECT, "a JSON object {\"name\": ..., \"quotas\": {...}}");
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("name".equals(field)) {
          if (value != JsonToken.VALUE_STRING) {
            throw ApiException.badRequest(
                "wrong_type", "field 'name' must be a string, got " + Params.clip(p.getText()));
          }
          name = p.getText();
        } else if ("quotas".equals(field)) {
          quotas = quotas(p, TenantQuotas.UNLIMITED);
        } else {
          throw ApiException.badRequest(
              "unknown_field", "unknown field '" + Params.clip(field) + "' (name, quotas)");
        }
      }
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed_json", "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // never for a byte array
    }
    if (name == null) {
      throw ApiException.badRequest("missing_field", "field 'name' is required");
    }
    TenantId tenant = Params.tenant(name);
    TenantQuotas q = quotas;
    TenantInfo created = call(() -> admin.create(tenant, q), true);
    return new Response(201, Json.render(g -> write(g, created)));
  }

  Response describe(Request request, Map<String, String> params) {
    TenantAdmin admin = admin(request);
    TenantId tenant = Params.tenant(params.get("t"));
    TenantInfo info =
        call(
            () -> admin.describe(tenant).orElseThrow(() -> new UnknownTenantException(tenant)),
            false);
    Optional<TenantUsage> used;
    try {
      used = usage.apply(admin.region(), tenant);
    } catch (RuntimeException e) {
      used = Optional.empty(); // no open store in the region: the registry's view alone
    }
    Optional<TenantUsage> u = used;
    return new Response(200, Json.render(g -> write(g, info, admin.region(), u)));
  }

  Response setQuotas(Request request, Map<String, String> params) {
    TenantAdmin admin = admin(request);
    TenantId tenant = Params.tenant(params.get("t"));
    TenantInfo current =
        call(
            () -> admin.describe(tenant).orElseThrow(() -> new UnknownTenantException(tenant)),
            false);
    TenantQuotas next;
    byte[] body = request.body() == null ? new byte[0] : request.body();
    try (JsonParser p = Json.parser(body)) {
      p.nextToken();
      next = quotas(p, current.quotas());
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest("malformed_json", "malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // never for a byte array
    }
    TenantInfo changed = call(() -> admin.setQuotas(tenant, next), false);
    return new Response(200, Json.render(g -> write(g, changed)));
  }

  Response delete(Request request, Map<String, String> params) {
    TenantAdmin admin = admin(request);
    TenantId tenant = Params.tenant(params.get("t"));
    TenantInfo deleted = call(() -> admin.delete(tenant), false);
    return new Response(200, Json.render(g -> write(g, deleted)));
  }

  /** Reads a quotas object the parser is at, each field replacing {@code base}'s. */
  private static TenantQuotas quotas(JsonParser p, TenantQuotas base) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw ApiException.badRequest(
          "wrong_type",
          "quotas must be an object {\"signalsPerSecond\": n, \"maxEntities\": n, \"maxBytes\": n}");
    }
    TenantQuotas q = base;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      if (value != JsonToken.VALUE_NUMBER_INT) {
        throw ApiException.badRequest(
            "wrong_type",
            "quota '"
                + Params.clip(field)
                + "' must be a whole number, got "
                + Params.clip(p.getText()));
      }
      try {
        q = q.with(field, p.getLongValue());
      } catch (InvalidArgumentException e) {
        throw ApiException.badRequest("invalid_argument", e.getMessage());
      }
    }
    return q;
  }

  private static void expect(JsonParser p, JsonToken token, String what) throws IOException {
    if (p.nextToken() != token) {
      throw ApiException.badRequest("wrong_type", "the body must be " + what);
    }
  }

  private static TenantInfo call(Supplier<TenantInfo> admin, boolean creating) {
    try {
      return admin.get();
    } catch (UnknownTenantException e) {
      throw Errors.map(e, "");
    } catch (InvalidArgumentException e) {
      if (creating && "tenant".equals(e.argument())) {
        throw new ApiException(409, "tenant_conflict", e.getMessage(), Stored.NOT_STORED);
      }
      throw Errors.map(e, "");
    } catch (RuntimeException e) {
      throw Errors.map(e, "");
    }
  }

  private TenantAdmin admin(Request request) {
    List<TenantAdmin> all = admins.get();
    if (all.isEmpty()) {
      throw new ApiException(
          503,
          "tenancy_unavailable",
          "no tenant registry is running (is the tidal-tenancy bundle configured and started?)",
          Stored.NOT_STORED);
    }
    String param = request.param("region");
    int wanted = param != null ? Params.intParam("region", param, 0, 0xFFFF) : configuredRegion;
    if (wanted < 0) {
      return all.stream().min(Comparator.comparingInt(TenantAdmin::region)).orElseThrow();
    }
    for (TenantAdmin a : all) {
      if (a.region() == wanted) {
        return a;
      }
    }
    throw new ApiException(
        404,
        "unknown_region",
        "region " + wanted + " has no tenant registry here",
        Stored.NOT_STORED);
  }

  private static void write(JsonGenerator g, TenantInfo t) throws IOException {
    write(g, t, 0, Optional.empty());
  }

  private static void write(JsonGenerator g, TenantInfo t, int region, Optional<TenantUsage> usage)
      throws IOException {
    g.writeStartObject();
    g.writeStringField("name", t.tenant().name());
    g.writeStringField("state", t.state().name().toLowerCase(Locale.ROOT));
    g.writeObjectFieldStart("quotas");
    g.writeNumberField(TenantQuotas.SIGNALS_PER_SECOND, t.quotas().signalsPerSecond());
    g.writeNumberField(TenantQuotas.MAX_ENTITIES, t.quotas().maxEntities());
    g.writeNumberField(TenantQuotas.MAX_BYTES, t.quotas().maxBytes());
    g.writeEndObject();
    g.writeNumberField("createdMillis", t.createdMillis());
    g.writeNumberField("createdRegion", t.createdRegion());
    if (t.deletedMillis() > 0) {
      g.writeNumberField("deletedMillis", t.deletedMillis());
    }
    if (usage.isPresent()) {
      g.writeObjectFieldStart("usage");
      g.writeNumberField("region", region);
      g.writeNumberField("entities", usage.get().entities());
      g.writeNumberField("bytes", usage.get().bytes());
      g.writeEndObject();
    }
    g.writeEndObject();
  }
}
